import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';

export interface RawOutcome {
  /** The X-Request-Id sent, to find the request in the server's log. */
  id: string;
  status?: number;
  body?: string;
  /** The answer's Connection header: "close" when the server ends the connection after it. */
  connection?: string;
  /** Set when no response came back: ECONNREFUSED means the request was never accepted. */
  error?: string;
  startedAt: number;
  endedAt: number;
}

/**
 * One request on its own connection (Connection: close), so a refused connection is told apart from a
 * dropped request; or, given a keep-alive agent, on one of the agent's connections.
 */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  agent?: Agent,
): Promise<RawOutcome> {
  const startedAt = Date.now();
  const id = `raw-${randomBytes(8).toString('hex')}`;
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${url}${path}`,
      {
        method,
        agent: agent ?? false,
        headers: {
          ...(agent ? {} : { connection: 'close' }),
          'x-request-id': id,
          ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({ id, status: res.statusCode, body: text, connection: res.headers.connection, startedAt, endedAt: Date.now() }),
        );
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ id, error: error.code ?? error.message, startedAt, endedAt: Date.now() }),
        );
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ id, error: error.code ?? error.message, startedAt, endedAt: Date.now() }));
    if (payload) req.write(payload);
    req.end();
  });
}
