import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDatabase, dropDatabase, withClient } from '../support/database';
import { expectEnvelope, HttpClient } from '../support/http';
import { spawnService, stopChild } from '../support/service';

const run = promisify(execFile);
const dir = process.env.SOURCE_EXPORTS_DIR ?? join(__dirname, '../fixtures/sources/generated');
const accounts = JSON.parse(readFileSync(join(dir, 'accounts.json'), 'utf8')) as Record<string, Record<string, string>>;
const cli = join(__dirname, '../../dist/src/cli.js');

/** `npm run import`: the same import core as POST /imports, from the command line, streaming the files. */
describe('npm run import (dist/src/cli.js import)', () => {
  let database: { name: string; url: string };
  const importCli = (args: string[]): Promise<{ stdout: string; stderr: string }> =>
    run(process.execPath, [cli, 'import', ...args], {
      env: { ...process.env, ENV_FILE: 'none', DATABASE_URL: database.url, NODE_ENV: 'test' },
    });
  const sql = <T>(text: string): Promise<T[]> => withClient(database.url, async (client) => (await client.query(text)).rows as T[]);

  beforeAll(async () => {
    database = await createDatabase();
  });
  afterAll(async () => {
    await dropDatabase(database.name);
  });

  it('imports each source from its files, writes the report, and a second run creates nothing', async () => {
    const reportFile = join(mkdtempSync(join(tmpdir(), 'import-cli-')), 'report.json');
    const dry = JSON.parse((await importCli(['--source', '000', '--file', join(dir, '000-dumpdata.json'), '--dry-run'])).stdout);
    expect(dry).toEqual(expect.objectContaining({ source: '000', dry_run: true }));
    expect(dry.created.users).toBe(7);
    expect(await sql(`SELECT 1 FROM users WHERE source IS NOT NULL`)).toHaveLength(0);

    const { stdout } = await importCli(['--source', '000', '--file', join(dir, '000-dumpdata.json'), '--report', reportFile]);
    const report = JSON.parse(stdout);
    expect(JSON.parse(readFileSync(reportFile, 'utf8'))).toEqual(report);
    expect(report.created).toEqual({ users: 7, groups: 1, occupations: 1, memberships: 3, user_logs: 3, blacklist: 1 });
    expect(report.rejected.map((r: { source_id: string }) => r.source_id).sort()).toEqual(['7', '8', '9']);
    expect(stdout).not.toMatch(/pbkdf2_|\$2[aby]\$/);

    const mongo = JSON.parse(
      (await importCli(['--source', '001', '--users', join(dir, '001-users.jsonl'), '--admins', join(dir, '001-admins.jsonl')])).stdout,
    );
    expect(mongo.created.users).toBe(3);
    const koa = JSON.parse((await importCli(['--source', '003', '--file', join(dir, '003-users.json')])).stdout);
    expect(koa.created.users).toBe(3);

    const again = JSON.parse((await importCli(['--source', '000', '--file', join(dir, '000-dumpdata.json')])).stdout);
    expect(again.created.users).toBe(0);
    expect(again.unchanged.users).toBe(7);
    const sources = await sql<{ source: string; n: number }>(
      `SELECT source, count(*)::int AS n FROM users WHERE source IS NOT NULL GROUP BY source ORDER BY source`,
    );
    expect(sources).toEqual([
      { source: '000', n: 7 },
      { source: '001', n: 3 },
      { source: '003', n: 3 },
    ]);
  }, 300000);

  it('refuses a malformed export with a message and exit code 1, writing nothing', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'import-cli-')), 'bad.json');
    writeFileSync(bad, '[{"model": "auth.user", "pk": 1, "fields": {}}, ');
    await expect(importCli(['--source', '000', '--file', bad])).rejects.toEqual(
      expect.objectContaining({ code: 1, stderr: expect.stringContaining('malformed') }),
    );
    await expect(importCli(['--source', '009', '--file', bad])).rejects.toEqual(expect.objectContaining({ code: 1 }));
  }, 120000);

  it('the users imported from the CLI log in with their passwords', async () => {
    const started = await spawnService({ ...serviceEnv(), DATABASE_URL: database.url });
    try {
      const http = new HttpClient(started.url);
      expectEnvelope(await http.post('/api/v1/auth/login', { username: 'patient003', password: accounts['000'].patient003 }), 200);
      expectEnvelope(await http.post('/api/v1/auth/login', { username: 'mongouser01', password: accounts['001'].mongouser01 }), 200);
    } finally {
      await stopChild(started.child);
    }
  }, 120000);
});

/** A service's environment (as startService gives it) on the CLI's database. */
function serviceEnv(): Record<string, string> {
  return {
    NODE_ENV: 'test',
    ENV_FILE: 'none',
    HOST: '127.0.0.1',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'ums-e2e-')),
    JWT_SECRET: 'x'.repeat(64),
    RATE_LIMIT_LOGIN: '100000',
    LOG_LEVEL: 'warn',
  };
}
