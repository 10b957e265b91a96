import { Client } from 'pg';
import { isDatabaseUnavailable } from '../common/errors/error-response';

/** A start-up failure the operator must fix: one line saying what failed and what to do. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

export interface DatabaseTarget {
  /** host:port, for the log (never for a response). */
  address: string;
  database: string;
  user: string;
}

export function databaseTarget(url: string): DatabaseTarget {
  const parsed = new URL(url);
  return {
    address: `${parsed.hostname}:${parsed.port || '5432'}`,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres',
    user: decodeURIComponent(parsed.username) || 'postgres',
  };
}

/**
 * What a failed connection means: retry (the server is not there yet) or stop with what to do
 * (the server answered and refused: a missing database or wrong credentials do not fix themselves).
 */
export function classifyConnectError(
  error: unknown,
  target: DatabaseTarget,
): { retry: true; reason: string } | { retry: false; error: StartupError } {
  const code = (error as { code?: unknown })?.code;
  switch (code) {
    case '3D000':
      return {
        retry: false,
        error: new StartupError(
          `database "${target.database}" does not exist on ${target.address}: create it (createdb -h <host> -U ${target.user} ${target.database}) or fix the database name in DATABASE_URL`,
        ),
      };
    case '28P01':
    case '28000':
      return {
        retry: false,
        error: new StartupError(
          `PostgreSQL on ${target.address} refused user "${target.user}" (wrong password, or no pg_hba.conf entry): fix the user name and password in DATABASE_URL (percent-encode reserved characters)`,
        ),
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { retry: true, reason: `the host in DATABASE_URL (${target.address}) does not resolve` };
    default:
      if (isDatabaseUnavailable(error))
        return {
          retry: true,
          reason: `PostgreSQL at ${target.address} does not answer (${typeof code === 'string' ? code : 'no connection'})`,
        };
      return {
        retry: false,
        error: new StartupError(
          `cannot use the database at ${target.address} (${typeof code === 'string' ? code : (error as Error)?.message?.slice(0, 120)}): check DATABASE_URL`,
        ),
      };
  }
}

async function tryConnect(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  // A connection that fails after connecting reports here; connect() itself rejects.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface WaitOptions {
  timeoutSeconds: number;
  onRetry: (reason: string, retryInMs: number, waitedMs: number) => void;
  /** Stops the wait early (shutdown during start-up). */
  signal?: AbortSignal;
}

/**
 * Waits until the database answers, retrying with exponential backoff (0.5 s doubling to 10 s)
 * for at most timeoutSeconds; throws a StartupError at once for the failures retrying cannot fix.
 */
export async function waitForDatabase(url: string, options: WaitOptions): Promise<void> {
  const target = databaseTarget(url);
  const startedAt = Date.now();
  let delay = 500;
  for (;;) {
    try {
      await tryConnect(url);
      return;
    } catch (error) {
      const verdict = classifyConnectError(error, target);
      if (!verdict.retry) throw verdict.error;
      const waited = Date.now() - startedAt;
      const left = options.timeoutSeconds * 1000 - waited;
      if (left <= 0) {
        throw new StartupError(
          `${verdict.reason} after ${Math.round(waited / 1000)} s (DATABASE_CONNECT_TIMEOUT_SECONDS=${options.timeoutSeconds}): start PostgreSQL or fix the host and port in DATABASE_URL`,
        );
      }
      const wait = Math.min(delay, left);
      options.onRetry(verdict.reason, wait, waited);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        options.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (options.signal?.aborted) throw new StartupError('stopped while waiting for the database');
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
