import { randomUUID } from 'node:crypto';
import { createUserWithRole, newAccount, registerUser, signInRoles, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';
import { id001Of, markImported } from '../support/source-ids';

const OBJECT_ID = /^[0-9a-f]{24}$/;

const INVITATION = 'static-001-invitation';

/** The 001 document, route by route: `{ "result": ... }` bodies and its status codes. */
describe('Source API 001', () => {
  let service: RunningService;
  let superadmin: TestUser;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    service = await startService({ ADMIN_INVITATION_CODE: INVITATION });
    ({ superadmin, admin, user } = await signInRoles(service.http));
  });
  afterAll(() => service?.dispose());

  /** A user's 001 id, from the database. */
  const oid = (id: string): Promise<string> => id001Of(service.databaseUrl, id);

  const register001 = (overrides: Record<string, unknown> = {}) => {
    const account = newAccount();
    return {
      account,
      body: {
        is_admin: 0,
        invitation: '',
        username: account.username,
        password: account.password,
        tel: '13512345678',
        email: account.email,
        ...overrides,
      },
    };
  };

  describe('注册 POST /api/register/', () => {
    it('answers 200 { result: "Registered successfully", id } and keeps tel as the phone number', async () => {
      const { body } = register001();
      const response = await service.http.post('/api/register/', body);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ result: 'Registered successfully', id: expect.stringMatching(OBJECT_ID) });
      const stored = await service.http.get(`/api/query/${response.body.id}`, { token: superadmin.token });
      expect(stored.body.user).toEqual(
        expect.objectContaining({ user_id: response.body.id, user_name: body.username, user_phone: '13512345678' }),
      );
      const canonical = await service.http.get(`/api/v1/users?username=${body.username}`, { token: superadmin.token });
      expect(canonical.body.data.data[0]).toEqual(expect.objectContaining({ role: 'user', source_ids: {} }));
      expect(await oid(canonical.body.data.data[0].id)).toBe(response.body.id);
    });

    it('answers 403 for an email already registered', async () => {
      const response = await service.http.post('/api/register', register001({ email: user.email }).body);
      expect(response.status).toBe(403);
      expect(response.body).toEqual(expect.objectContaining({ result: 'This Email address has been registered' }));
    });

    it('answers 400 "Email address is invalid" with the error', async () => {
      const response = await service.http.post('/api/register/', register001({ email: 'not-an-email' }).body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ result: 'Email address is invalid', error: expect.stringContaining('email') });
    });

    it('makes an admin with is_admin 1 and the right invitation, 400 "invitation code wrong" otherwise', async () => {
      const { body: adminBody } = register001({ is_admin: 1, invitation: INVITATION });
      const ok = await service.http.post('/api/register/', adminBody);
      expect(ok.status).toBe(200);
      const stored = await service.http.get(`/api/v1/users?username=${adminBody.username}`, { token: superadmin.token });
      expect(stored.body.data.data[0].role).toBe('admin');
      const wrong = await service.http.post('/api/register/', register001({ is_admin: 1, invitation: 'nope-nope-nope' }).body);
      expect(wrong.status).toBe(400);
      expect(wrong.body).toEqual(expect.objectContaining({ result: 'invitation code wrong' }));
    });

    it('applies the same validation as the canonical API (400 Wrong form struct)', async () => {
      const response = await service.http.post('/api/register/', register001({ username: 'ab', extra: 1 }).body);
      expect(response.status).toBe(400);
      expect(response.body.result).toBe('Wrong form struct');
      expect(response.body.error).toMatch(/username/);
      expect(response.body.error).toMatch(/extra/);
    });
  });

  describe('登录 POST /api/login/', () => {
    it('answers 200 { result: "Login successfully", Authorization: "Bearer <token>" } usable on every API', async () => {
      const target = await registerUser(service.http);
      const response = await service.http.post('/api/login/', { is_admim: 0, email: target.email, password: target.password });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(
        expect.objectContaining({ result: 'Login successfully', Authorization: expect.stringMatching(/^Bearer \S+$/) }),
      );
      const me = await service.http.get('/api/v1/auth/me', { headers: { authorization: response.body.Authorization } });
      expectEnvelope(me, 200);
      expect(me.body.data.id).toBe(target.id);
    });

    it('answers 400 "Wrong password or wrong email address" for a wrong password or an unknown email', async () => {
      for (const body of [
        { is_admim: 0, email: user.email, password: 'wrong-password' },
        { is_admim: 0, email: 'nobody@example.com', password: 'wrong-password' },
      ]) {
        const response = await service.http.post('/api/login/', body);
        expect(response.status).toBe(400);
        expect(response.body).toEqual({ result: 'Wrong password or wrong email address', error: expect.any(String) });
      }
    });

    it('answers 400 "Wrong form struct" for a malformed body', async () => {
      for (const response of [
        await service.http.post('/api/login/', { email: user.email }),
        await service.http.post('/api/login/', undefined, { raw: '{"email":', contentType: 'application/json' }),
        await service.http.post('/api/login/', { is_admim: 7, email: user.email, password: 'x' }),
      ]) {
        expect(response.status).toBe(400);
        expect(response.body).toEqual({ result: 'Wrong form struct', error: expect.any(String) });
      }
    });

    it('with is_admim (or is_admin) 1 lets only an admin or superadmin in', async () => {
      expect((await service.http.post('/api/login/', { is_admim: 1, email: user.email, password: user.password })).status).toBe(400);
      expect((await service.http.post('/api/login/', { is_admim: 1, email: admin.email, password: admin.password })).status).toBe(200);
      expect((await service.http.post('/api/login/', { is_admin: 1, email: superadmin.email, password: superadmin.password })).status).toBe(
        200,
      );
    });
  });

  describe('全部查询 POST /api/queryall/', () => {
    it('lists ordinary users for admin+, with limit and page as numbers or strings', async () => {
      await registerUser(service.http);
      const response = await service.http.post('/api/queryall/', { limit: '2', page: '1' }, { token: admin.token });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        result: 'Query all users successfully',
        total: expect.any(Number),
        limit: 2,
        page: 1,
        users: expect.any(Array),
      });
      expect(response.body.users).toHaveLength(2);
      expect(Object.keys(response.body.users[0]).sort()).toEqual(['email', 'tel', 'user_id', 'user_name']);
      const everyone = await service.http.post('/api/queryall/', { limit: 100, page: 1 }, { token: superadmin.token });
      const ids = everyone.body.users.map((u: { user_id: string }) => u.user_id);
      for (const id of ids) expect(id).toMatch(OBJECT_ID);
      expect(ids).toContain(await oid(user.id));
      expect(ids).not.toContain(await oid(admin.id));
      expect(everyone.body.total).toBe(everyone.body.users.length);
    });

    it('takes the token in a `token` header too', async () => {
      const response = await service.http.post('/api/queryall/', { limit: 1, page: 1 }, { headers: { token: admin.token } });
      expect(response.status).toBe(200);
    });

    it('answers 403 to users and to callers without a token, 400 to a bad body', async () => {
      const asUser = await service.http.post('/api/queryall/', { limit: 5, page: 1 }, { token: user.token });
      expect(asUser.status).toBe(403);
      expect(asUser.body).toEqual(expect.objectContaining({ result: expect.any(String), error: expect.any(String) }));
      expect((await service.http.post('/api/queryall/', { limit: 5, page: 1 })).status).toBe(403);
      expect((await service.http.post('/api/queryall/', { limit: 500, page: 1 }, { token: admin.token })).status).toBe(400);
    });
  });

  describe('单人查询 GET /api/query/<user_id>', () => {
    it('answers { result: "query successfully", user: { user_id, user_name, user_phone, user_email } }', async () => {
      const target = await registerUser(service.http, { phone_number: '13700000000' });
      const id = await oid(target.id);
      for (const token of [target.token, admin.token]) {
        const response = await service.http.get(`/api/query/${id}`, { token });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({
          result: 'query successfully',
          user: { user_id: id, user_name: target.username, user_phone: '13700000000', user_email: target.email },
        });
      }
      // ObjectIds are hex: either case names the same user.
      expect((await service.http.get(`/api/query/${id.toUpperCase()}`, { token: admin.token })).body.user.user_id).toBe(id);
    });

    it('answers an imported user under the ObjectId it had in 001, and the canonical view shows it in source_ids', async () => {
      const target = await registerUser(service.http);
      const oldId = `5f1d7c2e${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      await markImported(service.databaseUrl, target.id, '001', { id001: oldId });
      const response = await service.http.get(`/api/query/${oldId}`, { token: admin.token });
      expect(response.status).toBe(200);
      expect(response.body.user).toEqual(expect.objectContaining({ user_id: oldId, user_name: target.username }));
      const canonical = await service.http.get(`/api/v1/users/${target.id}`, { token: superadmin.token });
      expect(canonical.body.data.source_ids).toEqual({ '001': oldId });
    });

    it("answers 403 for another user's record or no token, 400 for an unknown or malformed id", async () => {
      expect((await service.http.get(`/api/query/${await oid(admin.id)}`, { token: user.token })).status).toBe(403);
      expect((await service.http.get(`/api/query/${await oid(user.id)}`)).status).toBe(403);
      const unknown = await service.http.get('/api/query/000000000000000000000000', { token: admin.token });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toEqual({ result: 'Not found', error: expect.any(String) });
      for (const bad of [user.id, randomUUID(), '123', `${'a'.repeat(23)}g`]) {
        const response = await service.http.get(`/api/query/${bad}`, { token: admin.token });
        expect(response.status).toBe(400);
        expect(response.body).toEqual({ result: 'Wrong form struct', error: expect.stringContaining('user_id') });
      }
    });
  });

  describe('删除 GET /api/delete/<user_id>', () => {
    it('soft-deletes for a superadmin: { result: "remove successfully", user_id }', async () => {
      const target = await registerUser(service.http);
      const id = await oid(target.id);
      const response = await service.http.get(`/api/delete/${id}`, { token: superadmin.token });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ result: 'remove successfully', user_id: id });
      expect((await service.http.post('/api/login/', { email: target.email, password: target.password })).status).toBe(400);
    });

    it('answers 403 to admins, users and callers without a token, 400 for an unknown id', async () => {
      const target = await createUserWithRole(service.http, 'user', superadmin.token);
      const id = await oid(target.id);
      expect((await service.http.get(`/api/delete/${id}`, { token: admin.token })).status).toBe(403);
      expect((await service.http.get(`/api/delete/${id}`, { token: user.token })).status).toBe(403);
      expect((await service.http.get(`/api/delete/${id}`)).status).toBe(403);
      const unknown = await service.http.get('/api/delete/000000000000000000000000', { token: superadmin.token });
      expect(unknown.status).toBe(400);
      expect(unknown.body.result).toBe('Not found');
      const uuid = await service.http.get(`/api/delete/${target.id}`, { token: superadmin.token });
      expect(uuid.status).toBe(400);
      expect(uuid.body.result).toBe('Wrong form struct');
      expect((await service.http.get(`/api/query/${id}`, { token: superadmin.token })).status).toBe(200);
    });
  });
});
