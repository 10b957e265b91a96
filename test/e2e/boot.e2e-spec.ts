import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDatabase, dropDatabase, withClient } from '../support/database';
import { HttpClient, expectEnvelope } from '../support/http';
import { freePort, spawnService, stopChild, waitFor } from '../support/service';

const run = promisify(execFile);
// A child process that hangs fails its own step (killed, with its output) rather than the whole test.
const STEP_TIMEOUT = 45000;
const root = join(__dirname, '..', '..');
const baseEnv = (extra: Record<string, string>): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  ENV_FILE: 'none',
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  ...extra,
});

async function exitOf(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'dist', 'main.js')], {
      env: baseEnv(env),
      cwd: root,
      timeout: 20000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('Boot and configuration', () => {
  it.each([
    ['JWT_SECRET', { NODE_ENV: 'production', DATABASE_URL: 'postgres://127.0.0.1:1/x' }],
    ['DATABASE_URL', { NODE_ENV: 'production', JWT_SECRET: randomBytes(36).toString('base64') }],
  ])('refuses to start in production without %s, saying why in one JSON line', async (variable, env) => {
    const { code, stdout, stderr } = await exitOf(env);
    expect(code).toBe(1);
    const lines = `${stdout}${stderr}`.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual(expect.objectContaining({ level: 60, msg: expect.stringContaining(`${variable} is required`) }));
  });

  it('refuses an invalid variable with a clear message', async () => {
    const { code, stdout } = await exitOf({ PORT: 'eighty', DATA_DIR: mkdtempSync(join(tmpdir(), 'ums-boot-')) });
    expect(code).toBe(1);
    expect(stdout).toContain('PORT');
  });

  it('creates a superadmin when none is configured, prints the credentials once, and they work', async () => {
    const database = await createDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'ums-boot-'));
    const env = baseEnv({ DATABASE_URL: database.url, DATA_DIR: dataDir, JWT_SECRET: randomBytes(32).toString('hex') });
    try {
      const first = await spawnService(env);
      await stopChild(first.child);
      const printed = first.output().match(/username: (\S+)\s+email:\s+(\S+)\s+password: (\S+)/);
      expect(printed).not.toBeNull();
      const [, username, , password] = printed as RegExpMatchArray;

      const second = await spawnService(env);
      try {
        expect(second.output()).not.toContain('password:');
        const http = new HttpClient(second.url);
        const login = await http.post('/api/v1/auth/login', { username, password });
        expectEnvelope(login, 200);
        expect(login.body.data.user.role).toBe('superadmin');
      } finally {
        await stopChild(second.child);
      }
    } finally {
      await dropDatabase(database.name);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120000);

  // Four processes in turn (the TypeORM CLI, the CLI twice, the service): some 9 s alone, but on a loaded
  // CI machine beside the other suites it has gone past the default 60 s.
  it('runs migrations with `npm run migration:run`, starts with MIGRATIONS_RUN=false, and creates a superadmin from the CLI', async () => {
    const database = await createDatabase();
    const env = baseEnv({ DATABASE_URL: database.url, DATA_DIR: mkdtempSync(join(tmpdir(), 'ums-boot-')) });
    try {
      // The TypeORM CLI with ormconfig (the same DataSource code as the app), on the built files.
      await run(
        process.execPath,
        [join(root, 'node_modules', 'typeorm', 'cli.js'), 'migration:run', '-d', join(root, 'dist', 'ormconfig.js')],
        { env, cwd: root, timeout: STEP_TIMEOUT },
      );
      const applied = await withClient(database.url, (client) => client.query('SELECT count(*)::int AS n FROM migrations'));
      expect(applied.rows[0].n).toBeGreaterThan(0);

      const cli = await run(
        process.execPath,
        [
          join(root, 'dist', 'src', 'cli.js'),
          'create-superadmin',
          '--username',
          'clisuper01',
          '--email',
          'cli@example.com',
          '--password',
          'cli-password-1',
        ],
        { env, cwd: root, timeout: STEP_TIMEOUT },
      );
      expect(cli.stdout).toContain('superadmin clisuper01');
      await expect(
        run(
          process.execPath,
          [
            join(root, 'dist', 'src', 'cli.js'),
            'create-superadmin',
            '--username',
            'clisuper01',
            '--email',
            'other@example.com',
            '--password',
            'cli-password-1',
          ],
          { env, cwd: root, timeout: STEP_TIMEOUT },
        ),
      ).rejects.toMatchObject({ code: 1 });

      const service = await spawnService({
        ...env,
        MIGRATIONS_RUN: 'false',
        JWT_SECRET: randomBytes(32).toString('hex'),
        SUPERADMIN_USERNAME: 'clisuper01',
        SUPERADMIN_EMAIL: 'cli@example.com',
        SUPERADMIN_PASSWORD: 'cli-password-1',
      });
      try {
        const http = new HttpClient(service.url);
        expect((await http.get('/health/ready')).status).toBe(200);
        expectEnvelope(await http.post('/api/v1/auth/login', { username: 'clisuper01', password: 'cli-password-1' }), 200);
      } finally {
        await stopChild(service.child);
      }
    } finally {
      await dropDatabase(database.name);
    }
  }, 180000);

  it('without DATABASE_URL starts an embedded PostgreSQL, serves the API, and stops it on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(root, '.data', 'boot-embedded-'));
    const pgPort = await freePort();
    try {
      const service = await spawnService(baseEnv({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) }));
      expect(await portOpen(pgPort)).toBe(true);
      const http = new HttpClient(service.url);
      const username = `embed${randomBytes(4).toString('hex')}`;
      expectEnvelope(await http.post('/api/v1/auth/register', { username, email: `${username}@example.com`, password: 'pa55word!' }), 201);
      expectEnvelope(await http.post('/api/v1/auth/login', { username, password: 'pa55word!' }), 200);
      expect(await stopChild(service.child)).toBe(0);
      expect(await portOpen(pgPort)).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  it('`npm start` on a current build starts without building, says so, and signalling npm stops the service and its embedded PostgreSQL', async () => {
    const dataDir = mkdtempSync(join(root, '.data', 'boot-npm-start-'));
    const [port, pgPort] = [await freePort(), await freePort()];
    const npm = spawn('npm', ['start'], {
      cwd: root,
      env: {
        ...baseEnv({ DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), PORT: String(port), LOG_LEVEL: 'info' }),
        SHUTDOWN_DRAIN_SECONDS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200,
        60000,
        `npm start to be ready:\n${output}`,
      );
      expect(output).toContain('the build in dist/ is current: starting');
      expect(output).not.toContain('building (');
      expect(output).toContain('initialising the embedded PostgreSQL');
      expect(output).toMatch(/embedded PostgreSQL initialised in \d+\.\d s/);
      expect(await portOpen(pgPort)).toBe(true);

      const exited = new Promise((resolve) => npm.once('exit', resolve));
      npm.kill('SIGTERM');
      await exited;
      await waitFor(async () => !(await portOpen(port)) && !(await portOpen(pgPort)), 20000, 'the service and its PostgreSQL to stop');
      await waitFor(async () => output.includes('"msg":"stopped"'), 5000, 'the service to say it stopped');
    } finally {
      npm.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
