import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { withClient } from '../support/database';
import { createUserWithRole, login, newAccount, registerUser, signInSuperadmin, TestUser, uniqueUsername } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

const INVITATION = 'static-invite-code-0123456789';

describe('Auth', () => {
  let service: RunningService;
  let superadmin: TestUser;

  beforeAll(async () => {
    service = await startService({ ADMIN_INVITATION_CODE: INVITATION, REFRESH_REUSE_GRACE_SECONDS: '1' });
    superadmin = await signInSuperadmin(service.http);
  });
  afterAll(() => service?.dispose());

  const auditOperations = (userId: string): Promise<number[]> =>
    withClient(service.databaseUrl, async (client) => {
      const { rows } = await client.query('SELECT operation FROM audit_logs WHERE user_id = $1 ORDER BY seq', [userId]);
      return rows.map((row: { operation: number }) => row.operation);
    });

  describe('POST /auth/register', () => {
    it('creates a user (201) and answers with the full view, never the password', async () => {
      const account = newAccount({
        email: `Mixed.Case${Date.now()}@Example.COM`,
        phone_number: '+8618888888888',
        profile: { name: '张三', age: 30, gender: 1, identify_id: '100000190001010001' },
      });
      const response = await service.http.post('/api/v1/auth/register', account);
      expectEnvelope(response, 201);
      const user = response.body.data;
      expect(user).toEqual(
        expect.objectContaining({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          username: account.username,
          email: (account.email as string).toLowerCase(),
          phone_number: '+8618888888888',
          role: 'user',
          state: 1,
          created_at: expect.any(String),
          updated_at: expect.any(String),
          last_login_at: null,
          deleted_at: null,
        }),
      );
      expect(user.profile).toEqual(
        expect.objectContaining({ name: '张三', name_pinyin: 'zhang san', age: 30, gender: 1, identify_id: '100000190001010001' }),
      );
      expect(response.text).not.toMatch(/password|argon2/i);
      expect(await auditOperations(user.id)).toEqual([3]);
    });

    it('refuses a taken username case-insensitively with 40901', async () => {
      const account = newAccount();
      expectEnvelope(await service.http.post('/api/v1/auth/register', account), 201);
      const again = newAccount({ username: account.username.toUpperCase() });
      expectEnvelope(await service.http.post('/api/v1/auth/register', again), 409, 40901);
    });

    it('refuses a taken email case-insensitively with 40902', async () => {
      const account = newAccount();
      expectEnvelope(await service.http.post('/api/v1/auth/register', account), 201);
      const again = newAccount({ email: account.email.toUpperCase() });
      expectEnvelope(await service.http.post('/api/v1/auth/register', again), 409, 40902);
    });

    it('gives exactly one 201 and 409s to 20 parallel registrations of one username', async () => {
      const username = uniqueUsername('race');
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          service.http.post('/api/v1/auth/register', newAccount({ username, email: `${username}.${index}@example.com` })),
        ),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses.filter((status) => status === 201)).toHaveLength(1);
      expect(statuses.filter((status) => status === 409)).toHaveLength(19);
      for (const response of responses.filter((r) => r.status === 409)) expect(response.body.errorCode).toBe(40901);
      const count = await withClient(service.databaseUrl, (client) =>
        client.query('SELECT count(*)::int AS n FROM users WHERE lower(username) = lower($1)', [username]),
      );
      expect(count.rows[0].n).toBe(1);
    });

    it.each([
      ['a short username', { username: 'abc' }, 'username'],
      ['a username with symbols', { username: 'bad_name!' }, 'username'],
      ['a bad email', { email: 'nope' }, 'email'],
      ['a short password', { password: '12345' }, 'password'],
      ['a long password', { password: 'x'.repeat(129) }, 'password'],
      ['a bad phone number', { phone_number: '12ab' }, 'phone_number'],
      ['an age over 150', { profile: { age: 151 } }, 'profile.age'],
      ['a bad identify_id', { profile: { identify_id: '12345' } }, 'profile.identify_id'],
      ['a future birthday', { profile: { birthday: '2999-01-01' } }, 'profile.birthday'],
      ['an avatar that is not http(s)', { profile: { avatar_url: 'javascript:alert(1)' } }, 'profile.avatar_url'],
      ['a bad language', { profile: { language_preference: 'fr' } }, 'profile.language_preference'],
      ['a name_pinyin (read-only)', { profile: { name_pinyin: 'x' } }, 'profile.name_pinyin'],
      ['an unknown occupation', { profile: { occupation: randomUUID() } }, 'profile.occupation'],
      ['a string age', { profile: { age: '18' } }, 'profile.age'],
      ['a role', { role: 'admin' }, 'role'],
    ])('refuses %s with 40001', async (_name, change, field) => {
      const account = { ...newAccount(), ...change };
      const response = await service.http.post('/api/v1/auth/register', account);
      expectEnvelope(response, 400, 40001);
      expect(response.body.data.errors.map((error: { field: string }) => error.field)).toContain(field);
      const exists = await withClient(service.databaseUrl, (client) =>
        client.query('SELECT 1 FROM users WHERE username = $1', [account.username]),
      );
      expect(exists.rowCount).toBe(0);
    });

    it('makes an admin with is_admin: 1 and the configured invitation code', async () => {
      const response = await service.http.post('/api/v1/auth/register', { ...newAccount(), is_admin: 1, invitation: INVITATION });
      expectEnvelope(response, 201);
      expect(response.body.data.role).toBe('admin');
    });

    it.each([
      ['a wrong code', { is_admin: 1, invitation: 'wrong-code-wrong-code' }],
      ['no code', { is_admin: 1 }],
    ])('refuses is_admin: 1 with %s (40002)', async (_name, extra) => {
      const account = { ...newAccount(), ...extra };
      expectEnvelope(await service.http.post('/api/v1/auth/register', account), 400, 40002);
    });

    it('reads is_admin "1" and true like 1', async () => {
      for (const flag of ['1', true]) {
        const response = await service.http.post('/api/v1/auth/register', { ...newAccount(), is_admin: flag, invitation: INVITATION });
        expectEnvelope(response, 201);
        expect(response.body.data.role).toBe('admin');
      }
    });

    it('registers a normal user with is_admin: 0', async () => {
      const response = await service.http.post('/api/v1/auth/register', { ...newAccount(), is_admin: 0 });
      expectEnvelope(response, 201);
      expect(response.body.data.role).toBe('user');
    });
  });

  describe('POST /auth/login', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(service.http);
    });

    it('signs in by username (any case) and answers tokens and the user', async () => {
      const response = await service.http.post('/api/v1/auth/login', { username: user.username.toUpperCase(), password: user.password });
      expectEnvelope(response, 200);
      expect(response.body.data).toEqual(
        expect.objectContaining({
          access_token: expect.any(String),
          refresh_token: expect.any(String),
          token_type: 'Bearer',
          expires_in: 900,
          user: expect.objectContaining({ id: user.id, username: user.username, last_login_at: expect.any(String) }),
        }),
      );
      expect(response.text).not.toMatch(/argon2|password/i);
    });

    it('signs in by email (any case)', async () => {
      expectEnvelope(await service.http.post('/api/v1/auth/login', { email: user.email.toUpperCase(), password: user.password }), 200);
    });

    it('needs the username and email to name the same account when both are given', async () => {
      const other = await registerUser(service.http);
      expectEnvelope(
        await service.http.post('/api/v1/auth/login', { username: user.username, email: other.email, password: user.password }),
        401,
        40102,
      );
    });

    it('answers a wrong password and an unknown account with the same 40102 message', async () => {
      const wrong = await service.http.post('/api/v1/auth/login', { username: user.username, password: 'wrong-password' });
      const unknown = await service.http.post('/api/v1/auth/login', { username: uniqueUsername('ghost'), password: 'wrong-password' });
      expectEnvelope(wrong, 401, 40102);
      expectEnvelope(unknown, 401, 40102);
      expect(unknown.body).toEqual(wrong.body);
    });

    it('never finds a user from a body without username or email (40001)', async () => {
      const response = await service.http.post('/api/v1/auth/login', { password: user.password });
      expectEnvelope(response, 400, 40001);
    });

    it('takes as long for an unknown account as for a wrong password (same order)', async () => {
      const time = async (body: object): Promise<number> => {
        const started = process.hrtime.bigint();
        await service.http.post('/api/v1/auth/login', body);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
      const wrong: number[] = [];
      const unknown: number[] = [];
      // Three real accounts take turns, so none reaches the lockout (a locked answer would skip the hash).
      const accounts = [user, await registerUser(service.http), await registerUser(service.http)];
      // Interleaved, medians of 12: without the dummy hash an unknown account would answer in a tenth of the time.
      for (let round = 0; round < 12; round += 1) {
        wrong.push(await time({ username: accounts[round % 3].username, password: `wrong-${round}` }));
        unknown.push(await time({ username: uniqueUsername('nobody'), password: `wrong-${round}` }));
      }
      await service.http.post('/api/v1/auth/login', { username: user.username, password: user.password });
      const ratio = median(unknown) / median(wrong);
      expect(ratio).toBeGreaterThan(0.33);
      expect(ratio).toBeLessThan(3);
    });

    it('tells a disabled account (40302) only after a correct password', async () => {
      const victim = await registerUser(service.http);
      expectEnvelope(await service.http.patch(`/api/v1/users/${victim.id}`, { state: 0 }, { token: superadmin.token }), 200);
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: victim.username, password: 'wrong-password' }), 401, 40102);
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: victim.username, password: victim.password }), 403, 40302);
    });

    it('refuses a deleted account like an unknown one (40102)', async () => {
      const victim = await registerUser(service.http);
      expectEnvelope(await service.http.delete(`/api/v1/users/${victim.id}`, { token: superadmin.token }), 200);
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: victim.username, password: victim.password }), 401, 40102);
    });

    it('records logins and failed logins in the audit log', async () => {
      const subject = await registerUser(service.http);
      await service.http.post('/api/v1/auth/login', { username: subject.username, password: 'wrong-password' });
      expect(await auditOperations(subject.id)).toEqual([3, 0, 2]);
    });
  });

  describe('tokens', () => {
    it('GET /auth/me answers the full view for the token owner', async () => {
      const user = await registerUser(service.http);
      const response = await service.http.get('/api/v1/auth/me', { token: user.token });
      expectEnvelope(response, 200);
      expect(response.body.data).toEqual(expect.objectContaining({ id: user.id, username: user.username, created_at: expect.any(String) }));
    });

    it('refuses a missing token with 40101', async () => {
      expectEnvelope(await service.http.get('/api/v1/auth/me'), 401, 40101);
    });

    const sign = (payload: object, options: jwt.SignOptions, secret = service.env.JWT_SECRET): string =>
      jwt.sign(payload, secret, {
        issuer: 'user-management-service',
        audience: 'user-management-api',
        ...('exp' in payload ? {} : { expiresIn: 600 }),
        ...options,
      });

    it('accepts a token it signed itself (control for the forgeries below)', async () => {
      const user = await registerUser(service.http);
      const decoded = jwt.decode(user.token) as Record<string, unknown>;
      const token = sign({ sub: decoded.sub, sid: decoded.sid, typ: 'access' }, { algorithm: 'HS256' });
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token }), 200);
    });

    it.each([
      ['garbage', () => 'not.a.token'],
      ['another secret', (sub: string, sid: string) => sign({ sub, sid, typ: 'access' }, { algorithm: 'HS256' }, 'x'.repeat(40))],
      [
        'alg none',
        (sub: string, sid: string) =>
          jwt.sign({ sub, sid, typ: 'access', iss: 'user-management-service', aud: 'user-management-api' }, '', { algorithm: 'none' }),
      ],
      ['alg HS512', (sub: string, sid: string) => sign({ sub, sid, typ: 'access' }, { algorithm: 'HS512' })],
      [
        'an expired token',
        (sub: string, sid: string) => sign({ sub, sid, typ: 'access', exp: Math.floor(Date.now() / 1000) - 10 }, { algorithm: 'HS256' }),
      ],
      ['a wrong issuer', (sub: string, sid: string) => sign({ sub, sid, typ: 'access' }, { algorithm: 'HS256', issuer: 'someone-else' })],
      ['a wrong audience', (sub: string, sid: string) => sign({ sub, sid, typ: 'access' }, { algorithm: 'HS256', audience: 'other-api' })],
      ['a wrong type', (sub: string, sid: string) => sign({ sub, sid, typ: 'refresh' }, { algorithm: 'HS256' })],
      ['an unknown session', (sub: string) => sign({ sub, sid: randomUUID(), typ: 'access' }, { algorithm: 'HS256' })],
      ["another user's session", (_sub: string, sid: string) => sign({ sub: randomUUID(), sid, typ: 'access' }, { algorithm: 'HS256' })],
    ])('refuses %s with 40101', async (_name, forge) => {
      const user = await registerUser(service.http);
      const decoded = jwt.decode(user.token) as { sub: string; sid: string };
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: forge(decoded.sub, decoded.sid) }), 401, 40101);
    });

    it('carries sub, sid, typ, iss, aud and a pinned HS256 algorithm', async () => {
      const user = await registerUser(service.http);
      const decoded = jwt.decode(user.token, { complete: true }) as jwt.Jwt;
      expect(decoded.header.alg).toBe('HS256');
      expect(decoded.payload).toEqual(
        expect.objectContaining({
          sub: user.id,
          sid: expect.any(String),
          typ: 'access',
          iss: 'user-management-service',
          aud: 'user-management-api',
        }),
      );
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates: a new pair, and the new access token works', async () => {
      const user = await registerUser(service.http);
      const response = await service.http.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
      expectEnvelope(response, 200);
      expect(response.body.data).toEqual(
        expect.objectContaining({
          access_token: expect.any(String),
          refresh_token: expect.any(String),
          token_type: 'Bearer',
          expires_in: 900,
        }),
      );
      expect(response.body.data.refresh_token).not.toBe(user.refreshToken);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: response.body.data.access_token }), 200);
    });

    it('lets two concurrent refreshes of one token both succeed with the same successor (grace window)', async () => {
      const user = await registerUser(service.http);
      const [first, second] = await Promise.all([
        service.http.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken }),
        service.http.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken }),
      ]);
      expect([first.status, second.status]).toEqual([200, 200]);
      // One chain, not two: a thief replaying within the window ends up sharing the owner's token.
      expect(first.body.data.refresh_token).toBe(second.body.data.refresh_token);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: second.body.data.access_token }), 200);
    });

    it('detects reuse of the shared successor after the window, revoking the session', async () => {
      const user = await registerUser(service.http);
      const first = await service.http.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
      const again = await service.http.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
      expect(again.body.data.refresh_token).toBe(first.body.data.refresh_token);
      expectEnvelope(await service.http.post('/api/v1/auth/refresh', { refresh_token: first.body.data.refresh_token }), 200);
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expectEnvelope(await service.http.post('/api/v1/auth/refresh', { refresh_token: again.body.data.refresh_token }), 401, 40101);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: again.body.data.access_token }), 401, 40101);
    });

    it('treats a reuse after the grace window as theft: 40101 and the whole session revoked', async () => {
      const user = await registerUser(service.http);
      const rotated = await service.http.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken });
      expectEnvelope(rotated, 200);
      await new Promise((resolve) => setTimeout(resolve, 1600));
      expectEnvelope(await service.http.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken }), 401, 40101);
      // Every token of that session is dead now, the thief's and the owner's alike.
      expectEnvelope(await service.http.post('/api/v1/auth/refresh', { refresh_token: rotated.body.data.refresh_token }), 401, 40101);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: rotated.body.data.access_token }), 401, 40101);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: user.token }), 401, 40101);
      expect(await auditOperations(user.id)).toContain(12);
    });

    it('refuses an unknown refresh token with 40101 and a missing one with 40001', async () => {
      expectEnvelope(await service.http.post('/api/v1/auth/refresh', { refresh_token: 'nope' }), 401, 40101);
      expectEnvelope(await service.http.post('/api/v1/auth/refresh', {}), 400, 40001);
    });
  });

  describe('POST /auth/logout', () => {
    it('ends the session: the access and refresh tokens stop working at once', async () => {
      const user = await registerUser(service.http);
      expectEnvelope(await service.http.post('/api/v1/auth/logout', undefined, { token: user.token }), 200);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: user.token }), 401, 40101);
      expectEnvelope(await service.http.post('/api/v1/auth/refresh', { refresh_token: user.refreshToken }), 401, 40101);
      expect(await auditOperations(user.id)).toEqual([3, 0, 1]);
    });

    it('accepts an empty JSON body', async () => {
      const user = await registerUser(service.http);
      const response = await service.http.post('/api/v1/auth/logout', undefined, {
        token: user.token,
        raw: '',
        contentType: 'application/json',
      });
      expectEnvelope(response, 200);
    });

    it('refuses a missing token with 40101', async () => {
      expectEnvelope(await service.http.post('/api/v1/auth/logout'), 401, 40101);
    });
  });

  describe('PATCH /auth/me', () => {
    it('updates the account and profile, deriving name_pinyin', async () => {
      const user = await registerUser(service.http);
      const response = await service.http.patch(
        '/api/v1/auth/me',
        { phone_number: '13800000000', profile: { name: '李小龙', language_preference: 'zh-CN' } },
        { token: user.token },
      );
      expectEnvelope(response, 200);
      expect(response.body.data.phone_number).toBe('13800000000');
      expect(response.body.data.profile).toEqual(
        expect.objectContaining({ name: '李小龙', name_pinyin: 'li xiao long', language_preference: 'zh-CN' }),
      );
      const cleared = await service.http.patch('/api/v1/auth/me', { phone_number: null, profile: { name: null } }, { token: user.token });
      expect(cleared.body.data.phone_number).toBeNull();
      expect(cleared.body.data.profile.name).toBeNull();
      expect(cleared.body.data.profile.name_pinyin).toBeNull();
      expect(await auditOperations(user.id)).toEqual([3, 0, 5, 5]);
    });

    it.each([
      ['role', { role: 'admin' }],
      ['state', { state: 0 }],
      ['password', { password: 'newpassword' }],
      ['username null', { username: null }],
    ])('refuses %s with 40001', async (_name, body) => {
      const user = await registerUser(service.http);
      expectEnvelope(await service.http.patch('/api/v1/auth/me', body, { token: user.token }), 400, 40001);
    });

    it('refuses a taken username (40901) or email (40902)', async () => {
      const [user, other] = await Promise.all([registerUser(service.http), registerUser(service.http)]);
      expectEnvelope(
        await service.http.patch('/api/v1/auth/me', { username: other.username.toUpperCase() }, { token: user.token }),
        409,
        40901,
      );
      expectEnvelope(await service.http.patch('/api/v1/auth/me', { email: other.email }, { token: user.token }), 409, 40902);
    });

    it('refuses a missing token with 40101', async () => {
      expectEnvelope(await service.http.patch('/api/v1/auth/me', { phone_number: '1234567' }), 401, 40101);
    });
  });

  describe('PUT /auth/password', () => {
    it('changes the password, keeps this session and ends the others', async () => {
      const user = await registerUser(service.http);
      const other = await login(service.http, { username: user.username }, user.password);
      const response = await service.http.put(
        '/api/v1/auth/password',
        { old_password: user.password, new_password: 'brand-new-pass' },
        { token: user.token },
      );
      expectEnvelope(response, 200);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: user.token }), 200);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: other.token }), 401, 40101);
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: user.username, password: user.password }), 401, 40102);
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: user.username, password: 'brand-new-pass' }), 200);
      expect(await auditOperations(user.id)).toContain(4);
    });

    it('refuses a wrong current password (40001 on old_password) and an unchanged one', async () => {
      const user = await registerUser(service.http);
      const wrong = await service.http.put(
        '/api/v1/auth/password',
        { old_password: 'not-it-at-all', new_password: 'brand-new-pass' },
        { token: user.token },
      );
      expectEnvelope(wrong, 400, 40001);
      expect(wrong.body.data.errors[0].field).toBe('old_password');
      const same = await service.http.put(
        '/api/v1/auth/password',
        { old_password: user.password, new_password: user.password },
        { token: user.token },
      );
      expectEnvelope(same, 400, 40001);
      expect(same.body.data.errors[0].field).toBe('new_password');
    });

    it('lets only one of several parallel changes with the same current password succeed', async () => {
      const user = await registerUser(service.http);
      const responses = await Promise.all(
        Array.from({ length: 5 }, (_, index) =>
          service.http.put(
            '/api/v1/auth/password',
            { old_password: user.password, new_password: `parallel-new-${index}` },
            { token: user.token },
          ),
        ),
      );
      expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
      for (const response of responses.filter((r) => r.status !== 200)) expectEnvelope(response, 400, 40001);
    });

    it('refuses a too-short new password with 40001 and a missing token with 40101', async () => {
      const user = await registerUser(service.http);
      expectEnvelope(
        await service.http.put('/api/v1/auth/password', { old_password: user.password, new_password: '123' }, { token: user.token }),
        400,
        40001,
      );
      expectEnvelope(await service.http.put('/api/v1/auth/password', { old_password: 'a', new_password: 'abcdefgh' }), 401, 40101);
    });
  });

  describe('sessions', () => {
    it('lists my active sessions with the current one marked', async () => {
      const user = await registerUser(service.http);
      await login(service.http, { username: user.username }, user.password);
      const response = await service.http.get('/api/v1/auth/sessions', { token: user.token });
      expectEnvelope(response, 200);
      expect(response.body.data).toEqual(expect.objectContaining({ count: 2, total: 2, page: 1, limit: 10 }));
      expect(response.body.data.data.filter((session: { current: boolean }) => session.current)).toHaveLength(1);
      expect(response.body.data.data[0]).toEqual(
        expect.objectContaining({ id: expect.any(String), ip: expect.any(String), created_at: expect.any(String) }),
      );
    });

    it('revokes one of my sessions: its token stops working at once', async () => {
      const user = await registerUser(service.http);
      const other = await login(service.http, { username: user.username }, user.password);
      const otherSession = (jwt.decode(other.token) as { sid: string }).sid;
      expectEnvelope(await service.http.delete(`/api/v1/auth/sessions/${otherSession}`, { token: user.token }), 200);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: other.token }), 401, 40101);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: user.token }), 200);
      expectEnvelope(await service.http.delete(`/api/v1/auth/sessions/${otherSession}`, { token: user.token }), 404, 40401);
    });

    it("answers 40401 for another user's session and 40001 for a malformed id", async () => {
      const [user, other] = await Promise.all([registerUser(service.http), registerUser(service.http)]);
      const otherSession = (jwt.decode(other.token) as { sid: string }).sid;
      expectEnvelope(await service.http.delete(`/api/v1/auth/sessions/${otherSession}`, { token: user.token }), 404, 40401);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: other.token }), 200);
      expectEnvelope(await service.http.delete('/api/v1/auth/sessions/xyz', { token: user.token }), 400, 40001);
    });

    it('refuses a missing token with 40101', async () => {
      expectEnvelope(await service.http.get('/api/v1/auth/sessions'), 401, 40101);
      expectEnvelope(await service.http.delete(`/api/v1/auth/sessions/${randomUUID()}`), 401, 40101);
    });
  });

  describe('revocation is immediate', () => {
    it('refuses a token right after the user is disabled, deleted or reset by staff', async () => {
      const admin = await createUserWithRole(service.http, 'admin', superadmin.token);
      const [disabled, deleted, reset] = await Promise.all([
        registerUser(service.http),
        registerUser(service.http),
        registerUser(service.http),
      ]);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: disabled.token }), 200);
      await service.http.patch(`/api/v1/users/${disabled.id}`, { state: 0 }, { token: admin.token });
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: disabled.token }), 401, 40101);
      await service.http.delete(`/api/v1/users/${deleted.id}`, { token: superadmin.token });
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: deleted.token }), 401, 40101);
      await service.http.patch(`/api/v1/users/${reset.id}`, { password: 'reset-by-staff' }, { token: admin.token });
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token: reset.token }), 401, 40101);
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: reset.username, password: 'reset-by-staff' }), 200);
    });
  });
});

