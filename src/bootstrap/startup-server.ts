import { createServer, Server } from 'node:http';
import { ERRORS, ErrorCode } from '../common/errors/error-codes';

export interface StartupServer {
  /** Stops listening and ends its connections, so the application can take the port. */
  close(): Promise<void>;
}

const NOT_READY = {
  status: 'error',
  info: {},
  error: { database: { status: 'down', message: 'starting: waiting for the database' } },
  details: { database: { status: 'down', message: 'starting: waiting for the database' } },
};

/**
 * Holds the port while the service waits for its database and runs its migrations: /health/live
 * answers 200 (the process is fine, do not restart it), /health/ready and everything else 503, so
 * an orchestrator or a load balancer sees a starting instance rather than a dead one. The error
 * names neither host nor port. Also how a taken port is found before anything else starts.
 */
export function listenWhileStarting(port: number, host: string, headers: Readonly<Record<string, string>>): Promise<StartupServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0].replace(/\/+$/, '');
    let status = 503;
    let body: unknown;
    if (path === '/health/live') {
      status = 200;
      body = { status: 'ok' };
    } else if (path === '/health/ready') body = NOT_READY;
    else {
      const definition = ERRORS[ErrorCode.DATABASE_UNAVAILABLE];
      body = { data: null, message: definition.message.en, errorCode: ErrorCode.DATABASE_UNAVAILABLE, status: definition.status };
      response.setHeader('Retry-After', '5');
    }
    response.writeHead(status, {
      ...headers,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      // Every connection ends with its answer: none is left for the application to inherit.
      connection: 'close',
    });
    response.end(JSON.stringify(body));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve({
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
