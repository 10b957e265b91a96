import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createUserWithRole, signInSuperadmin, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

const dir = process.env.SOURCE_EXPORTS_DIR ?? join(__dirname, '../fixtures/sources/generated');
const koa = JSON.parse(readFileSync(join(dir, '003-users.json'), 'utf8')) as Record<string, unknown>[];

/** GET /api/v1/exports/users: what moved in, streamed as CSV or JSON lines, with GET /users's filters. */
describe('GET /api/v1/exports/users', () => {
  let service: RunningService;
  let superadmin: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    service = await startService();
    superadmin = await signInSuperadmin(service.http);
    admin = await createUserWithRole(service.http, 'admin', superadmin.token);
    expectEnvelope(await service.http.post('/api/v1/imports?source=003', koa, { token: superadmin.token }), 200);
  }, 180000);
  afterAll(async () => {
    await service?.dispose();
  });

  it('streams JSON lines of the users a superadmin sees, never a hash; deleted ones only with deleted=all', async () => {
    const response = await service.http.get('/api/v1/exports/users?format=jsonl', { token: superadmin.token });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const users = response.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const names = users.map((u) => u.username);
    expect(names).toEqual(expect.arrayContaining(['koauser001', 'koauser002', admin.username, superadmin.username]));
    expect(names).not.toContain('koauser003');
    expect(users.find((u) => u.username === 'koauser001')).toEqual(
      expect.objectContaining({
        id: koa[0].id,
        email: 'koa1@example.com',
        phone_number: '+8613700001111',
        created_at: '2021-01-02T03:04:05.000Z',
      }),
    );
    expect(response.text).not.toMatch(/password|\$2[aby]\$|\$argon2/);
    const all = await service.http.get('/api/v1/exports/users?format=jsonl&deleted=all', { token: superadmin.token });
    expect(all.text).toContain('"koauser003"');
  });

  it('streams CSV with a header line, and applies the filters of GET /users', async () => {
    const response = await service.http.get('/api/v1/exports/users?format=csv&username_container=koauser', { token: superadmin.token });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...rows] = response.text.trim().split('\r\n');
    expect(header.split(',').slice(0, 6)).toEqual(['id', 'username', 'email', 'phone_number', 'role', 'state']);
    expect(rows.map((row) => row.split(',')[1]).sort()).toEqual(['koauser001', 'koauser002']);
    expect(rows.find((row) => row.includes('koauser002'))?.split(',')[5]).toBe('0');
    const admins = await service.http.get('/api/v1/exports/users?format=csv&role=admin', { token: superadmin.token });
    expect(admins.text.trim().split('\r\n')).toHaveLength(2);
  });

  it('keeps a cell that a spreadsheet would run as a formula as text (leading quote), phone numbers as they are', async () => {
    const sneaky = await createUserWithRole(service.http, 'user', superadmin.token);
    expectEnvelope(
      await service.http.patch(
        `/api/v1/users/${sneaky.id}`,
        { profile: { name: '=HYPERLINK("http://evil.example")' } },
        { token: superadmin.token },
      ),
      200,
    );
    const response = await service.http.get(`/api/v1/exports/users?format=csv&username=${sneaky.username}`, { token: superadmin.token });
    expect(response.text).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    const koaRows = await service.http.get('/api/v1/exports/users?format=csv&username=koauser001', { token: superadmin.token });
    expect(koaRows.text).toContain(',+8613700001111,');
  });

  it('is for superadmins only, and validates format and filters', async () => {
    expectEnvelope(await service.http.get('/api/v1/exports/users?format=csv', { token: admin.token }), 403, 40301);
    expectEnvelope(await service.http.get('/api/v1/exports/users?format=csv'), 401, 40101);
    expectEnvelope(await service.http.get('/api/v1/exports/users?format=xml', { token: superadmin.token }), 400, 40001);
    expectEnvelope(await service.http.get('/api/v1/exports/users', { token: superadmin.token }), 400, 40001);
    expectEnvelope(await service.http.get('/api/v1/exports/users?format=csv&role=king', { token: superadmin.token }), 400, 40001);
    expectEnvelope(await service.http.get('/api/v1/exports/users?format=csv&page=2', { token: superadmin.token }), 400, 40001);
  });
});
