import { randomUUID } from 'node:crypto';
import { withClient } from '../support/database';
import { newAccount, signInRoles, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

describe('Invitations', () => {
  let service: RunningService;
  let superadmin: TestUser;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    service = await startService({ LOGIN_MAX_FAILURES: '5', LOGIN_LOCK_SECONDS: '600' });
    ({ superadmin, admin, user } = await signInRoles(service.http));
  });
  afterAll(() => service?.dispose());

  const createInvitation = async (body: Record<string, unknown> = {}): Promise<any> => {
    const response = await service.http.post('/api/v1/invitations', body, { token: superadmin.token });
    expectEnvelope(response, 201);
    return response.body.data;
  };

  it('creates a code of at least 128 random bits, shown once and stored only as a hash', async () => {
    const invitation = await createInvitation({ max_uses: 3 });
    expect(invitation).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        role: 'admin',
        max_uses: 3,
        uses: 0,
        created_by: superadmin.id,
        revoked_at: null,
        status: 'active',
        expires_at: expect.any(String),
      }),
    );
    expect(invitation.code).toMatch(/^inv_[A-Za-z0-9_-]{32}$/);
    const stored = await withClient(service.databaseUrl, (client) =>
      client.query('SELECT * FROM invitations WHERE id = $1', [invitation.id]),
    );
    expect(JSON.stringify(stored.rows[0])).not.toContain(invitation.code);
    const list = await service.http.get('/api/v1/invitations', { token: superadmin.token });
    expectEnvelope(list, 200);
    expect(list.body.data.data.find((i: { id: string }) => i.id === invitation.id)).not.toHaveProperty('code');
    expect(list.text).not.toContain(invitation.code);
  });

  it('registers an admin with a database code, counts the use, and records which invitation made the admin', async () => {
    const invitation = await createInvitation({ max_uses: 2 });
    const account = newAccount();
    const response = await service.http.post('/api/v1/auth/register', { ...account, is_admin: 1, invitation: invitation.code });
    expectEnvelope(response, 201);
    expect(response.body.data.role).toBe('admin');
    const stored = await withClient(service.databaseUrl, async (client) => ({
      user: (await client.query('SELECT invitation_id FROM users WHERE id = $1', [response.body.data.id])).rows[0],
      audit: (await client.query('SELECT details FROM audit_logs WHERE user_id = $1 AND operation = 3', [response.body.data.id])).rows[0],
    }));
    expect(stored.user.invitation_id).toBe(invitation.id);
    expect(stored.audit.details).toEqual(expect.objectContaining({ role: 'admin', invitation_id: invitation.id }));
    const list = await service.http.get('/api/v1/invitations', { token: superadmin.token });
    expect(list.body.data.data.find((i: { id: string }) => i.id === invitation.id).uses).toBe(1);
  });

  it('creates exactly one admin from 20 parallel registrations with a one-use code', async () => {
    const invitation = await createInvitation({ max_uses: 1 });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        service.http.post('/api/v1/auth/register', { ...newAccount(), is_admin: 1, invitation: invitation.code }),
      ),
    );
    const created = responses.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    for (const response of responses.filter((r) => r.status !== 201)) expectEnvelope(response, 400, 40002);
    const admins = await withClient(service.databaseUrl, (client) =>
      client.query('SELECT count(*)::int AS n FROM users WHERE invitation_id = $1', [invitation.id]),
    );
    expect(admins.rows[0].n).toBe(1);
  });

  it('refuses a wrong, expired, revoked or used-up code with 40002 and creates nothing', async () => {
    const used = await createInvitation({ max_uses: 1 });
    expectEnvelope(await service.http.post('/api/v1/auth/register', { ...newAccount(), is_admin: 1, invitation: used.code }), 201);
    const revoked = await createInvitation();
    expectEnvelope(await service.http.delete(`/api/v1/invitations/${revoked.id}`, { token: superadmin.token }), 200);
    const expired = await createInvitation();
    await withClient(service.databaseUrl, (client) =>
      client.query(`UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, [expired.id]),
    );
    for (const code of [used.code, revoked.code, expired.code, 'inv_wrongwrongwrongwrongwrongwrong12']) {
      const account = newAccount();
      expectEnvelope(await service.http.post('/api/v1/auth/register', { ...account, is_admin: 1, invitation: code }), 400, 40002);
      const exists = await withClient(service.databaseUrl, (client) =>
        client.query('SELECT 1 FROM users WHERE username = $1', [account.username]),
      );
      expect(exists.rowCount).toBe(0);
    }
    const list = await service.http.get('/api/v1/invitations?limit=100', { token: superadmin.token });
    const status = (id: string) => list.body.data.data.find((i: { id: string }) => i.id === id).status;
    expect([status(used.id), status(revoked.id), status(expired.id)]).toEqual(['used_up', 'revoked', 'expired']);
  });

  it('rate limits repeated guessing per client (42901 with Retry-After)', async () => {
    const local = await startService({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '600' });
    try {
      const roles = await signInRoles(local.http);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expectEnvelope(
          await local.http.post('/api/v1/auth/register', { ...newAccount(), is_admin: 1, invitation: `guess-${attempt}-aaaaaaaa` }),
          400,
          40002,
        );
      }
      const invitation = (await local.http.post('/api/v1/invitations', {}, { token: roles.superadmin.token })).body.data;
      const locked = await local.http.post('/api/v1/auth/register', { ...newAccount(), is_admin: 1, invitation: invitation.code });
      expectEnvelope(locked, 429, 42901);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
      // Ordinary registrations are not affected.
      expectEnvelope(await local.http.post('/api/v1/auth/register', newAccount()), 201);
    } finally {
      await local.dispose();
    }
  });

  it('revokes (superadmin), 40903 when already revoked, 40401 for an unknown id', async () => {
    const invitation = await createInvitation();
    const revoked = await service.http.delete(`/api/v1/invitations/${invitation.id}`, { token: superadmin.token });
    expectEnvelope(revoked, 200);
    expect(revoked.body.data).toEqual(expect.objectContaining({ status: 'revoked', revoked_at: expect.any(String) }));
    expect(revoked.body.data).not.toHaveProperty('code');
    expectEnvelope(await service.http.delete(`/api/v1/invitations/${invitation.id}`, { token: superadmin.token }), 409, 40903);
    expectEnvelope(await service.http.delete(`/api/v1/invitations/${randomUUID()}`, { token: superadmin.token }), 404, 40401);
  });

  it('is for superadmins only (admins and users 40301, anonymous callers 40101)', async () => {
    for (const token of [admin.token, user.token]) {
      expectEnvelope(await service.http.post('/api/v1/invitations', {}, { token }), 403, 40301);
      expectEnvelope(await service.http.get('/api/v1/invitations', { token }), 403, 40301);
      expectEnvelope(await service.http.delete(`/api/v1/invitations/${randomUUID()}`, { token }), 403, 40301);
    }
    expectEnvelope(await service.http.post('/api/v1/invitations', {}), 401, 40101);
  });

  it('validates the body (40001)', async () => {
    for (const body of [
      { max_uses: 0 },
      { max_uses: 'two' },
      { role: 'superadmin' },
      { expires_at: '2000-01-01T00:00:00Z' },
      { expires_at: 'soon' },
      { code: 'mine' },
    ]) {
      expectEnvelope(await service.http.post('/api/v1/invitations', body, { token: superadmin.token }), 400, 40001);
    }
  });
});
