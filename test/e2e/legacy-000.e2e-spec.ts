import { randomUUID } from 'node:crypto';
import { newAccount, registerUser, signInRoles, TestUser, uniqueUsername } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';
import { id000Of, markImported, Table000 } from '../support/source-ids';

/**
 * The 000 document, route by route: plain JSON, arrays for lists, `{ "detail": ... }` for errors.
 * Every id it shows or takes is a 000 integer (users, groups, user logs, blacklist entries: their
 * id_000; occupations: their code), never a UUID.
 */
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

  /** The 000 id of a row, from the database. */
  const int = (table: Table000, id: string): Promise<number> => id000Of(service.databaseUrl, table, id);

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
        expect.objectContaining({ id: expect.any(Number), username, email: `${username}@test.com`, phone_number: '18888888888' }),
      );
      expect(response.body).not.toHaveProperty('source_ids');
      expect(response.body.profile).toEqual(
        expect.objectContaining({
          gender: 0,
          age: 18,
          name: 'name',
          identify_id: '100000190001010001',
          phone: '18888888888',
          address: 'address1',
          occupation: { id: 34, name: 'Software Developer' },
        }),
      );
      expect(response.text).not.toMatch(/argon2|password/);
      const login = await service.http.post('/api/auth/', { username, password: 'password1' });
      expect(login.body.user.id).toBe(response.body.id);
      const me = await service.http.get('/api/v1/auth/me', { token: login.body.token });
      expect(await int('users', me.body.data.id)).toBe(response.body.id);
    });

    it('takes the occupation by its 000 id only: an unknown code or a UUID is 400', async () => {
      const uuid = (await service.http.get('/api/v1/occupations?name=Pilot')).body.data.data[0].id;
      expectDetail(await service.http.post('/api/users/', { ...newAccount(), profile: { occupation: uuid } }), 400);
      expectDetail(await service.http.post('/api/users/', { ...newAccount(), profile: { occupation: '34' } }), 400);
      expectDetail(await service.http.post('/api/users/', { ...newAccount(), profile: { occupation: 0 } }), 400);
      const cleared = await service.http.post('/api/users/', { ...newAccount(), profile: { occupation: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body.profile.occupation).toBeNull();
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
          user: expect.objectContaining({ id: await int('users', target.id) }),
        }),
      );
      const id = response.body.user.id;
      const bearer = await service.http.get(`/api/users/${id}/`, { token: response.body.token });
      expect(bearer.status).toBe(200);
      expect(bearer.body).toEqual(expect.objectContaining({ id, username: target.username }));
      const drf = await service.http.get(`/api/users/${id}/`, { headers: { authorization: `Token ${response.body.token}` } });
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
      expect(response.body.map((u: { id: number }) => u.id)).toEqual(
        expect.arrayContaining([await int('users', user.id), await int('users', admin.id), await int('users', superadmin.id)]),
      );
      for (const shown of response.body) expect(Number.isInteger(shown.id)).toBe(true);
      expectDetail(await service.http.get('/api/users/', { token: user.token }), 403);
      expectDetail(await service.http.get('/api/users/'), 401);
    });

    it('GET /api/users/{id}/ answers the user for themself and admin+, 403 for others, 404 when unknown', async () => {
      const id = await int('users', user.id);
      const response = await service.http.get(`/api/users/${id}/`, { token: user.token });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(expect.objectContaining({ id, username: user.username }));
      expect((await service.http.get(`/api/users/${id}/`, { token: admin.token })).body.id).toBe(id);
      expectDetail(await service.http.get(`/api/users/${await int('users', admin.id)}/`, { token: user.token }), 403);
      expectDetail(await service.http.get(`/api/users/${id}/`), 401);
      expectDetail(await service.http.get('/api/users/987654321/', { token: admin.token }), 404);
      expectDetail(await service.http.get('/api/users/99999999999999999999/', { token: admin.token }), 404);
      // An unknown id answers as an unknown UUID does: 403 to whoever may not read others, so ids cannot be probed.
      expectDetail(await service.http.get('/api/users/987654321/', { token: user.token }), 403);
    });

    it('GET /api/users/{id}/ refuses what is not a 000 id (a UUID, text, a negative number) with 400', async () => {
      for (const bad of [user.id, 'abc', '-1', '1.5', '0x10']) {
        expectDetail(await service.http.get(`/api/users/${bad}/`, { token: admin.token }), 400);
      }
    });

    it('answers an imported user under the id it had in 000, and the canonical view shows it in source_ids', async () => {
      const target = await registerUser(service.http);
      const oldId = 900000 + Math.floor(Math.random() * 90000);
      await markImported(service.databaseUrl, target.id, '000', { id000: oldId });
      const response = await service.http.get(`/api/users/${oldId}/`, { token: admin.token });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(expect.objectContaining({ id: oldId, username: target.username, email: target.email }));
      const canonical = await service.http.get(`/api/v1/users/${target.id}`, { token: superadmin.token });
      expectEnvelope(canonical, 200);
      expect(canonical.body.data.source_ids).toEqual({ '000': oldId });
      const listed = await service.http.get(`/api/v1/users?username=${target.username}`, { token: admin.token });
      expect(listed.body.data.data[0].source_ids).toEqual({ '000': oldId });
      const login = await service.http.post('/api/v1/auth/login', { username: target.username, password: target.password });
      expect(login.body.data.user.source_ids).toEqual({ '000': oldId });
      expect((await service.http.post('/api/auth/', { username: target.username, password: target.password })).body.user.id).toBe(oldId);
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

      const groupId = await int('groups', group.id);
      const userId = await int('users', user.id);

      const all = await service.http.get('/api/groups/', { token: user.token });
      expect(all.status).toBe(200);
      expect(all.body.find((g: { id: number }) => g.id === groupId)).toEqual(
        expect.objectContaining({ name: group.name, location: 'location', contact_phone: '13000000000' }),
      );
      for (const shown of all.body) expect(Number.isInteger(shown.id)).toBe(true);
      const one = await service.http.get(`/api/groups/${groupId}/`, { token: user.token });
      expect(one.body).toEqual(expect.objectContaining({ id: groupId, name: group.name }));
      const members = await service.http.get(`/api/groups/${groupId}/users/`, { token: admin.token });
      expect(members.body.map((u: { id: number }) => u.id)).toEqual([userId]);
      const groups = await service.http.get(`/api/users/${userId}/groups/`, { token: user.token });
      expect(groups.body.map((g: { id: number }) => g.id)).toEqual([groupId]);

      const outsider = await registerUser(service.http);
      expectDetail(await service.http.get(`/api/groups/${groupId}/users/`, { token: outsider.token }), 403);
      expectDetail(await service.http.get(`/api/users/${userId}/groups/`, { token: outsider.token }), 403);
      expectDetail(await service.http.get('/api/groups/987654321/', { token: user.token }), 404);
      expectDetail(await service.http.get('/api/groups/987654321/users/', { token: admin.token }), 404);
      expectDetail(await service.http.get('/api/users/987654321/groups/', { token: admin.token }), 404);
      expectDetail(await service.http.get(`/api/groups/${group.id}/`, { token: user.token }), 400);
      expectDetail(await service.http.get(`/api/groups/${group.id}/users/`, { token: admin.token }), 400);
      expectDetail(await service.http.get(`/api/users/${user.id}/groups/`, { token: admin.token }), 400);
      expectDetail(await service.http.get(`/api/groups/${groupId}/`), 401);
      expectDetail(await service.http.get('/api/groups/'), 401);
    });
  });

  describe('occupations', () => {
    it('lists and reads occupations without a token; admins create them (201)', async () => {
      const all = await service.http.get('/api/occupations/');
      expect(all.status).toBe(200);
      expect(all.body.length).toBeGreaterThanOrEqual(40);
      expect(Object.keys(all.body[0]).sort()).toEqual(['id', 'name']);
      for (const shown of all.body) expect(Number.isInteger(shown.id)).toBe(true);
      expect(all.body).toContainEqual({ id: 34, name: 'Software Developer' });
      const one = await service.http.get(`/api/occupations/${all.body[0].id}/`);
      expect(one.body).toEqual(all.body[0]);
      expect((await service.http.get('/api/occupations/34/')).body).toEqual({ id: 34, name: 'Software Developer' });
      expectDetail(await service.http.get('/api/occupations/987654/'), 404);
      expectDetail(await service.http.get('/api/occupations/99999999999/'), 404);
      const uuid = (await service.http.get('/api/v1/occupations?name=Pilot')).body.data.data[0].id;
      expectDetail(await service.http.get(`/api/occupations/${uuid}/`), 400);

      const created = await service.http.post('/api/occupations/', { name: `Job ${uniqueUsername()}` }, { token: admin.token });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(Number), name: expect.any(String) });
      expect(created.body.id).toBeGreaterThan(Math.max(...all.body.map((o: { id: number }) => o.id)));
      expect((await service.http.get(`/api/occupations/${created.body.id}/`)).body).toEqual(created.body);
      expectDetail(await service.http.post('/api/occupations/', { name: 'Anything' }, { token: user.token }), 403);
      expectDetail(await service.http.post('/api/occupations/', { name: 'Engineer' }, { token: admin.token }), 400);
    });

    it('lists the users of an occupation for admin+, by its 000 id', async () => {
      const occupation = (await service.http.get('/api/v1/occupations?name=Pilot')).body.data.data[0];
      const code = (await service.http.get('/api/occupations/')).body.find((o: { name: string }) => o.name === 'Pilot').id;
      const pilot = await registerUser(service.http, { profile: { occupation: occupation.id } });
      const users = await service.http.get(`/api/occupations/${code}/users/`, { token: admin.token });
      expect(users.status).toBe(200);
      const shown = users.body.find((u: { username: string }) => u.username === pilot.username);
      expect(shown.id).toBe(await int('users', pilot.id));
      expect(shown.profile.occupation).toEqual({ id: code, name: 'Pilot' });
      expectDetail(await service.http.get(`/api/occupations/${code}/users/`, { token: user.token }), 403);
      expectDetail(await service.http.get(`/api/occupations/${code}/users/`), 401);
      expectDetail(await service.http.get('/api/occupations/987654/users/', { token: admin.token }), 404);
      expectDetail(await service.http.get(`/api/occupations/${occupation.id}/users/`, { token: admin.token }), 400);
    });
  });

  describe('user logs', () => {
    it('lists records with { id, user, ip, operation, operator, operate_time }', async () => {
      const target = await registerUser(service.http);
      const targetId = await int('users', target.id);
      const all = await service.http.get('/api/user-logs/', { token: admin.token });
      expect(all.status).toBe(200);
      const record = all.body.find((r: { user: number; operation: number }) => r.user === targetId && r.operation === 0);
      expect(record).toEqual(
        expect.objectContaining({
          id: expect.any(Number),
          user: targetId,
          ip: expect.any(String),
          operation: 0,
          operator: targetId,
          operate_time: expect.any(String),
        }),
      );
      for (const shown of all.body) {
        expect(Number.isInteger(shown.id)).toBe(true);
        for (const field of ['user', 'operator']) expect(shown[field] === null || Number.isInteger(shown[field])).toBe(true);
      }
      const one = await service.http.get(`/api/user-logs/${record.id}/`, { token: admin.token });
      expect(one.body).toEqual(record);
      const filtered = await service.http.get(`/api/user-logs/?user=${targetId}`, { token: admin.token });
      expect(filtered.status).toBe(200);
      expect(filtered.body.map((r: { operation: number }) => r.operation)).toEqual([0, 3]);
      for (const shown of filtered.body) expect(shown.user).toBe(targetId);
      expect((await service.http.get('/api/user-logs/?user=987654321', { token: admin.token })).body).toEqual([]);
      expectDetail(await service.http.get(`/api/user-logs/?user=${target.id}`, { token: admin.token }), 400);
      expectDetail(await service.http.get('/api/user-logs/?user=abc', { token: admin.token }), 400);
      const mine = await service.http.get(`/api/users/${targetId}/user-logs/`, { token: target.token });
      expect(mine.body.map((r: { operation: number }) => r.operation)).toEqual([0, 3]);
      expect(mine.body.map((r: { id: number }) => r.id)).toContain(record.id);
      expectDetail(await service.http.get('/api/user-logs/', { token: user.token }), 403);
      expectDetail(await service.http.get(`/api/user-logs/${record.id}/`, { token: user.token }), 403);
      expectDetail(await service.http.get(`/api/users/${await int('users', admin.id)}/user-logs/`, { token: user.token }), 403);
      expectDetail(await service.http.get('/api/user-logs/987654321/', { token: admin.token }), 404);
      expectDetail(await service.http.get('/api/users/987654321/user-logs/', { token: admin.token }), 404);
      expectDetail(await service.http.get(`/api/user-logs/${randomUUID()}/`, { token: admin.token }), 400);
      expectDetail(await service.http.get(`/api/users/${target.id}/user-logs/`, { token: admin.token }), 400);
    });
  });

  describe('black list', () => {
    it('lists active entries with the user under `patient`', async () => {
      const target = await registerUser(service.http);
      const created = await service.http.post('/api/v1/black-list', { user: target.id, reason: 'no-show' }, { token: admin.token });
      const response = await service.http.get('/api/black-list/', { token: admin.token });
      expect(response.status).toBe(200);
      const patient = await int('users', target.id);
      const entry = response.body.find((e: { patient: number }) => e.patient === patient);
      expect(entry).toEqual({
        id: await int('black_list', created.body.data.id),
        patient,
        join_time: expect.any(String),
        is_delete: 0,
        reason: 'no-show',
        operator: await int('users', admin.id),
        removed_at: null,
        removed_by: null,
      });
      expect(entry).not.toHaveProperty('user');
      const filtered = await service.http.get(`/api/black-list/?patient=${patient}`, { token: admin.token });
      expect(filtered.body).toEqual([entry]);
      expect((await service.http.get('/api/black-list/?patient=987654321', { token: admin.token })).body).toEqual([]);
      expectDetail(await service.http.get(`/api/black-list/?patient=${target.id}`, { token: admin.token }), 400);
      // The audit record of the blacklisting names the entry by its 000 id too.
      const logs = await service.http.get(`/api/users/${patient}/user-logs/`, { token: admin.token });
      const blacklisted = logs.body.find((r: { operation: number }) => r.operation === 10);
      expect(blacklisted).toEqual(
        expect.objectContaining({ user: patient, operator: entry.operator, details: expect.objectContaining({ entry_id: entry.id }) }),
      );
      expectDetail(await service.http.get('/api/black-list/', { token: user.token }), 403);
    });
  });

  it('answers unknown routes under its paths with 404 { detail }', async () => {
    expectDetail(await service.http.get('/api/users/whatever/unknown/', { token: admin.token }), 404);
  });
});
