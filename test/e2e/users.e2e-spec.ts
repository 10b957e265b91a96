import { randomUUID } from 'node:crypto';
import { withClient } from '../support/database';
import { createUserWithRole, newAccount, registerUser, signInRoles, TestUser, uniqueUsername } from '../support/factories';
import { expectEnvelope, HttpResponse } from '../support/http';
import { RunningService, startService } from '../support/service';

const TIME_FIELDS = ['created_at', 'updated_at', 'last_login_at', 'deleted_at'];

describe('Users', () => {
  let service: RunningService;
  let superadmin: TestUser;
  let admin: TestUser;
  let user: TestUser;
  const seen: HttpResponse[] = [];

  beforeAll(async () => {
    service = await startService();
    ({ superadmin, admin, user } = await signInRoles(service.http));
  });
  afterAll(() => service?.dispose());

  const track = <T extends HttpResponse>(response: T): T => {
    seen.push(response);
    return response;
  };
  const get = (path: string, token?: string) => service.http.get(path, { token }).then(track);

  describe('GET /users', () => {
    let tagged: TestUser[];
    const tag = uniqueUsername('zz').slice(0, 8);

    beforeAll(async () => {
      tagged = await Promise.all([
        registerUser(service.http, { username: `${tag}Alpha1`, profile: { name: '张三丰' } }),
        registerUser(service.http, { username: `${tag}beta22`, profile: { name: 'John Smith' } }),
        registerUser(service.http, { username: `${tag}GAMMA3`, profile: { name: '欧阳娜娜' } }),
      ]);
    });

    it('lists users for admin+ with the count/total meaning of API.md', async () => {
      const all = await get('/api/v1/users?limit=100', superadmin.token);
      expectEnvelope(all, 200);
      expect(all.body.data).toEqual(expect.objectContaining({ page: 1, limit: 100, count: expect.any(Number), total: expect.any(Number) }));
      expect(all.body.data.count).toBe(all.body.data.total);

      const filtered = await get(`/api/v1/users?username_container=${tag}&limit=2`, admin.token);
      expectEnvelope(filtered, 200);
      expect(filtered.body.data.count).toBe(3);
      expect(filtered.body.data.total).toBe(all.body.data.total);
      expect(filtered.body.data.data).toHaveLength(2);
      const page2 = await get(`/api/v1/users?username_container=${tag}&limit=2&page=2`, admin.token);
      expect(page2.body.data.data).toHaveLength(1);
      expect(page2.body.data.page).toBe(2);
    });

    it.each(['username_container', 'username__container', 'username_contains'])('filters by %s, case-insensitively', async (parameter) => {
      const response = await get(`/api/v1/users?${parameter}=${tag.toUpperCase()}beta`, admin.token);
      expect(response.body.data.data.map((row: { username: string }) => row.username)).toEqual([`${tag}beta22`]);
    });

    it('filters by exact username, case-insensitively', async () => {
      const response = await get(`/api/v1/users?username=${tag}alpha1`, admin.token);
      expect(response.body.data.count).toBe(1);
      expect(response.body.data.data[0].id).toBe(tagged[0].id);
      expect((await get(`/api/v1/users?username=${tag}alph`, admin.token)).body.data.count).toBe(0);
    });

    it.each([
      ['张三', 0],
      ['zhangsan', 0],
      ['zhang san', 0],
      ['sanfeng', 0],
      ['zsf', 0],
      ['smith', 1],
      ['john smith', 1],
      ['ouyang', 2],
      ['娜娜', 2],
      // One or two characters: served by the short-substring index, same answers.
      ['丰', 0],
      ['zs', 0],
      ['娜', 2],
      ['Oy', 2],
    ])('finds names fuzzily, pinyin included: %s', async (query, index) => {
      const response = await get(`/api/v1/users?username_container=${tag}&name=${encodeURIComponent(query)}`, admin.token);
      expect(response.body.data.data.map((row: { id: string }) => row.id)).toEqual([tagged[index].id]);
    });

    it('pages a name search in created_at order, by page and by cursor, in both directions', async () => {
      const family = `${tag}家族`;
      const members: TestUser[] = [];
      for (const suffix of ['甲', '乙', '丙']) members.push(await registerUser(service.http, { profile: { name: `${family}${suffix}` } }));
      const ids = members.map((member) => member.id);
      for (const [sort, expected] of [
        ['created_at', ids],
        ['-created_at', [...ids].reverse()],
      ] as const) {
        const name = encodeURIComponent(family);
        const page1 = await get(`/api/v1/users?name=${name}&limit=2&sort=${sort}`, admin.token);
        const page2 = await get(`/api/v1/users?name=${name}&limit=2&page=2&sort=${sort}`, admin.token);
        expect(page1.body.data.count).toBe(3);
        const byPage = [...page1.body.data.data, ...page2.body.data.data].map((row: { id: string }) => row.id);
        expect(byPage).toEqual(expected);
        const next = await get(`/api/v1/users?name=${name}&limit=2&sort=${sort}&cursor=${page1.body.data.next_cursor}`, admin.token);
        expect(next.body.data.data.map((row: { id: string }) => row.id)).toEqual(expected.slice(2));
      }
    });

    it('pages by cursor (keyset) through the same rows as by page, in both directions', async () => {
      for (const sort of ['created_at', '-created_at']) {
        const byPage: string[] = [];
        for (let page = 1; page <= 3; page += 1) {
          const response = await get(`/api/v1/users?limit=2&page=${page}&sort=${sort}`, admin.token);
          byPage.push(...response.body.data.data.map((row: { id: string }) => row.id));
        }
        const byCursor: string[] = [];
        let cursor: string | null = null;
        for (let step = 0; step < 3; step += 1) {
          const response: HttpResponse = await get(`/api/v1/users?limit=2&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`, admin.token);
          expectEnvelope(response, 200);
          byCursor.push(...response.body.data.data.map((row: { id: string }) => row.id));
          cursor = response.body.data.next_cursor;
          expect(response.body.data.count).toBe(response.body.data.total);
        }
        expect(byCursor).toEqual(byPage);
      }
    });

    it('ends with next_cursor null, and refuses a bad cursor, a cursor with page or with another sort (40001)', async () => {
      const all = await get(`/api/v1/users?username_container=${tag}&limit=100`, admin.token);
      expect(all.body.data.next_cursor).toBeNull();
      const first = await get('/api/v1/users?limit=1', admin.token);
      expect(first.body.data.next_cursor).toBe(first.body.data.data[0].id);
      const cursor = first.body.data.next_cursor;
      expectEnvelope(await get(`/api/v1/users?cursor=${randomUUID()}`, admin.token), 400, 40001);
      expectEnvelope(await get(`/api/v1/users?cursor=${cursor}&page=2`, admin.token), 400, 40001);
      expectEnvelope(await get(`/api/v1/users?cursor=${cursor}&sort=username`, admin.token), 400, 40001);
      expectEnvelope(await get('/api/v1/users?cursor=abc', admin.token), 400, 40001);
    });

    it('treats LIKE wildcards in filters as text', async () => {
      expect((await get('/api/v1/users?username_container=%25', admin.token)).body.data.count).toBe(0);
      expect((await get('/api/v1/users?name=_', admin.token)).body.data.count).toBe(0);
    });

    it('filters by email, role and state', async () => {
      expect((await get(`/api/v1/users?email=${tagged[1].email.toUpperCase()}`, admin.token)).body.data.data[0].id).toBe(tagged[1].id);
      const admins = await get('/api/v1/users?role=admin&limit=100', admin.token);
      expect(admins.body.data.data.every((row: { role: string }) => row.role === 'admin')).toBe(true);
      expect(admins.body.data.data.map((row: { id: string }) => row.id)).toContain(admin.id);
      const active = await get(`/api/v1/users?state=1&username_container=${tag}`, admin.token);
      expect(active.body.data.count).toBe(3);
    });

    it('sorts from an allowlist, descending with a leading -', async () => {
      const ascending = await get(`/api/v1/users?username_container=${tag}&sort=username`, admin.token);
      const descending = await get(`/api/v1/users?username_container=${tag}&sort=-username`, admin.token);
      const names = (response: HttpResponse) => response.body.data.data.map((row: { username: string }) => row.username);
      expect(names(descending)).toEqual([...names(ascending)].reverse());
      expectEnvelope(await get('/api/v1/users?sort=password_hash', admin.token), 400, 40001);
      expectEnvelope(await get('/api/v1/users?sort=username;drop', admin.token), 400, 40001);
    });

    it.each([
      ['limit over 100', 'limit=101'],
      ['limit 0', 'limit=0'],
      ['page 0', 'page=0'],
      ['a non-numeric page', 'page=abc'],
      ['an unknown role', 'role=king'],
      ['an unknown parameter', 'foo=bar'],
      ['a bad occupation id', 'occupation=x'],
    ])('refuses %s with 40001', async (_name, query) => {
      expectEnvelope(await get(`/api/v1/users?${query}`, admin.token), 400, 40001);
    });

    it('shows admins other users without time fields, superadmins with them', async () => {
      const asAdmin = await get(`/api/v1/users?username=${tagged[0].username}`, admin.token);
      for (const field of TIME_FIELDS) expect(asAdmin.body.data.data[0]).not.toHaveProperty(field);
      expect(asAdmin.body.data.data[0]).toEqual(
        expect.objectContaining({ email: tagged[0].email, role: 'user', profile: expect.any(Object) }),
      );
      const asSuperadmin = await get(`/api/v1/users?username=${tagged[0].username}`, superadmin.token);
      for (const field of TIME_FIELDS) expect(asSuperadmin.body.data.data[0]).toHaveProperty(field);
    });

    it('refuses users (40301) and anonymous callers (40101)', async () => {
      expectEnvelope(await get('/api/v1/users', user.token), 403, 40301);
      expectEnvelope(await get('/api/v1/users'), 401, 40101);
    });

    it('lists deleted users only for superadmins', async () => {
      const victim = await registerUser(service.http, { username: `${tag}del1` });
      await service.http.delete(`/api/v1/users/${victim.id}`, { token: superadmin.token });
      const deleted = await get(`/api/v1/users?deleted=true&username_container=${tag}`, superadmin.token);
      expect(deleted.body.data.data.map((row: { id: string }) => row.id)).toEqual([victim.id]);
      expect(deleted.body.data.data[0].deleted_at).toEqual(expect.any(String));
      const active = await get(`/api/v1/users?username_container=${tag}`, superadmin.token);
      expect(active.body.data.data.map((row: { id: string }) => row.id)).not.toContain(victim.id);
      const both = await get(`/api/v1/users?deleted=all&username_container=${tag}`, superadmin.token);
      expect(both.body.data.count).toBe(4);
      expectEnvelope(await get('/api/v1/users?deleted=true', admin.token), 403, 40301);
    });
  });

  describe('POST /users', () => {
    it('lets an admin create a user (201)', async () => {
      const account = newAccount({ profile: { name: '王五' } });
      const response = await service.http.post('/api/v1/users', account, { token: admin.token }).then(track);
      expectEnvelope(response, 201);
      expect(response.body.data).toEqual(expect.objectContaining({ username: account.username, role: 'user', state: 1 }));
    });

    it('lets only a superadmin create an admin', async () => {
      expectEnvelope(await service.http.post('/api/v1/users', { ...newAccount(), role: 'admin' }, { token: admin.token }), 403, 40301);
      const created = await service.http.post('/api/v1/users', { ...newAccount(), role: 'admin' }, { token: superadmin.token }).then(track);
      expectEnvelope(created, 201);
      expect(created.body.data.role).toBe('admin');
    });

    it('creates a disabled account on request', async () => {
      const created = await service.http.post('/api/v1/users', { ...newAccount(), state: 0 }, { token: admin.token });
      expect(created.body.data.state).toBe(0);
    });

    it('refuses duplicates (40901, 40902), bad input (40001), users (40301) and anonymous callers (40101)', async () => {
      expectEnvelope(await service.http.post('/api/v1/users', newAccount({ username: user.username }), { token: admin.token }), 409, 40901);
      expectEnvelope(await service.http.post('/api/v1/users', newAccount({ email: user.email }), { token: admin.token }), 409, 40902);
      expectEnvelope(await service.http.post('/api/v1/users', { ...newAccount(), role: 'god' }, { token: superadmin.token }), 400, 40001);
      expectEnvelope(await service.http.post('/api/v1/users', newAccount(), { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.post('/api/v1/users', newAccount()), 401, 40101);
    });
  });

  describe('GET /users/:id', () => {
    it('shows the user themself everything', async () => {
      const response = await get(`/api/v1/users/${user.id}`, user.token);
      expectEnvelope(response, 200);
      for (const field of TIME_FIELDS) expect(response.body.data).toHaveProperty(field);
    });

    it('shows an admin the user without time fields, a superadmin with them', async () => {
      const asAdmin = await get(`/api/v1/users/${user.id}`, admin.token);
      expectEnvelope(asAdmin, 200);
      for (const field of TIME_FIELDS) expect(asAdmin.body.data).not.toHaveProperty(field);
      const asSuperadmin = await get(`/api/v1/users/${user.id}`, superadmin.token);
      for (const field of TIME_FIELDS) expect(asSuperadmin.body.data).toHaveProperty(field);
    });

    it("refuses another user's record to a user (40301)", async () => {
      expectEnvelope(await get(`/api/v1/users/${admin.id}`, user.token), 403, 40301);
      expectEnvelope(await get(`/api/v1/users/${randomUUID()}`, user.token), 403, 40301);
    });

    it('answers 40401 for an unknown id, 40001 for a malformed one, 40101 without a token', async () => {
      expectEnvelope(await get(`/api/v1/users/${randomUUID()}`, admin.token), 404, 40401);
      expectEnvelope(await get('/api/v1/users/123', admin.token), 400, 40001);
      expectEnvelope(await get(`/api/v1/users/${user.id}`), 401, 40101);
    });

    it('shows deleted users to superadmins only', async () => {
      const victim = await registerUser(service.http);
      await service.http.delete(`/api/v1/users/${victim.id}`, { token: superadmin.token });
      expectEnvelope(await get(`/api/v1/users/${victim.id}`, admin.token), 404, 40401);
      const shown = await get(`/api/v1/users/${victim.id}`, superadmin.token);
      expectEnvelope(shown, 200);
      expect(shown.body.data.deleted_at).toEqual(expect.any(String));
    });
  });

  describe('PATCH /users/:id', () => {
    it('lets the user change their own account and profile', async () => {
      const self = await registerUser(service.http);
      const response = await service.http
        .patch(`/api/v1/users/${self.id}`, { profile: { name: '赵六', age: 40 } }, { token: self.token })
        .then(track);
      expectEnvelope(response, 200);
      expect(response.body.data.profile).toEqual(expect.objectContaining({ name: '赵六', name_pinyin: 'zhao liu', age: 40 }));
    });

    it('refuses the user their own role and state (40301)', async () => {
      const self = await registerUser(service.http);
      expectEnvelope(await service.http.patch(`/api/v1/users/${self.id}`, { role: 'admin' }, { token: self.token }), 403, 40301);
      expectEnvelope(await service.http.patch(`/api/v1/users/${self.id}`, { state: 0 }, { token: self.token }), 403, 40301);
      expect((await get(`/api/v1/users/${self.id}`, self.token)).body.data.role).toBe('user');
    });

    it('refuses a user another user (40301)', async () => {
      const other = await registerUser(service.http);
      expectEnvelope(await service.http.patch(`/api/v1/users/${other.id}`, { profile: { name: 'x' } }, { token: user.token }), 403, 40301);
    });

    it('lets an admin update and disable a user, ending their sessions', async () => {
      const target = await registerUser(service.http);
      const response = await service.http.patch(
        `/api/v1/users/${target.id}`,
        { state: 0, profile: { address: 'Somewhere 1' } },
        { token: admin.token },
      );
      expectEnvelope(response, 200);
      expect(response.body.data.state).toBe(0);
      expectEnvelope(await get('/api/v1/auth/me', target.token), 401, 40101);
      const operations = await withClient(service.databaseUrl, async (client) => {
        const { rows } = await client.query('SELECT operation, operator_id FROM audit_logs WHERE user_id = $1 ORDER BY seq', [target.id]);
        return rows;
      });
      expect(operations.map((row: { operation: number }) => row.operation)).toEqual([3, 0, 5, 9]);
      expect(operations[3].operator_id).toBe(admin.id);
    });

    it("refuses an admin another admin's record and any role change (40301)", async () => {
      const otherAdmin = await createUserWithRole(service.http, 'admin', superadmin.token);
      expectEnvelope(await service.http.patch(`/api/v1/users/${otherAdmin.id}`, { state: 0 }, { token: admin.token }), 403, 40301);
      expectEnvelope(
        await service.http.patch(`/api/v1/users/${superadmin.id}`, { profile: { name: 'x' } }, { token: admin.token }),
        403,
        40301,
      );
      const target = await registerUser(service.http);
      expectEnvelope(await service.http.patch(`/api/v1/users/${target.id}`, { role: 'admin' }, { token: admin.token }), 403, 40301);
    });

    it('audits a staff password reset as a password change', async () => {
      const target = await registerUser(service.http);
      expectEnvelope(await service.http.patch(`/api/v1/users/${target.id}`, { password: 'reset-by-staff' }, { token: admin.token }), 200);
      const { rows } = await withClient(service.databaseUrl, (client) =>
        client.query('SELECT operation, details, operator_id FROM audit_logs WHERE user_id = $1 AND operation IN (4, 5)', [target.id]),
      );
      expect(rows).toEqual([{ operation: 4, details: { by: 'staff' }, operator_id: admin.id }]);
    });

    it('lets a superadmin change a role, audited as a role change', async () => {
      const target = await registerUser(service.http);
      const response = await service.http.patch(`/api/v1/users/${target.id}`, { role: 'admin' }, { token: superadmin.token });
      expectEnvelope(response, 200);
      expect(response.body.data.role).toBe('admin');
      const { rows } = await withClient(service.databaseUrl, (client) =>
        client.query('SELECT details FROM audit_logs WHERE user_id = $1 AND operation = 8', [target.id]),
      );
      expect(rows[0].details).toEqual({ from: 'user', to: 'admin' });
    });

    it('answers 40401 for an unknown user, 40001 for bad input, 40101 without a token', async () => {
      expectEnvelope(await service.http.patch(`/api/v1/users/${randomUUID()}`, { state: 0 }, { token: admin.token }), 404, 40401);
      expectEnvelope(await service.http.patch(`/api/v1/users/${user.id}`, { state: 5 }, { token: admin.token }), 400, 40001);
      expectEnvelope(await service.http.patch(`/api/v1/users/${user.id}`, { username: 'a' }, { token: user.token }), 400, 40001);
      expectEnvelope(await service.http.patch(`/api/v1/users/${user.id}`, { state: 0 }), 401, 40101);
    });

    it('refuses a taken username (40901) and email (40902)', async () => {
      const self = await registerUser(service.http);
      expectEnvelope(await service.http.patch(`/api/v1/users/${self.id}`, { username: user.username }, { token: self.token }), 409, 40901);
      expectEnvelope(
        await service.http.patch(`/api/v1/users/${self.id}`, { email: user.email.toUpperCase() }, { token: self.token }),
        409,
        40902,
      );
    });
  });

  describe('DELETE /users/:id and POST /users/:id/restore', () => {
    it('soft-deletes (superadmin): tokens stop, login fails, username and email stay reserved; restore brings it back', async () => {
      const target = await registerUser(service.http);
      expectEnvelope(await service.http.delete(`/api/v1/users/${target.id}`, { token: superadmin.token }), 200);
      expectEnvelope(await get('/api/v1/auth/me', target.token), 401, 40101);
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: target.username, password: target.password }), 401, 40102);
      expectEnvelope(await service.http.post('/api/v1/auth/register', newAccount({ username: target.username })), 409, 40901);
      expectEnvelope(await service.http.post('/api/v1/auth/register', newAccount({ email: target.email })), 409, 40902);
      expectEnvelope(await service.http.delete(`/api/v1/users/${target.id}`, { token: superadmin.token }), 404, 40401);

      const restored = await service.http.post(`/api/v1/users/${target.id}/restore`, undefined, { token: superadmin.token }).then(track);
      expectEnvelope(restored, 200);
      expect(restored.body.data.deleted_at).toBeNull();
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: target.username, password: target.password }), 200);
      const operations = await withClient(service.databaseUrl, async (client) => {
        const { rows } = await client.query('SELECT operation FROM audit_logs WHERE user_id = $1 ORDER BY seq', [target.id]);
        return rows.map((row: { operation: number }) => row.operation);
      });
      expect(operations).toEqual([3, 0, 6, 2, 7, 0]);
    });

    it('deletes once under concurrency: one 200, the others 40401, one audit record', async () => {
      const target = await registerUser(service.http);
      const responses = await Promise.all(
        Array.from({ length: 5 }, () => service.http.delete(`/api/v1/users/${target.id}`, { token: superadmin.token })),
      );
      expect(responses.map((r) => r.status).sort()).toEqual([200, 404, 404, 404, 404]);
      const { rows } = await withClient(service.databaseUrl, (client) =>
        client.query('SELECT count(*)::int AS n FROM audit_logs WHERE user_id = $1 AND operation = 6', [target.id]),
      );
      expect(rows[0].n).toBe(1);
    });

    it('never answers 500 when disabling races with logouts and refreshes (lock order, retries)', async () => {
      for (let round = 0; round < 4; round += 1) {
        const target = await registerUser(service.http);
        const sessions = [];
        for (let index = 0; index < 8; index += 1) {
          sessions.push(await service.http.post('/api/v1/auth/login', { username: target.username, password: target.password }));
        }
        const requests = [
          ...sessions.map((s) => service.http.post('/api/v1/auth/logout', undefined, { token: s.body.data.access_token })),
          ...sessions.map((s) => service.http.post('/api/v1/auth/refresh', { refresh_token: s.body.data.refresh_token })),
          service.http.patch(`/api/v1/users/${target.id}`, { state: 0 }, { token: admin.token }),
          service.http.post('/api/v1/black-list', { user: target.id, reason: 'race' }, { token: admin.token }),
        ];
        const statuses = (await Promise.all(requests)).map((r) => r.status);
        expect(statuses.filter((status) => status >= 500)).toEqual([]);
      }
    });

    it('answers 40903 when restoring a user that is not deleted', async () => {
      const target = await registerUser(service.http);
      expectEnvelope(await service.http.post(`/api/v1/users/${target.id}/restore`, undefined, { token: superadmin.token }), 409, 40903);
    });

    it('refuses admins and users by default (40301), oneself always, unknown ids with 40401', async () => {
      const target = await registerUser(service.http);
      expectEnvelope(await service.http.delete(`/api/v1/users/${target.id}`, { token: admin.token }), 403, 40301);
      expectEnvelope(await service.http.delete(`/api/v1/users/${target.id}`, { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.delete(`/api/v1/users/${superadmin.id}`, { token: superadmin.token }), 403, 40301);
      expectEnvelope(await service.http.post(`/api/v1/users/${target.id}/restore`, undefined, { token: admin.token }), 403, 40301);
      expectEnvelope(await service.http.delete(`/api/v1/users/${randomUUID()}`, { token: superadmin.token }), 404, 40401);
      expectEnvelope(await service.http.post(`/api/v1/users/${randomUUID()}/restore`, undefined, { token: superadmin.token }), 404, 40401);
      expectEnvelope(await service.http.delete(`/api/v1/users/${target.id}`), 401, 40101);
      expectEnvelope(await service.http.delete('/api/v1/users/nope', { token: superadmin.token }), 400, 40001);
    });
  });

  it('never shows a password or its hash in any response', () => {
    expect(seen.length).toBeGreaterThan(10);
    for (const response of seen) expect(response.text).not.toMatch(/argon2|password_hash|passwordHash/);
  });
});

describe('Users with USER_DELETE_MIN_ROLE=admin', () => {
  let service: RunningService;
  let roles: Record<'superadmin' | 'admin' | 'user', TestUser>;

  beforeAll(async () => {
    service = await startService({ USER_DELETE_MIN_ROLE: 'admin' });
    roles = await signInRoles(service.http);
  });
  afterAll(() => service?.dispose());

  it('lets an admin delete and restore users of a lower role, but not admins', async () => {
    const target = await registerUser(service.http);
    expectEnvelope(await service.http.delete(`/api/v1/users/${target.id}`, { token: roles.admin.token }), 200);
    expectEnvelope(await service.http.post(`/api/v1/users/${target.id}/restore`, undefined, { token: roles.admin.token }), 200);
    const otherAdmin = await createUserWithRole(service.http, 'admin', roles.superadmin.token);
    expectEnvelope(await service.http.delete(`/api/v1/users/${otherAdmin.id}`, { token: roles.admin.token }), 403, 40301);
    expectEnvelope(await service.http.delete(`/api/v1/users/${target.id}`, { token: roles.user.token }), 403, 40301);
  });
});
