import { randomUUID } from 'node:crypto';
import { newAccount, registerUser, signInRoles, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';
import { id000Of, markImported } from '../support/source-ids';

const TIME_FIELDS = ['created_at', 'updated_at', 'last_login_at', 'deleted_at'];

/** The 003 document, route by route: /api/v1/user/... with the envelope and 200 on success. */
describe('Source API 003', () => {
  let service: RunningService;
  let superadmin: TestUser;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    service = await startService();
    ({ superadmin, admin, user } = await signInRoles(service.http));
  });
  afterAll(() => service?.dispose());

  describe('1. POST /register', () => {
    it('registers with 200 and data { email, username }, taking the user model fields flat', async () => {
      const account = newAccount({ first_name: 'San', last_name: 'Zhang', phone_number: '13900000000' });
      const response = await service.http.post('/api/v1/user/register', account);
      expectEnvelope(response, 200);
      expect(response.body.message).toBe('success');
      expect(response.body.data).toEqual(expect.objectContaining({ email: account.email, username: account.username }));
      const me = await service.http.get(`/api/v1/users/${response.body.data.id}`, { token: superadmin.token });
      expect(me.body.data).toEqual(
        expect.objectContaining({
          phone_number: '13900000000',
          profile: expect.objectContaining({ first_name: 'San', last_name: 'Zhang' }),
        }),
      );
    });

    it('accepts a password longer than 22 (API.md allows up to 128)', async () => {
      expectEnvelope(await service.http.post('/api/v1/user/register/', newAccount({ password: 'p'.repeat(40) })), 200);
    });

    it('refuses bad input (40001), a taken username (40901) or email (40902), and unknown fields', async () => {
      expectEnvelope(await service.http.post('/api/v1/user/register', newAccount({ username: 'a!' })), 400, 40001);
      expectEnvelope(await service.http.post('/api/v1/user/register', newAccount({ email: 'xxx@' })), 400, 40001);
      expectEnvelope(await service.http.post('/api/v1/user/register', newAccount({ role: 'admin' })), 400, 40001);
      expectEnvelope(await service.http.post('/api/v1/user/register', newAccount({ username: user.username })), 409, 40901);
      expectEnvelope(await service.http.post('/api/v1/user/register', newAccount({ email: user.email })), 409, 40902);
    });
  });

  describe('2. POST /login', () => {
    it('signs in by username or email; data is the user and carries the token', async () => {
      const target = await registerUser(service.http);
      for (const identifier of [{ username: target.username }, { email: target.email }]) {
        const response = await service.http.post('/api/v1/user/login', { ...identifier, password: target.password });
        expectEnvelope(response, 200);
        expect(response.body.data).toEqual(
          expect.objectContaining({
            id: target.id,
            username: target.username,
            email: target.email,
            token: expect.any(String),
            access_token: expect.any(String),
            refresh_token: expect.any(String),
          }),
        );
        expectEnvelope(await service.http.get('/api/v1/auth/me', { token: response.body.data.token }), 200);
        expect(response.text).not.toMatch(/argon2|password/);
      }
    });

    it('refuses wrong credentials (401/40102), a disabled user after the right password (403/40302), a missing identifier (40001)', async () => {
      const target = await registerUser(service.http);
      expectEnvelope(await service.http.post('/api/v1/user/login', { username: target.username, password: 'wrong-password' }), 401, 40102);
      await service.http.patch(`/api/v1/users/${target.id}`, { state: 0 }, { token: admin.token });
      expectEnvelope(await service.http.post('/api/v1/user/login', { username: target.username, password: target.password }), 403, 40302);
      expectEnvelope(await service.http.post('/api/v1/user/login', { password: 'whatever' }), 400, 40001);
    });
  });

  describe('3. GET /info/:id', () => {
    it('shows a superadmin everything, an admin no time fields', async () => {
      const asSuperadmin = await service.http.get(`/api/v1/user/info/${user.id}`, { token: superadmin.token });
      expectEnvelope(asSuperadmin, 200);
      expect(asSuperadmin.body.data).toEqual(
        expect.objectContaining({ id: user.id, username: user.username, email: user.email, phone_number: null, first_name: null }),
      );
      for (const field of TIME_FIELDS) expect(asSuperadmin.body.data).toHaveProperty(field);
      const asAdmin = await service.http.get(`/api/v1/user/info/${user.id}/`, { token: admin.token });
      expectEnvelope(asAdmin, 200);
      for (const field of TIME_FIELDS) expect(asAdmin.body.data).not.toHaveProperty(field);
      expect(JSON.stringify(asSuperadmin.body)).not.toMatch(/password|argon2/);
    });

    it('lets a user see themself (API.md), not others (40301); needs a token (40101); 40401 for an unknown id', async () => {
      expectEnvelope(await service.http.get(`/api/v1/user/info/${user.id}`, { token: user.token }), 200);
      expectEnvelope(await service.http.get(`/api/v1/user/info/${admin.id}`, { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.get(`/api/v1/user/info/${user.id}`), 401, 40101);
      expectEnvelope(await service.http.get(`/api/v1/user/info/${randomUUID()}`, { token: admin.token }), 404, 40401);
    });

    it('keeps the canonical UUIDs: an integer (a 000 id) is 40001, an imported user shows its UUID and no other source id', async () => {
      const target = await registerUser(service.http);
      await markImported(service.databaseUrl, target.id, '000', { id000: 800000 + Math.floor(Math.random() * 90000) });
      const response = await service.http.get(`/api/v1/user/info/${target.id}`, { token: superadmin.token });
      expectEnvelope(response, 200);
      expect(response.body.data.id).toBe(target.id);
      expect(response.body.data).not.toHaveProperty('source_ids');
      const id000 = await id000Of(service.databaseUrl, 'users', target.id);
      expectEnvelope(await service.http.get(`/api/v1/user/info/${id000}`, { token: superadmin.token }), 400, 40001);
      const list = await service.http.get(`/api/v1/user/list?username=${target.username}`, { token: superadmin.token });
      expect(list.body.data.data).toEqual([expect.objectContaining({ id: target.id })]);
      expect(list.body.data.data[0]).not.toHaveProperty('source_ids');
      const login = await service.http.post('/api/v1/user/login', { username: target.username, password: target.password });
      expect(login.body.data.id).toBe(target.id);
    });
  });

  describe('4. DELETE /delete/:id', () => {
    it('soft-deletes for a superadmin with message "user is deleted."', async () => {
      const target = await registerUser(service.http);
      const response = await service.http.delete(`/api/v1/user/delete/${target.id}`, { token: superadmin.token });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: null, message: 'user is deleted.', errorCode: 0, status: 200 });
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: target.token }), 401, 40101);
      const shown = await service.http.get(`/api/v1/user/info/${target.id}`, { token: superadmin.token });
      expect(shown.body.data.deleted_at).toEqual(expect.any(String));
    });

    it('refuses admins and users (40301), anonymous callers (40101), unknown ids (40401)', async () => {
      const target = await registerUser(service.http);
      expectEnvelope(await service.http.delete(`/api/v1/user/delete/${target.id}`, { token: admin.token }), 403, 40301);
      expectEnvelope(await service.http.delete(`/api/v1/user/delete/${target.id}`, { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.delete(`/api/v1/user/delete/${target.id}`), 401, 40101);
      expectEnvelope(await service.http.delete(`/api/v1/user/delete/${randomUUID()}`, { token: superadmin.token }), 404, 40401);
    });
  });

  describe('5. GET /list', () => {
    it('lists for admin+ with data { data, count, total }, exact and fuzzy username (both spellings)', async () => {
      const target = await registerUser(service.http);
      const all = await service.http.get('/api/v1/user/list?page=1&limit=5', { token: admin.token });
      expectEnvelope(all, 200);
      expect(all.body.data).toEqual(
        expect.objectContaining({ data: expect.any(Array), count: expect.any(Number), total: expect.any(Number) }),
      );
      for (const field of TIME_FIELDS) expect(all.body.data.data[0]).not.toHaveProperty(field);
      const exact = await service.http.get(`/api/v1/user/list?username=${target.username}`, { token: admin.token });
      expect(exact.body.data.data.map((u: { id: string }) => u.id)).toEqual([target.id]);
      expect(exact.body.data.count).toBe(1);
      expect(exact.body.data.total).toBe(all.body.data.total);
      const fragment = target.username.slice(2, 9).toUpperCase();
      for (const parameter of ['username_container', 'username__container']) {
        const fuzzy = await service.http.get(`/api/v1/user/list?${parameter}=${fragment}`, { token: admin.token });
        expect(fuzzy.body.data.data.map((u: { id: string }) => u.id)).toContain(target.id);
      }
    });

    it('refuses users (40301) and anonymous callers (40101)', async () => {
      expectEnvelope(await service.http.get('/api/v1/user/list', { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.get('/api/v1/user/list'), 401, 40101);
    });
  });

  describe('5. PUT /update/:id', () => {
    it('lets an admin change the username of a user; data is the updated user', async () => {
      const target = await registerUser(service.http);
      const username = `re${target.username.slice(2)}`;
      const response = await service.http.put(`/api/v1/user/update/${target.id}`, { username }, { token: admin.token });
      expectEnvelope(response, 200);
      expect(response.body.data).toEqual(expect.objectContaining({ id: target.id, username }));
      for (const field of TIME_FIELDS) expect(response.body.data).not.toHaveProperty(field);
    });

    it('changes the email at once, as the 003 system did (no confirmation step); the new address is unverified', async () => {
      const target = await registerUser(service.http);
      const email = `moved-${Date.now()}@example.com`;
      const response = await service.http.put(`/api/v1/user/update/${target.id}`, { email }, { token: admin.token });
      expectEnvelope(response, 200);
      expect(response.body.data.email).toBe(email);
      const canonical = await service.http.get(`/api/v1/users/${target.id}`, { token: superadmin.token });
      expect(canonical.body.data).toEqual(expect.objectContaining({ email, email_verified_at: null, pending_email: null }));
    });

    it('follows the canonical rules: self allowed, others refused (40301), taken names (40901), unknown ids (40401)', async () => {
      const target = await registerUser(service.http);
      expectEnvelope(await service.http.put(`/api/v1/user/update/${target.id}`, { first_name: 'Me' }, { token: target.token }), 200);
      expectEnvelope(await service.http.put(`/api/v1/user/update/${admin.id}`, { first_name: 'x' }, { token: target.token }), 403, 40301);
      expectEnvelope(await service.http.put(`/api/v1/user/update/${target.id}`, { role: 'admin' }, { token: admin.token }), 403, 40301);
      expectEnvelope(
        await service.http.put(`/api/v1/user/update/${target.id}`, { username: user.username }, { token: admin.token }),
        409,
        40901,
      );
      expectEnvelope(
        await service.http.put(`/api/v1/user/update/${randomUUID()}`, { username: 'abcdefg1' }, { token: admin.token }),
        404,
        40401,
      );
      expectEnvelope(await service.http.put(`/api/v1/user/update/${target.id}`, { username: 'abcdefg1' }), 401, 40101);
    });
  });
});
