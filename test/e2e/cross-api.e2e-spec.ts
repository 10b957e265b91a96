import { newAccount, signInRoles, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';
import { id000Of, id001Of } from '../support/source-ids';

/** One user across the four APIs: the same services, the same rules. */
describe('Across the canonical and source APIs', () => {
  let service: RunningService;
  let superadmin: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    service = await startService();
    ({ superadmin, admin } = await signInRoles(service.http));
  });
  afterAll(() => service?.dispose());

  it('a user registered through 001 logs in through 003, is listed by 000 and shows up in /api/v1/users', async () => {
    const account = newAccount();
    const registered = await service.http.post('/api/register/', {
      is_admin: 0,
      username: account.username,
      password: account.password,
      tel: '13600000000',
      email: account.email,
    });
    expect(registered.status).toBe(200);
    const id001 = registered.body.id;

    const login = await service.http.post('/api/v1/user/login', { username: account.username, password: account.password });
    expectEnvelope(login, 200);
    const id = login.body.data.id;
    expect(await id001Of(service.databaseUrl, id)).toBe(id001);

    const listed000 = await service.http.get('/api/users/', { token: admin.token });
    expect(listed000.body.find((u: { username: string }) => u.username === account.username).id).toBe(
      await id000Of(service.databaseUrl, 'users', id),
    );

    const canonical = await service.http.get(`/api/v1/users?username=${account.username}`, { token: superadmin.token });
    expect(canonical.body.data.data).toEqual([
      expect.objectContaining({ id, username: account.username, email: account.email, phone_number: '13600000000', source_ids: {} }),
    ]);
  });

  it('a user registered through the canonical API is the same person on 000 (an integer id) and 001 (an ObjectId)', async () => {
    const account = newAccount({ phone_number: '13600000001' });
    const registered = await service.http.post('/api/v1/auth/register', account);
    expectEnvelope(registered, 201);
    const uuid = registered.body.data.id;
    expect(registered.body.data.source_ids).toEqual({});

    // 000: the login names the user by an integer, and that integer addresses them.
    const login000 = await service.http.post('/api/auth/', { username: account.username, password: account.password });
    expect(login000.status).toBe(200);
    const id000 = login000.body.user.id;
    expect(Number.isInteger(id000)).toBe(true);
    const via000 = await service.http.get(`/api/users/${id000}/`, { token: admin.token });
    expect(via000.body).toEqual(expect.objectContaining({ id: id000, username: account.username, email: account.email }));

    // 001: the ObjectId the database gave the user addresses them.
    const id001 = await id001Of(service.databaseUrl, uuid);
    expect(id001).toMatch(/^[0-9a-f]{24}$/);
    const via001 = await service.http.get(`/api/query/${id001}`, { token: admin.token });
    expect(via001.body.user).toEqual({ user_id: id001, user_name: account.username, user_phone: '13600000001', user_email: account.email });

    // 003 and the canonical API: the UUID.
    const via003 = await service.http.get(`/api/v1/user/info/${uuid}`, { token: admin.token });
    expect(via003.body.data).toEqual(expect.objectContaining({ id: uuid, username: account.username }));
    const me = await service.http.get('/api/v1/auth/me', { token: login000.body.token });
    expect(me.body.data).toEqual(expect.objectContaining({ id: uuid, username: account.username, source_ids: {} }));
  });

  it('new records through any API get the next ids: consecutive registrations increasing 000 ids, each with an ObjectId', async () => {
    const ids000: number[] = [];
    const ids001: string[] = [];
    const record = async (uuid: string): Promise<void> => {
      ids000.push(await id000Of(service.databaseUrl, 'users', uuid));
      ids001.push(await id001Of(service.databaseUrl, uuid));
    };
    const uuidOf = async (username: string): Promise<string> =>
      (await service.http.get(`/api/v1/users?username=${username}`, { token: superadmin.token })).body.data.data[0].id;

    const canonical = newAccount();
    await record((await service.http.post('/api/v1/auth/register', canonical)).body.data.id);
    const byStaff = newAccount();
    await record((await service.http.post('/api/v1/users', byStaff, { token: superadmin.token })).body.data.id);
    const via000 = newAccount();
    const registered000 = await service.http.post('/api/users/', via000);
    ids000.push(registered000.body.id);
    ids001.push(await id001Of(service.databaseUrl, await uuidOf(via000.username)));
    const via001 = newAccount();
    const registered001 = await service.http.post('/api/register/', {
      username: via001.username,
      password: via001.password,
      email: via001.email,
    });
    ids000.push(await id000Of(service.databaseUrl, 'users', await uuidOf(via001.username)));
    ids001.push(registered001.body.id);
    const via003 = newAccount();
    await record((await service.http.post('/api/v1/user/register', via003)).body.data.id);

    for (let i = 1; i < ids000.length; i++) expect(ids000[i]).toBeGreaterThan(ids000[i - 1]);
    expect(new Set(ids001).size).toBe(ids001.length);
    for (const id of ids001) expect(id).toMatch(/^[0-9a-f]{24}$/);
    for (const [i, account] of [canonical, byStaff, via000, via001, via003].entries()) {
      expect((await service.http.get(`/api/users/${ids000[i]}/`, { token: admin.token })).body.username).toBe(account.username);
      expect((await service.http.get(`/api/query/${ids001[i]}`, { token: admin.token })).body.user.user_name).toBe(account.username);
    }
  });

  it('new groups, user logs and blacklist entries get the next 000 ids, shown by the 000 API', async () => {
    const groupIds: number[] = [];
    for (let i = 0; i < 2; i++) {
      const group = await service.http.post('/api/v1/groups', { name: `G ${newAccount().username}` }, { token: admin.token });
      groupIds.push(await id000Of(service.databaseUrl, 'groups', group.body.data.id));
    }
    expect(groupIds[1]).toBeGreaterThan(groupIds[0]);
    expect((await service.http.get(`/api/groups/${groupIds[1]}/`, { token: admin.token })).body.id).toBe(groupIds[1]);

    const entryIds: number[] = [];
    for (let i = 0; i < 2; i++) {
      const account = newAccount();
      const user = (await service.http.post('/api/v1/auth/register', account)).body.data;
      const entry = await service.http.post('/api/v1/black-list', { user: user.id, reason: 'no-show' }, { token: admin.token });
      entryIds.push(await id000Of(service.databaseUrl, 'black_list', entry.body.data.id));
    }
    expect(entryIds[1]).toBeGreaterThan(entryIds[0]);
    const listed = (await service.http.get('/api/black-list/', { token: admin.token })).body.map((e: { id: number }) => e.id);
    expect(listed).toEqual(expect.arrayContaining(entryIds));

    const logs = (await service.http.get('/api/user-logs/?limit=5', { token: admin.token })).body.map((r: { id: number }) => r.id);
    // Each record with an integer id of its own (the blacklisting above wrote some of them).
    expect(logs).toHaveLength(5);
    for (const id of logs) expect(Number.isInteger(id)).toBe(true);
    expect(new Set(logs).size).toBe(5);
  });

  it('a user blacklisted through the canonical API is refused by all three source logins', async () => {
    const account = newAccount();
    const registered = await service.http.post('/api/v1/auth/register', account);
    await service.http.post('/api/v1/black-list', { user: registered.body.data.id, reason: 'fraud' }, { token: admin.token });

    const via003 = await service.http.post('/api/v1/user/login', { username: account.username, password: account.password });
    expectEnvelope(via003, 403, 40303);
    const via001 = await service.http.post('/api/login/', { is_admim: 0, email: account.email, password: account.password });
    expect(via001.status).toBe(403);
    expect(via001.body.result).toBe('This account is blacklisted');
    const via000 = await service.http.post('/api/auth/', { username: account.username, password: account.password });
    expect(via000.status).toBe(403);
    expect(via000.body.detail).toEqual(expect.any(String));
  });

  it('a token from any API works on every API, and its revocation is seen everywhere', async () => {
    const account = newAccount();
    await service.http.post('/api/v1/auth/register', account);
    const token = (await service.http.post('/api/auth/', { username: account.username, password: account.password })).body.token;
    expectEnvelope(await service.http.get('/api/v1/auth/me', { token }), 200);
    await service.http.post('/api/v1/auth/logout', undefined, { token });
    expect((await service.http.get('/api/users/', { token })).status).toBe(401);
    expect((await service.http.post('/api/queryall/', {}, { token })).status).toBe(403);
  });

  it('shares one login rate limit per client across all APIs', async () => {
    const local = await startService({ RATE_LIMIT_LOGIN: '3' });
    try {
      const body = { username: 'nobody12', password: 'wrong-one' };
      expect((await local.http.post('/api/v1/auth/login', body)).status).toBe(401);
      expect((await local.http.post('/api/auth/', body)).status).toBe(400);
      expect((await local.http.post('/api/v1/user/login', body)).status).toBe(401);
      const limited = await local.http.post('/api/login/', { email: 'nobody@example.com', password: 'x' });
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual(expect.objectContaining({ result: expect.any(String) }));
      expect(limited.headers.get('retry-after')).toBeTruthy();
    } finally {
      await local.dispose();
    }
  });
});