describe('Auth limits', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({
      LOGIN_MAX_FAILURES: '3',
      LOGIN_LOCK_SECONDS: '3',
      RATE_LIMIT_LOGIN: '100000',
      RATE_LIMIT_REGISTER: '100000',
    });
  });
  afterAll(() => service?.dispose());

  it('locks an identifier after LOGIN_MAX_FAILURES wrong passwords, even for the right one, then unlocks', async () => {
    const user = await registerUser(service.http);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: user.username, password: 'wrong-password' }), 401, 40102);
    }
    const locked = await service.http.post('/api/v1/auth/login', { username: user.username, password: user.password });
    expectEnvelope(locked, 429, 42901);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // One counter per account: the email (in any case) names the same account and meets the same lock.
    expectEnvelope(await service.http.post('/api/v1/auth/login', { email: user.email.toUpperCase(), password: user.password }), 429, 42901);
    await new Promise((resolve) => setTimeout(resolve, 3200));
    expectEnvelope(await service.http.post('/api/v1/auth/login', { username: user.username, password: user.password }), 200);
  });

  it('cannot be sidestepped with a username that PostgreSQL would fold onto the same account (İ)', async () => {
    const user = await registerUser(service.http, { username: `vi${Date.now().toString(36)}ctim` });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await service.http.post('/api/v1/auth/login', { username: user.username, password: 'wrong-password' });
    }
    expectEnvelope(await service.http.post('/api/v1/auth/login', { username: user.username, password: user.password }), 429, 42901);
    const folded = user.username.replace('i', 'İ');
    expectEnvelope(await service.http.post('/api/v1/auth/login', { username: folded, password: user.password }), 401, 40102);
  });

  it('answers exactly LOGIN_MAX_FAILURES of a burst of parallel guesses; the rest, then the right password, meet the lock', async () => {
    const user = await registerUser(service.http);
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        service.http.post('/api/v1/auth/login', { username: user.username, password: `wrong-${index}` }),
      ),
    );
    expect(responses.filter((r) => r.status === 401)).toHaveLength(3);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(9);
    expectEnvelope(await service.http.post('/api/v1/auth/login', { username: user.username, password: user.password }), 429, 42901);
  });

  it('lets the owner log in from many devices at once', async () => {
    const user = await registerUser(service.http);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => service.http.post('/api/v1/auth/login', { username: user.username, password: user.password })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
  });

  it('locks an identifier that names no account the same way (a lockout reveals nothing)', async () => {
    const ghost = uniqueUsername('ghost');
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expectEnvelope(await service.http.post('/api/v1/auth/login', { username: ghost, password: 'wrong-password' }), 401, 40102);
    }
    expectEnvelope(await service.http.post('/api/v1/auth/login', { username: ghost.toUpperCase(), password: 'whatever1' }), 429, 42901);
  });

  it('locks password changes after repeated wrong current passwords', async () => {
    const user = await registerUser(service.http);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await service.http.put('/api/v1/auth/password', { old_password: 'wrong-one', new_password: 'new-password' }, { token: user.token });
    }
    const locked = await service.http.put(
      '/api/v1/auth/password',
      { old_password: user.password, new_password: 'new-password' },
      { token: user.token },
    );
    expectEnvelope(locked, 429, 42901);
  });
});

