import { execFile } from 'node:child_process';
import { pbkdf2Sync } from 'node:crypto';
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

  it('imports a 000 export of several batches (two written at once) whole, with a verifiable audit chain', async () => {
    // 4,500 users (2100 and 4400 rejected, with their logs): three batches of 2,000, so the scratch tables are read back per batch and two batches are in flight.
    const users = 4500;
    const file = join(mkdtempSync(join(tmpdir(), 'import-cli-')), 'batches.json');
    const hash = `pbkdf2_sha256$1000$salt$${pbkdf2Sync('Batch-pass-1', 'salt', 1000, 32, 'sha256').toString('base64')}`;
    const records: unknown[] = [];
    const name = (pk: number): string => (pk === 2100 ? 'cliuser1' : `cliuser${pk}`); // 2100 takes 1's username (another batch)
    const email = (pk: number): string => (pk === 4400 ? 'cliuser100@example.com' : `cliuser${pk}@example.com`); // 4400: 100's email
    for (let pk = 1; pk <= users; pk++)
      records.push({
        model: 'auth.user',
        pk: 100000 + pk,
        fields: {
          password: hash,
          last_login: null,
          is_superuser: false,
          username: name(pk),
          first_name: '',
          last_name: '',
          email: email(pk),
          is_staff: false,
          is_active: true,
          date_joined: '2020-01-01T00:00:00Z',
          groups: [],
          user_permissions: [],
        },
      });
    for (let pk = 1; pk <= users; pk++)
      records.push({
        model: 'users.profile',
        pk: 100000 + pk,
        fields: { user: 100000 + pk, gender: pk % 2, age: 30, name: `张伟${pk}`, phone: '' },
      });
    for (let g = 1; g <= 3; g++) {
      const members: number[] = [];
      for (let pk = g; pk <= users; pk += 3) members.push(100000 + pk);
      records.push({ model: 'users.group', pk: 100 + g, fields: { name: `Batch group ${g}`, location: '', contact_phone: '', members } });
    }
    for (let pk = 10; pk <= users; pk += 10)
      records.push({
        model: 'users.userlog',
        pk: 100000 + pk,
        fields: { user: 100000 + pk, ip: '10.0.0.1', operation: 0, operator: 100000 + pk, operate_time: '2021-01-01T00:00:00Z' },
      });
    for (let pk = 1000; pk <= users; pk += 1000)
      records.push({
        model: 'users.blacklist',
        pk: 100000 + pk,
        fields: { patient: 100000 + pk, join_time: '2021-01-01T00:00:00Z', is_delete: 0, reason: 'cli' },
      });
    writeFileSync(file, JSON.stringify(records));
    // A dry run (which also brings the database's schema up to date) counts what the import then creates, and writes nothing.
    const dry = JSON.parse((await importCli(['--source', '000', '--file', file, '--dry-run'])).stdout);
    expect(dry.created).toEqual({ users: 4498, groups: 3, occupations: 0, memberships: 4498, user_logs: 448, blacklist: 4 });
    expect(dry.rejected.map((r: { source_id: string; field: string }) => [r.source_id, r.field]).sort()).toEqual([
      ['102100', 'username'],
      ['104400', 'email'],
    ]);
    expect(await sql(`SELECT 1 FROM users WHERE id_000 > 100000`)).toHaveLength(0);
    const auditBefore = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_logs`))[0].n;
    const usersBefore = (await sql<{ n: number }>(`SELECT n::int FROM user_counts WHERE NOT deleted`))[0].n;

    const report = JSON.parse((await importCli(['--source', '000', '--file', file])).stdout);
    expect(report.created).toEqual({ users: 4498, groups: 3, occupations: 0, memberships: 4498, user_logs: 448, blacklist: 4 });
    expect(report.rejected.map((r: { source_id: string; field: string }) => [r.source_id, r.field]).sort()).toEqual([
      ['102100', 'username'],
      ['104400', 'email'],
    ]);
    const [counts] = await sql<{ users: number; members: number; logs: number; imported: number; blacklist: number }>(
      `SELECT (SELECT count(*)::int FROM users WHERE id_000 > 100000) AS users,
              (SELECT count(*)::int FROM group_members m JOIN users u ON u.id = m.user_id WHERE u.id_000 > 100000) AS members,
              (SELECT count(*)::int FROM audit_logs WHERE source = '000' AND id_000 > 100000) AS logs,
              (SELECT count(*)::int FROM audit_logs a JOIN users u ON u.id = a.user_id WHERE a.operation = 13 AND u.id_000 > 100000) AS imported,
              (SELECT count(*)::int FROM black_list b JOIN users u ON u.id = b.user_id WHERE u.id_000 > 100000) AS blacklist`,
    );
    expect(counts).toEqual({ users: 4498, members: 4498, logs: 448, imported: 4498, blacklist: 4 });
    // Each user whole: every imported log and blacklist entry belongs to an imported user with its profile's name.
    expect(await sql(`SELECT 1 FROM users WHERE id_000 > 100000 AND name IS NULL`)).toHaveLength(0);
    expect((await sql<{ n: number }>(`SELECT n::int FROM user_counts WHERE NOT deleted`))[0].n).toBe(usersBefore + 4498);
    // The chain as GET /user-logs/verify checks it (the same audit_entry_hash): no gap, every link and hash right.
    const [chain] = await sql<{ bad: number; n: number; head_ok: boolean }>(
      `SELECT count(*) FILTER (WHERE hash <> computed OR prev_hash <> coalesce(previous, repeat('0', 64)) OR seq <> rn)::int AS bad,
              count(*)::int AS n,
              (SELECT h.seq = max(c.seq) AND h.hash = (SELECT hash FROM audit_logs ORDER BY seq DESC LIMIT 1) FROM audit_chain_head h) AS head_ok
         FROM (SELECT seq, hash, prev_hash, row_number() OVER (ORDER BY seq) AS rn, lag(hash) OVER (ORDER BY seq) AS previous,
                      audit_entry_hash(seq, id, user_id, operator_id, operation, ip, user_agent, details, operate_time, prev_hash) AS computed
                 FROM audit_logs) AS c`,
    );
    expect(chain).toEqual({ bad: 0, n: auditBefore + 4498 + 448, head_ok: true });

    const again = JSON.parse((await importCli(['--source', '000', '--file', file])).stdout);
    expect(again.created).toEqual({ users: 0, groups: 0, occupations: 0, memberships: 0, user_logs: 0, blacklist: 0 });
    expect(again.unchanged.users).toBe(4498);
    expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_logs`))[0].n).toBe(auditBefore + 4498 + 448);
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
