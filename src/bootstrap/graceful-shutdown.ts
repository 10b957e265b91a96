import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How long a connection may sit without a request once the listener is closed, before it is ended. */
const IDLE_GRACE_MS = 1000;
const SWEEP_EVERY_MS = 100;

/**
 * The server's open connections, from the moment it listens: at shutdown, those without a request
 * in progress are ended, but only after they have had IDLE_GRACE_MS to send one (a request that
 * already reached the socket but is not parsed yet on a busy event loop must not be reset).
 */
export class ConnectionTracker {
  private readonly sockets = new Set<Socket>();

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /**
   * From now on every answer carries Connection: close, so each keep-alive connection ends after its
   * next answer instead of being cut while a request may be on its way.
   */
  closeAfterEachAnswer(): void {
    this.server.prependListener('request', (_request, response) => response.setHeader('Connection', 'close'));
  }

  /**
   * Runs close (which stops the listener and waits for the requests in progress) while ending
   * connections that stay idle for IDLE_GRACE_MS. Node's own close() would end idle connections at
   * once, including those whose request has arrived but is not parsed yet.
   */
  async closeWhile(close: () => Promise<void>): Promise<void> {
    this.server.closeIdleConnections = () => undefined;
    const idleSince = new Map<Socket, number>();
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const socket of this.sockets) {
        // Node attaches the response being written to its socket; none means no request in progress.
        if ((socket as { _httpMessage?: unknown })._httpMessage) {
          idleSince.delete(socket);
          continue;
        }
        const since = idleSince.get(socket) ?? now;
        idleSince.set(socket, since);
        if (now - since >= IDLE_GRACE_MS) socket.destroy();
      }
    }, SWEEP_EVERY_MS);
    try {
      await close();
    } finally {
      clearInterval(sweep);
    }
  }
}