describe('Per-client rate limits', () => {
  it('limits logins and registrations per client and answers 42901 with Retry-After', async () => {
    const service = await startService({ RATE_LIMIT_LOGIN: '3', RATE_LIMIT_REGISTER: '2', RATE_LIMIT_WINDOW_SECONDS: '60' });
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect((await service.http.post('/api/v1/auth/login', { username: 'someone1', password: 'x' })).status).toBe(401);
      }
      const limited = await service.http.post('/api/v1/auth/login', { username: 'someone1', password: 'x' });
      expectEnvelope(limited, 429, 42901);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

      expect((await service.http.post('/api/v1/auth/register', newAccount())).status).toBe(201);
      expect((await service.http.post('/api/v1/auth/register', newAccount())).status).toBe(201);
      const registerLimited = await service.http.post('/api/v1/auth/register', newAccount());
      expectEnvelope(registerLimited, 429, 42901);
      expect(registerLimited.headers.get('retry-after')).toBeTruthy();

      // Without TRUST_PROXY, X-Forwarded-For is not believed: still the same client.
      const spoofed = await service.http.post(
        '/api/v1/auth/login',
        { username: 'someone1', password: 'x' },
        { headers: { 'x-forwarded-for': '203.0.113.9' } },
      );
      expectEnvelope(spoofed, 429, 42901);
    } finally {
      await service.dispose();
    }
  });

  it('believes X-Forwarded-For only with TRUST_PROXY=true, for limits and for the audit log', async () => {
    const service = await startService({ RATE_LIMIT_LOGIN: '2', TRUST_PROXY: 'true' });
    try {
      const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
      for (let attempt = 0; attempt < 2; attempt += 1) {
        expect((await service.http.post('/api/v1/auth/login', { username: 'someone1', password: 'x' }, from('198.51.100.1'))).status).toBe(
          401,
        );
      }
      expect((await service.http.post('/api/v1/auth/login', { username: 'someone1', password: 'x' }, from('198.51.100.1'))).status).toBe(
        429,
      );
      expect((await service.http.post('/api/v1/auth/login', { username: 'someone1', password: 'x' }, from('198.51.100.2'))).status).toBe(
        401,
      );

      const account = newAccount();
      await service.http.post('/api/v1/auth/register', account, from('198.51.100.3'));
      const ips = await withClient(service.databaseUrl, async (client) => {
        const { rows } = await client.query('SELECT a.ip FROM audit_logs a JOIN users u ON u.id = a.user_id WHERE u.username = $1', [
          account.username,
        ]);
        return rows.map((row: { ip: string }) => row.ip);
      });
      expect(ips).toEqual(['198.51.100.3']);

      // Only the hop the proxy appended is believed, and only when it is an IP address.
      const spoof = newAccount();
      await service.http.post('/api/v1/auth/register', spoof, { headers: { 'x-forwarded-for': '6.6.6.6, 198.51.100.4' } });
      const junk = newAccount();
      await service.http.post('/api/v1/auth/register', junk, { headers: { 'x-forwarded-for': 'not-an-ip-<script>' } });
      const stored = await withClient(service.databaseUrl, async (client) => {
        const { rows } = await client.query(
          'SELECT u.username, a.ip FROM audit_logs a JOIN users u ON u.id = a.user_id WHERE u.username = ANY($1) AND a.operation = 3',
          [[spoof.username, junk.username]],
        );
        return Object.fromEntries(rows.map((row: { username: string; ip: string }) => [row.username, row.ip]));
      });
      expect(stored[spoof.username]).toBe('198.51.100.4');
      expect(stored[junk.username]).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    } finally {
      await service.dispose();
    }
  });
});
