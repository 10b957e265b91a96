import { randomUUID } from 'node:crypto';
import { newAccount, registerUser, signInRoles, TestUser, uniqueUsername } from '../support/factories';
import { RunningService, startService } from '../support/service';

/** The 000 document, route by route: plain JSON, arrays for lists, `{ "detail": ... }` for errors. */
describe('Source API 000', () => {
  let service: RunningService;
  let superadmin: TestUser;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    service = await startService();
    ({ superadmin, admin, user } = await signInRoles(service.http));
  });
  afterAll(() => service?.dispose());

  const expectDetail = (response: { status: number; body: any }, status: number): void => {
    expect({ status: response.status, keys: Object.keys(response.body ?? {}) }).toEqual({ status, keys: ['detail'] });
    expect(response.body.detail).toEqual(expect.any(String));
  };

  describe('用户注册 POST /api/users/', () => {
    it("registers the document's example body (with a 6+ character username) and answers 200 with the user", async () => {
      const username = uniqueUsername('test');
      const response = await service.http.post('/api/users/', {
        username,
        password: 'password1',
        email: `${username}@test.com`,
        profile: {
          gender: 0,
          occupation: 34,
          age: 18,
          name: 'name',
          identify_id: '100000190001010001',
          phone: '18888888888',
          address: 'address1',
        },
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(
        expect.objectContaining({ id: expect.any(String), username, email: `${username}@test.com`, phone_number: '18888888888' }),
      );
      expect(response.body.profile).toEqual(
        expect.objectContaining({
          gender: 0,
          age: 18,
          name: 'name',
          identify_id: '100000190001010001',
          phone: '18888888888',
          address: 'address1',
          occupation: { id: expect.any(String), name: 'Software Developer' },
        }),
      );
      expect(response.text).not.toMatch(/argon2|password/);
    });

    it('answers 400 { detail } for bad input: the example username "test1" is shorter than API.md allows', async () => {
      expectDetail(await service.http.post('/api/users/', { username: 'test1', password: 'password1', email: 'email1@test.com' }), 400);
      expectDetail(await service.http.post('/api/users/', { ...newAccount(), profile: { occupation: 999 } }), 400);
      expectDetail(await service.http.post('/api/users/', { ...newAccount(), profile: { unknown: 1 } }), 400);
      expectDetail(await service.http.post('/api/users/', undefined, { raw: '{', contentType: 'application/json' }), 400);
    });

    it('answers 400 { detail } for a taken username or email', async () => {
      expectDetail(await service.http.post('/api/users/', newAccount({ username: user.username })), 400);
      expectDetail(await service.http.post('/api/users/', newAccount({ email: user.email })), 400);
    });
  });

  describe('用户登录 POST /api/auth/', () => {
    it('answers a token that works as Bearer and as Token', async () => {
      const target = await registerUser(service.http);
      const response = await service.http.post('/api/auth/', { username: target.username, password: target.password });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(
        expect.objectContaining({
          token: expect.any(String),
          refresh_token: expect.any(String),
          user: expect.objectContaining({ id: target.id }),
        }),
      );
      const bearer = await service.http.get(`/api/users/${target.id}/`, { token: response.body.token });
      expect(bearer.status).toBe(200);
      const drf = await service.http.get(`/api/users/${target.id}/`, { headers: { authorization: `Token ${response.body.token}` } });
      expect(drf.status).toBe(200);
    });

    it('answers 400 { detail } for wrong credentials', async () => {
      expectDetail(await service.http.post('/api/auth/', { username: user.username, password: 'wrong-password' }), 400);
    });
  });

  describe('users', () => {
    it('GET /api/users/ answers an array for admin+, 403 for users, 401 without a token', async () => {
      const response = await service.http.get('/api/users/', { token: admin.token });
      expect(response.status).toBe(200);
      expect(Array.isArray(response.body)).toBe(true);
      expect(response.body.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([user.id, admin.id, superadmin.id]));
      expectDetail(await service.http.get('/api/users/', { token: user.token }), 403);
      expectDetail(await service.http.get('/api/users/'), 401);
    });

    it('GET /api/users/{id}/ answers the user for themself and admin+, 403 for others, 404 when unknown', async () => {
      const response = await service.http.get(`/api/users/${user.id}/`, { token: user.token });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(expect.objectContaining({ id: user.id, username: user.username }));
      expectDetail(await service.http.get(`/api/users/${admin.id}/`, { token: user.token }), 403);
      expectDetail(await service.http.get(`/api/users/${randomUUID()}/`, { token: admin.token }), 404);
    });
  });

  describe('groups', () => {
    it("serves groups, a group, its members and a user's groups as the document lists them", async () => {
      const group = (
        await service.http.post(
          '/api/v1/groups',
          { name: `G ${uniqueUsername()}`, location: 'location', contact_phone: '13000000000' },
          { token: admin.token },
        )
      ).body.data;
      await service.http.put(`/api/v1/groups/${group.id}/users/${user.id}`, undefined, { token: admin.token });

      const all = await service.http.get('/api/groups/', { token: user.token });
      expect(all.status).toBe(200);
      expect(all.body.find((g: { id: string }) => g.id === group.id)).toEqual(
        expect.objectContaining({ name: group.name, location: 'location', contact_phone: '13000000000' }),
      );
      const one = await service.http.get(`/api/groups/${group.id}/`, { token: user.token });
      expect(one.body).toEqual(expect.objectContaining({ id: group.id, name: group.name }));
      const members = await service.http.get(`/api/groups/${group.id}/users/`, { token: admin.token });
      expect(members.body.map((u: { id: string }) => u.id)).toEqual([user.id]);
      const groups = await service.http.get(`/api/users/${user.id}/groups/`, { token: user.token });
      expect(groups.body.map((g: { id: string }) => g.id)).toEqual([group.id]);

      const outsider = await registerUser(service.http);
      expectDetail(await service.http.get(`/api/groups/${group.id}/users/`, { token: outsider.token }), 403);
      expectDetail(await service.http.get(`/api/groups/${randomUUID()}/`, { token: user.token }), 404);
      expectDetail(await service.http.get('/api/groups/'), 401);
    });
  });

  describe('occupations', () => {
    it('lists and reads occupations without a token; admins create them (201)', async () => {
      const all = await service.http.get('/api/occupations/');
      expect(all.status).toBe(200);
      expect(all.body.length).toBeGreaterThanOrEqual(40);
      expect(Object.keys(all.body[0]).sort()).toEqual(['id', 'name']);
      const one = await service.http.get(`/api/occupations/${all.body[0].id}/`);
      expect(one.body).toEqual(all.body[0]);

      const created = await service.http.post('/api/occupations/', { name: `Job ${uniqueUsername()}` }, { token: admin.token });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(String), name: expect.any(String) });
      expectDetail(await service.http.post('/api/occupations/', { name: 'Anything' }, { token: user.token }), 403);
      expectDetail(await service.http.post('/api/occupations/', { name: 'Engineer' }, { token: admin.token }), 400);
    });

    it('lists the users of an occupation for admin+', async () => {
      const occupation = (await service.http.get('/api/v1/occupations?name=Pilot')).body.data.data[0];
      const pilot = await registerUser(service.http, { profile: { occupation: occupation.id } });
      const users = await service.http.get(`/api/occupations/${occupation.id}/users/`, { token: admin.token });
      expect(users.status).toBe(200);
      expect(users.body.map((u: { id: string }) => u.id)).toContain(pilot.id);
      expectDetail(await service.http.get(`/api/occupations/${occupation.id}/users/`, { token: user.token }), 403);
    });
  });

  describe('user logs', () => {
    it('lists records with { id, user, ip, operation, operator, operate_time }', async () => {
      const target = await registerUser(service.http);
      const all = await service.http.get('/api/user-logs/', { token: admin.token });
      expect(all.status).toBe(200);
      const record = all.body.find((r: { user: string; operation: number }) => r.user === target.id && r.operation === 0);
      expect(record).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          user: target.id,
          ip: expect.any(String),
          operation: 0,
          operator: target.id,
          operate_time: expect.any(String),
        }),
      );
      const one = await service.http.get(`/api/user-logs/${record.id}/`, { token: admin.token });
      expect(one.body).toEqual(record);
      const mine = await service.http.get(`/api/users/${target.id}/user-logs/`, { token: target.token });
      expect(mine.body.map((r: { operation: number }) => r.operation)).toEqual([0, 3]);
      expectDetail(await service.http.get('/api/user-logs/', { token: user.token }), 403);
      expectDetail(await service.http.get(`/api/users/${admin.id}/user-logs/`, { token: user.token }), 403);
    });
  });

  describe('black list', () => {
    it('lists active entries with the user under `patient`', async () => {
      const target = await registerUser(service.http);
      await service.http.post('/api/v1/black-list', { user: target.id, reason: 'no-show' }, { token: admin.token });
      const response = await service.http.get('/api/black-list/', { token: admin.token });
      expect(response.status).toBe(200);
      const entry = response.body.find((e: { patient: string }) => e.patient === target.id);
      expect(entry).toEqual(
        expect.objectContaining({ patient: target.id, join_time: expect.any(String), is_delete: 0, reason: 'no-show' }),
      );
      expect(entry).not.toHaveProperty('user');
      expectDetail(await service.http.get('/api/black-list/', { token: user.token }), 403);
    });
  });

  it('answers unknown routes under its paths with 404 { detail }', async () => {
    expectDetail(await service.http.get('/api/users/whatever/unknown/', { token: admin.token }), 404);
  });
});
