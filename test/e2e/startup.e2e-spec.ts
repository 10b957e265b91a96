import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { adminDatabaseUrl, createDatabase, databaseUrl, dropDatabase } from '../support/database';
import { expectEnvelope, HttpClient } from '../support/http';
import { freePort, spawnService, stopChild, waitFor } from '../support/service';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const productionEnv = (extra: Record<string, string>): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'production',
  ENV_FILE: 'none',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  JWT_SECRET: randomBytes(36).toString('base64'),
  DATA_DIR: mkdtempSync(join(tmpdir(), 'ums-startup-')),
  ...extra,
});

/** Runs the built service until it exits; everything it wrote, stdout and stderr in one. */
async function failedStart(env: Record<string, string>): Promise<{ code: number | null; lines: string[] }> {
  const port = env.PORT ?? String(await freePort());
  try {
    await run(process.execPath, [join(root, 'dist', 'main.js')], { env: { ...env, PORT: port }, cwd: root, timeout: 30000 });
    return { code: 0, lines: [] };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    const lines = `${failed.stdout}${failed.stderr}`.split('\n').filter((line) => line.trim() !== '');
    return { code: failed.code, lines };
  }
}

/** Every line is one JSON object, and no line is a stack frame. */
function expectJsonLines(lines: string[]): Array<{ level: number; msg: string }> {
  expect(lines.length).toBeGreaterThan(0);
  return lines.map((line) => {
    expect(() => JSON.parse(line)).not.toThrow();
    expect(line).not.toMatch(/\bat .+:\d+:\d+/);
    return JSON.parse(line);
  });
}

