import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, dropDatabase } from './database';
import { HttpClient } from './http';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain CommonJS script of the build, shared with the bench
const { productionCommand } = require('../../scripts/production-command') as {
  productionCommand: () => { env: Record<string, string>; flags: string[] };
};

export const SUPERADMIN = { username: 'rootadmin', email: 'root@example.com', password: 'Sup3r-secret-pass' };

export interface RunningService {
  url: string;
  http: HttpClient;
  databaseUrl: string;
  databaseName: string;
  env: Record<string, string>;
  process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** stop() and drop the database. */
  dispose(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Spawns `node dist/main.js` as `npm run start:prod` does (its flags and environment) with the given environment, and waits for /health/ready. */
export async function spawnService(
  env: Record<string, string>,
  options: { waitReady?: boolean } = {},
): Promise<{
  child: ChildProcess;
  url: string;
  output: () => string;
}> {
  const main = join(__dirname, '..', '..', 'dist', 'main.js');
  if (!existsSync(main)) throw new Error('dist/main.js is missing: run `npm run build` first (npm test does it for you)');
  const port = env.PORT ?? String(await freePort());
  const production = productionCommand();
  const child = spawn(process.execPath, [...production.flags, main], {
    cwd: join(__dirname, '..', '..'),
    // No drain after SIGTERM unless a test asks for one: stopping a test's service need not wait for a load balancer.
    env: { PATH: process.env.PATH ?? '', ...production.env, SHUTDOWN_DRAIN_SECONDS: '0', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  if (options.waitReady !== false) {
    let exited = false;
    child.once('exit', () => (exited = true));
    await waitFor(
      async () => exited || (await fetch(`${url}/health/ready`)).status === 200,
      45000,
      `the service on ${url} to be ready`,
    ).catch((error: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${error.message}\n${output}`);
    });
    if (exited) throw new Error(`the service exited during start-up:\n${output}`);
  }
  return { child, url, output: () => output };
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(signal);
  });
}

/**
 * A service instance on its own fresh database (built by its migrations at start-up). Tests get
 * generous rate limits unless they ask otherwise; the superadmin comes from SUPERADMIN_*.
 */
export async function startService(overrides: Record<string, string> = {}): Promise<RunningService> {
  const database = await createDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'ums-e2e-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    ENV_FILE: 'none',
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    SUPERADMIN_USERNAME: SUPERADMIN.username,
    SUPERADMIN_EMAIL: SUPERADMIN.email,
    SUPERADMIN_PASSWORD: SUPERADMIN.password,
    RATE_LIMIT_LOGIN: '100000',
    RATE_LIMIT_REGISTER: '100000',
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
    ...overrides,
  };
  const { child, url, output } = await spawnService(env);
  const stop = (): Promise<number | null> => stopChild(child);
  return {
    url,
    http: new HttpClient(url),
    databaseUrl: database.url,
    databaseName: database.name,
    env,
    process: child,
    output,
    stop,
    dispose: async () => {
      await stop();
      // CI keeps every service's log, to check that none of them holds a password or a token.
      if (process.env.E2E_LOG_DIR) {
        mkdirSync(process.env.E2E_LOG_DIR, { recursive: true });
        writeFileSync(join(process.env.E2E_LOG_DIR, `${database.name}.log`), output());
      }
      await dropDatabase(database.name);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
