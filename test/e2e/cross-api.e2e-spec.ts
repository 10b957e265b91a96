import { newAccount, signInRoles, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

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
    const id = registered.body.id;

    const login = await service.http.post('/api/v1/user/login', { username: account.username, password: account.password });
    expectEnvelope(login, 200);
    expect(login.body.data.id).toBe(id);

    const listed000 = await service.http.get('/api/users/', { token: admin.token });
    expect(listed000.body.map((u: { id: string }) => u.id)).toContain(id);

    const canonical = await service.http.get(`/api/v1/users?username=${account.username}`, { token: superadmin.token });
    expect(canonical.body.data.data).toEqual([
      expect.objectContaining({ id, username: account.username, email: account.email, phone_number: '13600000000' }),
    ]);
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