/** A TCP forwarder that is not listening until started: a database server that "appears" on a known port. */
class DatabaseDoor {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly target: URL,
  ) {}

  open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 5432), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('Start-up failures in production: one JSON line saying what failed and what to do', () => {
  it('a database that does not exist', async () => {
    const { code, lines } = await failedStart(productionEnv({ DATABASE_URL: databaseUrl(adminDatabaseUrl(), 'ums_no_such_db') }));
    expect(code).toBe(1);
    const entries = expectJsonLines(lines);
    expect(entries).toHaveLength(1);
    expect(entries[0].level).toBe(60);
    expect(entries[0].msg).toContain('database "ums_no_such_db" does not exist');
    expect(entries[0].msg).toContain('createdb');
  });

  it('credentials the server refuses', async () => {
    const url = new URL(adminDatabaseUrl());
    url.username = 'ums_no_such_role';
    url.password = 'not-the-password';
    const { code, lines } = await failedStart(productionEnv({ DATABASE_URL: url.toString() }));
    expect(code).toBe(1);
    const entries = expectJsonLines(lines);
    expect(entries).toHaveLength(1);
    expect(entries[0].msg).toContain('refused user "ums_no_such_role"');
    expect(entries[0].msg).toContain('fix the user name and password in DATABASE_URL');
    expect(lines.join('\n')).not.toContain('not-the-password');
  });

  it('an unencoded # in the password', async () => {
    const url = adminDatabaseUrl().replace(/^postgres(ql)?:\/\/[^@/]*@/, 'postgres://postgres:pa#ss-word@');
    const { code, lines } = await failedStart(productionEnv({ DATABASE_URL: url }));
    expect(code).toBe(1);
    const entries = expectJsonLines(lines);
    expect(entries).toHaveLength(1);
    expect(entries[0].msg).toContain('# as %23');
    expect(lines.join('\n')).not.toContain('ss-word');
  });

  it('the port in use', async () => {
    const blocker = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const database = await createDatabase();
      try {
        const { code, lines } = await failedStart(productionEnv({ DATABASE_URL: database.url, PORT: String(port) }));
        expect(code).toBe(1);
        const entries = expectJsonLines(lines);
        expect(entries).toHaveLength(1);
        expect(entries[0].msg).toContain(`port ${port} on 127.0.0.1 is in use`);
        expect(entries[0].msg).toContain('set PORT');
      } finally {
        await dropDatabase(database.name);
      }
    } finally {
      blocker.close();
    }
  });

  it('a database that stays unreachable: retries with backoff until DATABASE_CONNECT_TIMEOUT_SECONDS, then one fatal line', async () => {
    const port = await freePort();
    const { code, lines } = await failedStart(
      productionEnv({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`, DATABASE_CONNECT_TIMEOUT_SECONDS: '2' }),
    );
    expect(code).toBe(1);
    const entries = expectJsonLines(lines);
    const retries = entries.filter((entry) => entry.level === 40);
    expect(retries.length).toBeGreaterThanOrEqual(2);
    for (const retry of retries) expect(retry.msg).toContain('waiting for the database');
    const fatal = entries.filter((entry) => entry.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0].msg).toContain('DATABASE_CONNECT_TIMEOUT_SECONDS=2');
    expect(entries[entries.length - 1]).toBe(fatal[0]);
  });
});

describe('A database that is not there yet at start', () => {
  it('keeps trying while /health/live answers and /health/ready does not (naming no host or port), then starts normally', async () => {
    const database = await createDatabase();
    const door = new DatabaseDoor(await freePort(), new URL(database.url));
    const url = new URL(database.url);
    url.hostname = '127.0.0.1';
    url.port = String(door.port);
    const started = await spawnService(productionEnv({ DATABASE_URL: url.toString() }), { waitReady: false });
    try {
      const http = new HttpClient(started.url);
      await waitFor(async () => (await http.get('/health/live')).status === 200, 20000, 'liveness while the database is away');
      await waitFor(async () => started.output().includes('waiting for the database'), 10000, 'a retry line');
      const ready = await http.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.status).toBe('error');
      expect(ready.text).not.toContain(String(door.port));
      expect(ready.text).not.toContain('127.0.0.1');
      expectEnvelope(await http.get('/api/v1/occupations'), 503, 50301);
      expect(started.child.exitCode).toBeNull();

      await door.open();
      await waitFor(async () => (await http.get('/health/ready')).status === 200, 30000, 'readiness once the database answers');
      expectEnvelope(await http.get('/api/v1/occupations'), 200);
      const lines = started
        .output()
        .split('\n')
        .filter((line) => line.trim() !== '');
      const entries = expectJsonLines(lines);
      expect(entries.some((entry) => entry.msg === 'applied migration InitialSchema1795232992170')).toBe(true);
      expect(entries.some((entry) => entry.msg.startsWith('no superadmin exists: create one with'))).toBe(true);
      expect(entries.some((entry) => entry.msg.startsWith('listening on'))).toBe(true);
    } finally {
      await stopChild(started.child);
      await door.close();
      await dropDatabase(database.name);
    }
  });
});

describe('create-superadmin CLI', () => {
  it('needs only the database (no JWT_SECRET, in production too), prints a generated password once, and the account works', async () => {
    const database = await createDatabase();
    const env = productionEnv({ DATABASE_URL: database.url });
    delete env.JWT_SECRET;
    try {
      const cli = await run(
        process.execPath,
        [join(root, 'dist', 'src', 'cli.js'), 'create-superadmin', '--username', 'opsadmin01', '--email', 'ops@example.com'],
        { env, cwd: root },
      );
      const password = cli.stdout.match(/superadmin opsadmin01 <ops@example\.com> created; password: (\S+)/)?.[1];
      expect(password).toEqual(expect.any(String));

      const service = await spawnService(productionEnv({ DATABASE_URL: database.url, DATA_DIR: env.DATA_DIR }));
      try {
        const login = await new HttpClient(service.url).post('/api/v1/auth/login', { username: 'opsadmin01', password });
        expectEnvelope(login, 200);
        expect(login.body.data.user.role).toBe('superadmin');
        expect(service.output()).not.toContain('no superadmin exists');
      } finally {
        await stopChild(service.child);
      }
    } finally {
      await dropDatabase(database.name);
      rmSync(env.DATA_DIR, { recursive: true, force: true });
    }
  });
});

describe('Production configuration refusal', () => {
  it("refuses docker-compose.yml's old placeholder JWT_SECRET before touching anything, in one JSON line", async () => {
    const { code, lines } = await failedStart(
      productionEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x', JWT_SECRET: 'change-me-to-48-random-characters-change-me-now!!' }),
    );
    expect(code).toBe(1);
    const entries = expectJsonLines(lines);
    expect(entries).toHaveLength(1);
    expect(entries[0].msg).toContain('JWT_SECRET looks like a placeholder');
  });
});
