import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withClient } from '../support/database';
import { createUserWithRole, login, signInSuperadmin, TestUser } from '../support/factories';
import { expectEnvelope, HttpResponse } from '../support/http';
import { RunningService, startService, SUPERADMIN } from '../support/service';

// SOURCE_EXPORTS_DIR: a fresh run of test/fixtures/sources/make-exports.sh (CI does this); the committed copy otherwise.
const dir = process.env.SOURCE_EXPORTS_DIR ?? join(__dirname, '../fixtures/sources/generated');
const read = (name: string): unknown => JSON.parse(readFileSync(join(dir, name), 'utf8'));
const accounts = read('accounts.json') as Record<'000' | '001' | '003', Record<string, string>>;
const django = read('000-dumpdata.json') as unknown[];
const mongo = read('001-export.json') as { users: unknown[]; admins: unknown[] };
const koa = read('003-users.json') as Record<string, unknown>[];
const counts = (over: Partial<Record<string, number>> = {}): Record<string, number> => ({
  users: 0,
  groups: 0,
  occupations: 0,
  memberships: 0,
  user_logs: 0,
  blacklist: 0,
  ...over,
});
const HASH = /pbkdf2_|bcrypt|\$2[aby]\$|\$argon2|md5\$/;

describe('POST /api/v1/imports: moving in from the three source systems', () => {
  let service: RunningService;
  let superadmin: TestUser;
  let admin: TestUser;
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> =>
    withClient(service.databaseUrl, async (client) => (await client.query(text, params)).rows as T[]);
  const importExport = (source: string, body: unknown, query = ''): Promise<HttpResponse> =>
    service.http.post(`/api/v1/imports?source=${source}${query}`, body, { token: superadmin.token });
  const noHash = (response: HttpResponse): void => expect(response.text).not.toMatch(HASH);

  beforeAll(async () => {
    service = await startService({ IMPORT_BODY_LIMIT: '1048576' });
    superadmin = await signInSuperadmin(service.http);
    admin = await createUserWithRole(service.http, 'admin', superadmin.token);
    // An account registered here before the move, whose username the 000 export also has.
    expectEnvelope(
      await service.http.post('/api/v1/auth/register', {
        username: 'takenname10',
        email: 'native10@example.com',
        password: 'Native-pass-10',
      }),
      201,
    );
  }, 180000);
  afterAll(async () => {
    // No password hash ever reaches the log either.
    if (service) expect(service.output()).not.toMatch(HASH);
    await service?.dispose();
  });

  describe('who may import, and what it takes', () => {
    it('refuses an admin (403), no token (401), a bad source (40001), a body that is not the export (40008), a form (415)', async () => {
      expectEnvelope(await service.http.post('/api/v1/imports?source=003', koa, { token: admin.token }), 403, 40301);
      expectEnvelope(await service.http.post('/api/v1/imports?source=003', koa), 401, 40101);
      expectEnvelope(await importExport('002', koa), 400, 40001);
      expectEnvelope(await importExport('000', { users: [] }), 400, 40008);
      expectEnvelope(await importExport('000', [{ model: 'auth.user' }]), 400, 40008);
      expectEnvelope(await importExport('001', [1, 2]), 400, 40008);
      expectEnvelope(await importExport('003', 'rows'), 400, 40008);
      expectEnvelope(
        await service.http.post('/api/v1/imports?source=003', undefined, {
          token: superadmin.token,
          raw: 'a=1',
          contentType: 'application/x-www-form-urlencoded',
        }),
        415,
        41501,
      );
      expect(await sql(`SELECT 1 FROM users WHERE source IS NOT NULL`)).toHaveLength(0);
    });

    it('takes bodies above BODY_LIMIT up to IMPORT_BODY_LIMIT (413 beyond)', async () => {
      const row = (i: number): Record<string, unknown> => ({
        ...koa[0],
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        username: `bad.name.${i}`,
      });
      const big = Array.from({ length: 700 }, (_, i) => row(i)); // about 200 KiB: every row rejected (username)
      const accepted = await importExport('003', big, '&dry_run=true');
      expectEnvelope(accepted, 200);
      expect(accepted.body.data.rejected).toHaveLength(700);
      const tooBig = Array.from({ length: 4000 }, (_, i) => row(i)); // above 1 MiB
      expectEnvelope(await importExport('003', tooBig), 413, 41301);
    });
  });

  describe('000: the Django export', () => {
    let beforeUsers: number;
    let report: HttpResponse;

    it('a dry run validates everything, reports what it would create, and writes nothing', async () => {
      beforeUsers = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM users`))[0].n;
      const auditBefore = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_logs`))[0].n;
      const dry = await importExport('000', django, '&dry_run=true');
      expectEnvelope(dry, 200);
      noHash(dry);
      expect(dry.body.data).toEqual(
        expect.objectContaining({
          source: '000',
          dry_run: true,
          created: counts({ users: 6, groups: 1, occupations: 1, memberships: 3, user_logs: 3, blacklist: 1 }),
        }),
      );
      expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM users`))[0].n).toBe(beforeUsers);
      expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM audit_logs`))[0].n).toBe(auditBefore);
      expect(await sql(`SELECT 1 FROM groups WHERE name = 'Cardiology'`)).toHaveLength(0);
      expect(await sql(`SELECT 1 FROM occupations WHERE name = 'Beekeeper'`)).toHaveLength(0);
    });

    it('imports the users whole, rejects the rows that break the rules with their reasons', async () => {
      report = await importExport('000', django);
      expectEnvelope(report, 200);
      noHash(report);
      expect(report.body.data).toEqual({
        source: '000',
        dry_run: false,
        created: counts({ users: 6, groups: 1, occupations: 1, memberships: 3, user_logs: 3, blacklist: 1 }),
        unchanged: counts({ occupations: 1 }),
        rejected: expect.any(Array),
      });
      const rejected = report.body.data.rejected as { source_id: string; field: string; reason: string }[];
      expect(rejected).toEqual(
        expect.arrayContaining([
          { source_id: '7', field: 'username', reason: expect.stringContaining('letters and digits') },
          { source_id: '8', field: 'email', reason: expect.stringContaining('blank') },
          { source_id: '9', field: 'password', reason: expect.stringContaining('format') },
          { source_id: '10', field: 'username', reason: 'username already registered' },
        ]),
      );
      expect(rejected).toHaveLength(4);
      expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM users`))[0].n).toBe(beforeUsers + 6);
      // The rejected ones left nothing behind.
      expect(await sql(`SELECT 1 FROM users WHERE source = '000' AND id_000 IN (7, 8, 9, 10)`)).toHaveLength(0);
    });

    it('keeps the Django pks as 000 ids; the superadmin created at start-up moved off id 1; the sequences are above them', async () => {
      const rows = await sql<{ username: string; id_000: string }>(
        `SELECT username, id_000::text FROM users WHERE source = '000' ORDER BY id_000`,
      );
      expect(rows.map((r) => [r.id_000, r.username])).toEqual([
        ['1', 'hospitaladmin'],
        ['2', 'nursestaff'],
        ['3', 'patient003'],
        ['4', 'patient004'],
        ['5', 'patient005'],
        ['6', 'patient006'],
      ]);
      const [root] = await sql<{ id_000: string }>(`SELECT id_000::text FROM users WHERE username = $1`, [SUPERADMIN.username]);
      expect(Number(root.id_000)).toBeGreaterThan(10);
      const [group] = await sql<{ id_000: string; source: string }>(`SELECT id_000::text, source FROM groups WHERE name = 'Cardiology'`);
      expect(group).toEqual({ id_000: '1', source: '000' });
      const logs = await sql<{ id_000: string }>(`SELECT id_000::text FROM audit_logs WHERE source = '000' ORDER BY id_000`);
      expect(logs.map((r) => r.id_000)).toEqual(['1', '2', '3']);
      const [entry] = await sql<{ id_000: string }>(`SELECT id_000::text FROM black_list WHERE source = '000'`);
      expect(entry.id_000).toBe('1');
      const created = await service.http.post('/api/v1/auth/register', {
        username: 'afterimport1',
        email: 'after1@example.com',
        password: 'After-pass-1',
      });
      expectEnvelope(created, 201);
      const [after] = await sql<{ id_000: string }>(`SELECT id_000::text FROM users WHERE id = $1`, [created.body.data.id]);
      expect(Number(after.id_000)).toBeGreaterThan(10);
    });

    it('maps roles, state, profile, occupation, phone and times', async () => {
      const rows = await sql<Record<string, unknown>>(
        `SELECT u.username, u.email, u.role, u.state, u.name, u.name_pinyin, u.phone_number, u.identify_id, u.gender, u.age, u.first_name,
                o.name AS occupation, u.created_at, u.last_login_at
         FROM users u LEFT JOIN occupations o ON o.id = u.occupation_id WHERE u.source = '000' ORDER BY u.id_000`,
      );
      const by = Object.fromEntries(rows.map((row) => [row.username, row]));
      expect(by.hospitaladmin).toEqual(expect.objectContaining({ role: 'superadmin', state: 1, email: 'admin@hospital.example' }));
      expect((by.hospitaladmin.created_at as Date).toISOString()).toBe('2019-03-04T08:30:00.000Z');
      expect((by.hospitaladmin.last_login_at as Date).toISOString()).toBe('2024-05-06T07:08:09.000Z');
      expect(by.nursestaff).toEqual(expect.objectContaining({ role: 'admin', phone_number: '+8613911112222', name: 'Nurse Wang' }));
      expect(by.patient003).toEqual(
        expect.objectContaining({
          role: 'user',
          name: '张三',
          name_pinyin: 'zhang san',
          phone_number: null,
          identify_id: '11010519491231002X',
          gender: 1,
          age: 40,
          first_name: 'San',
          occupation: 'Doctor',
        }),
      );
      expect(by.patient004).toEqual(expect.objectContaining({ state: 0, occupation: 'Beekeeper', identify_id: null }));
      // Doctor existed here already: reused, not duplicated.
      expect(await sql(`SELECT 1 FROM occupations WHERE lower(name) = 'doctor'`)).toHaveLength(1);
    });

    it('every imported user logs in with the original password, on the canonical API and on /api/auth/; the hash becomes argon2id', async () => {
      for (const username of ['hospitaladmin', 'nursestaff', 'patient003']) {
        const password = accounts['000'][username];
        const [before] = await sql<{ password_hash: string }>(`SELECT password_hash FROM users WHERE username = $1`, [username]);
        expect(before.password_hash).not.toMatch(/^\$argon2id\$/);
        const canonical = await service.http.post('/api/v1/auth/login', { username, password });
        expectEnvelope(canonical, 200);
        noHash(canonical);
        expect(canonical.body.data.user.role).toBe(
          username === 'hospitaladmin' ? 'superadmin' : username === 'nursestaff' ? 'admin' : 'user',
        );
        const [after] = await sql<{ password_hash: string }>(`SELECT password_hash FROM users WHERE username = $1`, [username]);
        expect(after.password_hash).toMatch(/^\$argon2id\$/);
        const legacy = await service.http.post('/api/auth/', { username, password });
        expect(legacy.status).toBe(200);
        expect(legacy.body.token).toEqual(expect.any(String));
        expectEnvelope(await service.http.post('/api/v1/auth/login', { username, password: `${password}x` }), 401, 40102);
      }
    });

    it('an inactive user answers 40302 and a blacklisted one 40303, both only after the right password; an unusable password never logs in', async () => {
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: 'patient004', password: 'wrong-pass' }), 401, 40102);
      expectEnvelope(
        await service.http.post('/api/v1/auth/login', { username: 'patient004', password: accounts['000'].patient004 }),
        403,
        40302,
      );
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: 'patient006', password: 'wrong-pass' }), 401, 40102);
      expectEnvelope(
        await service.http.post('/api/v1/auth/login', { username: 'patient006', password: accounts['000'].patient006 }),
        403,
        40303,
      );
      for (const password of ['', '!', 'patient005', 'Patient005'])
        expect((await service.http.post('/api/v1/auth/login', { username: 'patient005', password })).status).not.toBe(200);
      const [hash] = await sql<{ password_hash: string }>(`SELECT password_hash FROM users WHERE username = 'patient005'`);
      expect(hash.password_hash.startsWith('!')).toBe(true);
    });

    it('memberships, the blacklist entry and the user logs come over, the logs with their own times; the chain verifies', async () => {
      const patient = await login(service.http, { username: 'patient003' }, accounts['000'].patient003);
      const id = patient.body.data.user.id as string;
      const groups = await service.http.get(`/api/v1/users/${id}/groups`, { token: superadmin.token });
      expectEnvelope(groups, 200);
      expect(groups.body.data.data.map((g: { name: string }) => g.name)).toEqual(['Cardiology']);
      const logs = await service.http.get(`/api/v1/user-logs?user=${id}&limit=100`, { token: superadmin.token });
      expectEnvelope(logs, 200);
      const items = logs.body.data.data as { operation: number; operate_time: string; operation_name: string }[];
      expect(items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ operation: 0, operate_time: '2020-01-01T09:00:00.000Z' }),
          expect.objectContaining({ operation: 1, operate_time: '2020-01-01T10:00:00.000Z' }),
          expect.objectContaining({ operation: 13, operation_name: 'imported' }),
        ]),
      );
      const [entry] = await sql<{ reason: string; is_delete: number; username: string }>(
        `SELECT b.reason, b.is_delete, u.username FROM black_list b JOIN users u ON u.id = b.user_id WHERE b.source = '000'`,
      );
      expect(entry).toEqual({ reason: 'Violent behaviour', is_delete: 0, username: 'patient006' });
      const imported = await sql<{ details: Record<string, unknown> }>(
        `SELECT details FROM audit_logs WHERE operation = 13 AND details->>'source' = '000' ORDER BY (details->>'source_id')::int`,
      );
      expect(imported.map((r) => r.details)).toEqual(
        ['1', '2', '3', '4', '5', '6'].map((sourceId) => ({ source: '000', source_id: sourceId })),
      );
      const verify = await service.http.get('/api/v1/user-logs/verify', { token: superadmin.token });
      expectEnvelope(verify, 200);
      expect(verify.body.data).toEqual(expect.objectContaining({ valid: true, first_broken: null }));
    });

    it('importing the same export again creates nothing and reports it unchanged', async () => {
      const usersBefore = (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM users`))[0].n;
      const again = await importExport('000', django);
      expectEnvelope(again, 200);
      expect(again.body.data.created).toEqual(counts());
      expect(again.body.data.unchanged).toEqual(
        counts({ users: 6, groups: 1, occupations: 2, memberships: 3, user_logs: 3, blacklist: 1 }),
      );
      expect((await sql<{ n: number }>(`SELECT count(*)::int AS n FROM users`))[0].n).toBe(usersBefore);
      expect(await sql(`SELECT 1 FROM audit_logs WHERE source = '000'`)).toHaveLength(3);
    });
  });

  describe('001: the MongoDB export', () => {
    it('imports users and admins with their ObjectIds, lower-cased emails and tel; they log in on /api/login/ and the canonical API', async () => {
      const report = await importExport('001', mongo);
      expectEnvelope(report, 200);
      noHash(report);
      expect(report.body.data.created).toEqual(counts({ users: 3 }));
      expect(report.body.data.rejected).toEqual([{ source_id: '5f1d7c2e9b1e8a3d4c2b1a03', field: 'username', reason: expect.any(String) }]);
      const rows = await sql<{ username: string; email: string; role: string; phone_number: string | null; id_001: string }>(
        `SELECT username, email, role, phone_number, id_001 FROM users WHERE source = '001' ORDER BY username`,
      );
      expect(rows).toEqual([
        {
          username: 'mongoadmin01',
          email: 'mongoadmin01@example.com',
          role: 'admin',
          phone_number: null,
          id_001: '5f1d7c2e9b1e8a3d4c2b1b01',
        },
        {
          username: 'mongouser01',
          email: 'mongo01@example.com',
          role: 'user',
          phone_number: '13911112222',
          id_001: '5f1d7c2e9b1e8a3d4c2b1a01',
        },
        { username: 'mongouser02', email: 'mongo02@example.com', role: 'user', phone_number: null, id_001: '5f1d7c2e9b1e8a3d4c2b1a02' },
      ]);
      const legacy = await service.http.post('/api/login/', {
        is_admim: 0,
        email: 'mongo01@example.com',
        password: accounts['001'].mongouser01,
      });
      expect(legacy.status).toBe(200);
      expect(legacy.body.Authorization).toMatch(/^Bearer /);
      const asAdmin = await service.http.post('/api/login/', {
        is_admim: 1,
        email: 'mongoadmin01@example.com',
        password: accounts['001'].mongoadmin01,
      });
      expect(asAdmin.status).toBe(200);
      expectEnvelope(
        await service.http.post('/api/v1/auth/login', { username: 'mongouser02', password: accounts['001'].mongouser02 }),
        200,
      );
      const [hash] = await sql<{ password_hash: string }>(`SELECT password_hash FROM users WHERE username = 'mongouser02'`);
      expect(hash.password_hash).toMatch(/^\$argon2id\$/);
      const again = await importExport('001', mongo);
      expect(again.body.data.created).toEqual(counts());
      expect(again.body.data.unchanged).toEqual(counts({ users: 3 }));
    });
  });

  describe('003: the Sequelize export', () => {
    it('keeps the UUIDs and the state, brings deleted rows in soft-deleted, and the users log in on /api/v1/user/login', async () => {
      const dry = await importExport('003', koa, '&dry_run=true');
      expect(dry.body.data.created).toEqual(counts({ users: 3 }));
      const report = await importExport('003', koa);
      expectEnvelope(report, 200);
      noHash(report);
      expect(report.body.data.created).toEqual(counts({ users: 3 }));
      expect(report.body.data.rejected).toEqual([{ source_id: koa[3].id, field: 'email', reason: expect.stringContaining('blank') }]);
      const rows = await sql<{ id: string; state: number; deleted: boolean; phone_number: string | null }>(
        `SELECT id, state, deleted_at IS NOT NULL AS deleted, phone_number FROM users WHERE source = '003' ORDER BY username`,
      );
      expect(rows).toEqual([
        { id: koa[0].id, state: 1, deleted: false, phone_number: '+8613700001111' },
        { id: koa[1].id, state: 0, deleted: false, phone_number: null },
        { id: koa[2].id, state: 1, deleted: true, phone_number: null },
      ]);
      const ok = await service.http.post('/api/v1/user/login', { username: 'koauser001', password: accounts['003'].koauser001 });
      expectEnvelope(ok, 200);
      expect(ok.body.data.id).toBe(koa[0].id);
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: 'koauser001', password: accounts['003'].koauser001 }), 200);
      expectEnvelope(
        await service.http.post('/api/v1/user/login', { username: 'koauser002', password: accounts['003'].koauser002 }),
        403,
        40302,
      );
      expectEnvelope(
        await service.http.post('/api/v1/auth/login', { username: 'koauser003', password: accounts['003'].koauser003 }),
        401,
        40102,
      );
      const again = await importExport('003', koa);
      expect(again.body.data.created).toEqual(counts());
      expect(again.body.data.unchanged).toEqual(counts({ users: 3 }));
    });
  });
});
