import { randomUUID } from 'node:crypto';
import { withClient } from '../support/database';
import { createUserWithRole, login, registerUser, signInRoles, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

describe('Blacklist (/black-list) and login status', () => {
  let service: RunningService;
  let superadmin: TestUser;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    service = await startService({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '600' });
    ({ superadmin, admin, user } = await signInRoles(service.http));
  });
  afterAll(() => service?.dispose());

  const blacklist = (target: TestUser, token = admin.token, reason = 'abuse') =>
    service.http.post('/api/v1/black-list', { user: target.id, reason }, { token });

  it('blacklists a user: their existing token is refused on the very next request, login gets 40303 after a correct password', async () => {
    const target = await registerUser(service.http);
    const other = await login(service.http, { username: target.username }, target.password);
    const response = await blacklist(target);
    expectEnvelope(response, 201);
    expect(response.body.data).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        user: target.id,
        reason: 'abuse',
        is_delete: 0,
        operator: admin.id,
        removed_at: null,
        removed_by: null,
        join_time: expect.any(String),
      }),
    );
    expectEnvelope(await service.http.get('/api/v1/auth/me', { token: target.token }), 401, 40101);
    expectEnvelope(await service.http.get('/api/v1/auth/me', { token: other.token }), 401, 40101);
    expectEnvelope(await service.http.post('/api/v1/auth/refresh', { refresh_token: target.refreshToken }), 401, 40101);
    expectEnvelope(await service.http.post('/api/v1/auth/login', { username: target.username, password: 'wrong-password' }), 401, 40102);
    expectEnvelope(await service.http.post('/api/v1/auth/login', { username: target.username, password: target.password }), 403, 40303);
  });

  it('refuses a token the instant an entry appears, even one written straight to the database', async () => {
    const target = await registerUser(service.http);
    await withClient(service.databaseUrl, (client) =>
      client.query(`INSERT INTO black_list (user_id, reason) VALUES ($1, 'direct')`, [target.id]),
    );
    expectEnvelope(await service.http.get('/api/v1/auth/me', { token: target.token }), 401, 40101);
  });

  it('removes an entry (is_delete 1, removed_at, removed_by): the history stays and the user can log in again', async () => {
    const target = await registerUser(service.http);
    const entry = (await blacklist(target)).body.data;
    const removed = await service.http.delete(`/api/v1/black-list/${entry.id}`, { token: admin.token });
    expectEnvelope(removed, 200);
    expect(removed.body.data).toEqual(
      expect.objectContaining({ id: entry.id, is_delete: 1, removed_by: admin.id, removed_at: expect.any(String) }),
    );
    expectEnvelope(await service.http.post('/api/v1/auth/login', { username: target.username, password: target.password }), 200);
    expectEnvelope(await service.http.delete(`/api/v1/black-list/${entry.id}`, { token: admin.token }), 409, 40903);
    const history = await service.http.get(`/api/v1/black-list?user=${target.id}&is_delete=1`, { token: admin.token });
    expect(history.body.data.data.map((e: { id: string }) => e.id)).toEqual([entry.id]);
    const logs = await service.http.get(`/api/v1/user-logs?user=${target.id}`, { token: admin.token });
    const operations = logs.body.data.data.map((r: { operation: number }) => r.operation);
    expect(operations).toEqual(expect.arrayContaining([10, 11]));
    // Blacklisting again after removal is allowed: one active entry at a time.
    expectEnvelope(await blacklist(target), 201);
  });

  it('keeps one active entry per user (40903), enforced by the database under concurrency', async () => {
    const target = await registerUser(service.http);
    const responses = await Promise.all(Array.from({ length: 10 }, () => blacklist(target)));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    for (const response of responses.filter((r) => r.status === 409)) expect(response.body.errorCode).toBe(40903);
  });

  it('applies the lower-role rule: admins only on users, superadmins on admins, nobody on superadmins or themselves', async () => {
    const otherAdmin = await createUserWithRole(service.http, 'admin', superadmin.token);
    expectEnvelope(await blacklist(otherAdmin), 403, 40301);
    expectEnvelope(await blacklist(admin, admin.token), 403, 40301);
    expectEnvelope(await blacklist(superadmin, superadmin.token), 403, 40301);
    const entry = await blacklist(otherAdmin, superadmin.token);
    expectEnvelope(entry, 201);
    expectEnvelope(await service.http.get(`/api/v1/black-list/${entry.body.data.id}`, { token: admin.token }), 403, 40301);
    expectEnvelope(await service.http.delete(`/api/v1/black-list/${entry.body.data.id}`, { token: admin.token }), 403, 40301);
    const adminView = await service.http.get('/api/v1/black-list?limit=100', { token: admin.token });
    expect(adminView.body.data.data.map((e: { id: string }) => e.id)).not.toContain(entry.body.data.id);
    const superView = await service.http.get('/api/v1/black-list?limit=100', { token: superadmin.token });
    expect(superView.body.data.data.map((e: { id: string }) => e.id)).toContain(entry.body.data.id);
  });

  it('lists active entries by default, filters by user, reads one', async () => {
    const target = await registerUser(service.http);
    const entry = (await blacklist(target, admin.token, 'spam')).body.data;
    const list = await service.http.get('/api/v1/black-list?limit=100', { token: admin.token });
    expectEnvelope(list, 200);
    expect(list.body.data.data.every((e: { is_delete: number }) => e.is_delete === 0)).toBe(true);
    expect(list.body.data.total).toBeGreaterThanOrEqual(list.body.data.count);
    const mine = await service.http.get(`/api/v1/black-list?user=${target.id}`, { token: admin.token });
    expect(mine.body.data.count).toBe(1);
    const one = await service.http.get(`/api/v1/black-list/${entry.id}`, { token: admin.token });
    expectEnvelope(one, 200);
    expect(one.body.data.reason).toBe('spam');
  });

  it('refuses bad input (40001), unknown users and entries (40401), users (40301) and anonymous callers (40101)', async () => {
    const target = await registerUser(service.http);
    expectEnvelope(await service.http.post('/api/v1/black-list', { user: target.id }, { token: admin.token }), 400, 40001);
    expectEnvelope(
      await service.http.post('/api/v1/black-list', { user: target.id, reason: 'x'.repeat(501) }, { token: admin.token }),
      400,
      40001,
    );
    expectEnvelope(await service.http.post('/api/v1/black-list', { user: 'nobody', reason: 'x' }, { token: admin.token }), 400, 40001);
    expectEnvelope(await service.http.post('/api/v1/black-list', { user: randomUUID(), reason: 'x' }, { token: admin.token }), 404, 40401);
    expectEnvelope(await service.http.get(`/api/v1/black-list/${randomUUID()}`, { token: admin.token }), 404, 40401);
    expectEnvelope(await service.http.delete(`/api/v1/black-list/${randomUUID()}`, { token: admin.token }), 404, 40401);
    expectEnvelope(await service.http.get('/api/v1/black-list?is_delete=2', { token: admin.token }), 400, 40001);
    expectEnvelope(await service.http.get('/api/v1/black-list', { token: user.token }), 403, 40301);
    expectEnvelope(await service.http.post('/api/v1/black-list', { user: target.id, reason: 'x' }, { token: user.token }), 403, 40301);
    expectEnvelope(await service.http.get('/api/v1/black-list'), 401, 40101);
  });

  describe('GET /users/:id/login-status', () => {
    it('answers can_login with no reasons for a healthy account', async () => {
      const target = await registerUser(service.http);
      const response = await service.http.get(`/api/v1/users/${target.id}/login-status`, { token: admin.token });
      expectEnvelope(response, 200);
      expect(response.body.data).toEqual({ user: target.id, username: target.username, can_login: true, reasons: [] });
    });

    it('lists every reason at once: deleted, disabled, blacklisted (reason, since) and locked out (until)', async () => {
      const target = await registerUser(service.http);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await service.http.post('/api/v1/auth/login', { username: target.username, password: 'wrong-password' });
      }
      await blacklist(target, admin.token, 'chargebacks');
      await service.http.patch(`/api/v1/users/${target.id}`, { state: 0 }, { token: admin.token });
      await service.http.delete(`/api/v1/users/${target.id}`, { token: superadmin.token });
      const response = await service.http.get(`/api/v1/users/${target.id}/login-status`, { token: superadmin.token });
      expectEnvelope(response, 200);
      expect(response.body.data.can_login).toBe(false);
      const byCode = Object.fromEntries(response.body.data.reasons.map((reason: { code: string }) => [reason.code, reason]));
      expect(Object.keys(byCode).sort()).toEqual(['blacklisted', 'deleted', 'disabled', 'locked_out']);
      expect(byCode.blacklisted).toEqual(
        expect.objectContaining({ reason: 'chargebacks', since: expect.any(String), entry: expect.any(String) }),
      );
      expect(byCode.disabled.since).toEqual(expect.any(String));
      expect(byCode.deleted.since).toEqual(expect.any(String));
      // One lock per account, whichever identifier is typed: reported for both.
      const locks = response.body.data.reasons.filter((reason: { code: string }) => reason.code === 'locked_out');
      expect(locks.map((lock: { identifier: string }) => lock.identifier)).toEqual(['username', 'email']);
      expect(byCode.locked_out).toEqual(expect.objectContaining({ until: expect.any(String) }));
      expect(new Date(byCode.locked_out.until).getTime()).toBeGreaterThan(Date.now());
    });

    it('tells an admin only what they may see elsewhere: no deleted_at, no reason of an entry they cannot manage', async () => {
      const otherAdmin = await createUserWithRole(service.http, 'admin', superadmin.token);
      await blacklist(otherAdmin, superadmin.token, 'secret reason');
      await service.http.delete(`/api/v1/users/${otherAdmin.id}`, { token: superadmin.token });
      const asAdmin = await service.http.get(`/api/v1/users/${otherAdmin.id}/login-status`, { token: admin.token });
      const byCode = Object.fromEntries(asAdmin.body.data.reasons.map((reason: { code: string }) => [reason.code, reason]));
      expect(byCode.deleted).toEqual({ code: 'deleted', since: null });
      expect(byCode.blacklisted).toEqual({ code: 'blacklisted', since: expect.any(String) });
      const asSuperadmin = await service.http.get(`/api/v1/users/${otherAdmin.id}/login-status`, { token: superadmin.token });
      const full = Object.fromEntries(asSuperadmin.body.data.reasons.map((reason: { code: string }) => [reason.code, reason]));
      expect(full.deleted.since).toEqual(expect.any(String));
      expect(full.blacklisted.reason).toBe('secret reason');
    });

    it('refuses users (40301), unknown ids (40401) and anonymous callers (40101)', async () => {
      expectEnvelope(await service.http.get(`/api/v1/users/${user.id}/login-status`, { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.get(`/api/v1/users/${randomUUID()}/login-status`, { token: admin.token }), 404, 40401);
      expectEnvelope(await service.http.get(`/api/v1/users/${user.id}/login-status`), 401, 40101);
    });
  });
});
