import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Secret, TOTP } from 'otpauth';
import { withClient } from '../support/database';
import { createUserWithRole, registerUser, signInSuperadmin, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

const STEP_MS = 30_000;
const MAX_FAILURES = 3;

/**
 * The authenticator app of a test: codes computed from the enrolment's secret with the same library the
 * service uses (otpauth, RFC 6238). The service accepts the current step and one either side, and never a
 * step at or before the last one used, so `fresh()` gives the next unused step among now and now + 1,
 * waiting for the clock when both are spent.
 */
class Authenticator {
  private lastStep = -Infinity;
  private readonly totp: TOTP;

  constructor(readonly secret: string) {
    this.totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  }

  at(step: number): string {
    return this.totp.generate({ timestamp: step * STEP_MS });
  }

  async fresh(): Promise<string> {
    for (;;) {
      const now = Math.floor(Date.now() / STEP_MS);
      const step = [now, now + 1].find((candidate) => candidate > this.lastStep);
      if (step !== undefined) {
        this.lastStep = step;
        return this.at(step);
      }
      await new Promise((resolve) => setTimeout(resolve, (now + 1) * STEP_MS - Date.now() + 50));
    }
  }

  /** The code used last (to replay it). */
  last(): string {
    return this.at(this.lastStep);
  }

  /** A 6-digit code no step in the window has. */
  wrong(): string {
    const now = Math.floor(Date.now() / STEP_MS);
    const taken = new Set([now - 2, now - 1, now, now + 1, now + 2].map((step) => this.at(step)));
    for (let n = 0; ; n++) {
      const code = String(n).padStart(6, '0');
      if (!taken.has(code)) return code;
    }
  }
}

describe('Second factor: TOTP and recovery codes', () => {
  let service: RunningService;
  let superadmin: TestUser;

  beforeAll(async () => {
    service = await startService({
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      LOGIN_MAX_FAILURES: String(MAX_FAILURES),
      MFA_ISSUER: 'Acme Staff',
    });
    superadmin = await signInSuperadmin(service.http);
  }, 120_000);
  afterAll(() => service?.dispose());

  const http = () => service.http;
  const amrOf = (token: string): unknown => (jwt.decode(token) as { amr?: unknown }).amr;
  const auditOperations = (userId: string): Promise<number[]> =>
    withClient(service.databaseUrl, async (client) => {
      const { rows } = await client.query('SELECT operation FROM audit_logs WHERE user_id = $1 ORDER BY seq', [userId]);
      return rows.map((row: { operation: number }) => row.operation);
    });

  /** Enrols TOTP for the user: the app with its secret, and the recovery codes. */
  async function enrol(user: TestUser): Promise<{ app: Authenticator; recoveryCodes: string[] }> {
    const started = await http().post('/api/v1/auth/mfa/totp', undefined, { token: user.token });
    expectEnvelope(started, 200);
    const app = new Authenticator(started.body.data.secret);
    const confirmed = await http().post('/api/v1/auth/mfa/totp/confirm', { code: await app.fresh() }, { token: user.token });
    expectEnvelope(confirmed, 200);
    return { app, recoveryCodes: confirmed.body.data.recovery_codes };
  }

  async function passwordStep(user: TestUser): Promise<string> {
    const response = await http().post('/api/v1/auth/login', { username: user.username, password: user.password });
    expectEnvelope(response, 200);
    expect(response.body.data.mfa_required).toBe(true);
    return response.body.data.mfa_token;
  }

  it('enrols: a 160-bit secret, the otpauth URI with MFA_ISSUER, an SVG QR code; confirm answers 10 recovery codes once', async () => {
    const user = await registerUser(http());
    const started = await http().post('/api/v1/auth/mfa/totp', undefined, { token: user.token });
    expectEnvelope(started, 200);
    const { secret, otpauth_uri: uri, qr_code: qr } = started.body.data;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(Buffer.from(Secret.fromBase32(secret).bytes).length).toBe(20);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Acme%20Staff:/);
    expect(uri).toContain(`secret=${secret}`);
    expect(uri).toContain('issuer=Acme%20Staff');
    expect(qr).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(qr.split(',')[1], 'base64').toString()).toContain('<svg');

    // Until confirmed, the login is unchanged and the status says pending.
    let status = await http().get('/api/v1/auth/mfa', { token: user.token });
    expect(status.body.data).toEqual(expect.objectContaining({ totp_enabled: false, totp_pending: true, recovery_codes_remaining: 0 }));
    const plain = await http().post('/api/v1/auth/login', { username: user.username, password: user.password });
    expect(plain.body.data.access_token).toEqual(expect.any(String));
    expect(amrOf(plain.body.data.access_token)).toEqual(['pwd']);

    const app = new Authenticator(secret);
    expectEnvelope(await http().post('/api/v1/auth/mfa/totp/confirm', { code: app.wrong() }, { token: user.token }), 401, 40105);
    expectEnvelope(await http().post('/api/v1/auth/mfa/totp/confirm', { code: 'abc' }, { token: user.token }), 400, 40001);
    const confirmed = await http().post('/api/v1/auth/mfa/totp/confirm', { code: await app.fresh() }, { token: user.token });
    expectEnvelope(confirmed, 200);
    const codes: string[] = confirmed.body.data.recovery_codes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);

    // Stored hashed and encrypted: neither the secret nor a recovery code is in the database as given.
    const stored = await withClient(service.databaseUrl, async (client) => {
      const totp = await client.query('SELECT secret_enc FROM mfa_totp WHERE user_id = $1', [user.id]);
      const recovery = await client.query('SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1', [user.id]);
      return JSON.stringify([totp.rows, recovery.rows]);
    });
    expect(stored).not.toContain(secret);
    for (const code of codes) expect(stored).not.toContain(code);

    status = await http().get('/api/v1/auth/mfa', { token: user.token });
    expectEnvelope(status, 200);
    expect(status.body.data).toEqual(
      expect.objectContaining({ totp_enabled: true, totp_pending: false, recovery_codes_remaining: 10, passkeys: 0, session_amr: ['pwd'] }),
    );
    expectEnvelope(await http().post('/api/v1/auth/mfa/totp', undefined, { token: user.token }), 409, 40903);
    expectEnvelope(await http().post('/api/v1/auth/mfa/totp/confirm', { code: await app.fresh() }, { token: user.token }), 400, 40005);
    expect(await auditOperations(user.id)).toContain(18);
  });

  it('logs in with a second step: mfa_token, then a code; replay, reuse and a bearer mfa_token are refused; amr survives refresh', async () => {
    const user = await registerUser(http());
    const { app } = await enrol(user);

    const login = await http().post('/api/v1/auth/login', { username: user.username, password: user.password });
    expectEnvelope(login, 200);
    expect(login.body.data).toEqual({
      mfa_required: true,
      mfa_token: expect.stringMatching(/^mfa_[A-Za-z0-9_-]{43}$/),
      methods: ['totp', 'recovery_code'],
      expires_in: 300,
    });
    expect(login.body.data.access_token).toBeUndefined();
    const mfaToken: string = login.body.data.mfa_token;

    // Not an access token.
    expectEnvelope(await http().get('/api/v1/auth/me', { token: mfaToken }), 401, 40101);
    expectEnvelope(await http().get('/api/v1/auth/mfa', { token: mfaToken }), 401, 40101);

    // The code used to confirm the enrolment is spent (replay within its window).
    expectEnvelope(await http().post('/api/v1/auth/mfa/verify', { mfa_token: mfaToken, code: app.last() }), 401, 40105);
    expectEnvelope(await http().post('/api/v1/auth/mfa/verify', { mfa_token: mfaToken, code: app.wrong() }), 401, 40105);
    expectEnvelope(await http().post('/api/v1/auth/mfa/verify', { mfa_token: mfaToken }), 400, 40001);
    expectEnvelope(
      await http().post('/api/v1/auth/mfa/verify', { mfa_token: mfaToken, code: '123456', recovery_code: 'abcde-fghij' }),
      400,
      40001,
    );
    expectEnvelope(await http().post('/api/v1/auth/mfa/verify', { mfa_token: mfaToken, code: null }), 400, 40001);

    const code = await app.fresh();
    const verified = await http().post('/api/v1/auth/mfa/verify', { mfa_token: mfaToken, code });
    expectEnvelope(verified, 200);
    const pair = verified.body.data;
    expect(pair).toEqual(
      expect.objectContaining({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer' }),
    );
    expect(pair.user.id).toBe(user.id);
    expect(amrOf(pair.access_token)).toEqual(['pwd', 'otp']);
    expectEnvelope(await http().get('/api/v1/auth/me', { token: pair.access_token }), 200);
    const status = await http().get('/api/v1/auth/mfa', { token: pair.access_token });
    expect(status.body.data.session_amr).toEqual(['pwd', 'otp']);

    // Single use: the same mfa_token again, even with a new code.
    expectEnvelope(await http().post('/api/v1/auth/mfa/verify', { mfa_token: mfaToken, code: app.wrong() }), 401, 40104);
    // The same code with a new mfa_token: replay.
    const again = await passwordStep(user);
    expectEnvelope(await http().post('/api/v1/auth/mfa/verify', { mfa_token: again, code }), 401, 40105);
    // An unknown token.
    expectEnvelope(await http().post('/api/v1/auth/mfa/verify', { mfa_token: `mfa_${'A'.repeat(43)}`, code }), 401, 40104);

    // Refresh keeps how the session signed in.
    const refreshed = await http().post('/api/v1/auth/refresh', { refresh_token: pair.refresh_token });
    expectEnvelope(refreshed, 200);
    expect(amrOf(refreshed.body.data.access_token)).toEqual(['pwd', 'otp']);

    // The audit log has the failures (21) and the login (0).
    const operations = await auditOperations(user.id);
    expect(operations.filter((operation) => operation === 21).length).toBeGreaterThanOrEqual(3);
    expect(operations).toContain(0);
  });

  it('spends an mfa_token, and a code, once under concurrent requests', async () => {
    const user = await registerUser(http());
    const { app } = await enrol(user);
    const mfaToken = await passwordStep(user);
    const code = await app.fresh();
    const sameToken = await Promise.all(
      Array.from({ length: 6 }, () => http().post('/api/v1/auth/mfa/verify', { mfa_token: mfaToken, code })),
    );
    expect(sameToken.map((response) => response.status).sort()).toEqual([200, 401, 401, 401, 401, 401]);
    for (const response of sameToken.filter((one) => one.status === 401)) expect(response.body.errorCode).toBe(40104);

    // One code, two password steps at once: the code's time step is spent by the first.
    const other = await registerUser(http());
    const { app: otherApp } = await enrol(other);
    const tokens = await Promise.all([passwordStep(other), passwordStep(other)]);
    const otherCode = await otherApp.fresh();
    const sameCode = await Promise.all(
      tokens.map((token) => http().post('/api/v1/auth/mfa/verify', { mfa_token: token, code: otherCode })),
    );
    expect(sameCode.map((response) => [response.status, response.body.errorCode]).sort()).toEqual([
      [200, 0],
      [401, 40105],
    ]);
  });

  it('expires the mfa_token after 5 minutes and voids it when the password changes', async () => {
    const user = await registerUser(http());
    const { app } = await enrol(user);
    const mfaToken = await passwordStep(user);
    await withClient(service.databaseUrl, (client) =>
      client.query(`UPDATE mfa_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.id]),
    );
    expectEnvelope(await http().post('/api/v1/auth/mfa/verify', { mfa_token: mfaToken, code: await app.fresh() }), 401, 40104);

    const second = await passwordStep(user);
    const changed = await http().put(
      '/api/v1/auth/password',
      { old_password: user.password, new_password: 'brand-new-pass1' },
      { token: user.token },
    );
    expectEnvelope(changed, 200);
    expectEnvelope(await http().post('/api/v1/auth/mfa/verify', { mfa_token: second, code: app.wrong() }), 401, 40104);
  });

  it('accepts each recovery code once, and regenerating them voids the old set', async () => {
    const user = await registerUser(http());
    const { app, recoveryCodes } = await enrol(user);

    const first = await http().post('/api/v1/auth/mfa/verify', {
      mfa_token: await passwordStep(user),
      recovery_code: recoveryCodes[0].toUpperCase(),
    });
    expectEnvelope(first, 200);
    expect(amrOf(first.body.data.access_token)).toEqual(['pwd', 'otp']);
    expectEnvelope(
      await http().post('/api/v1/auth/mfa/verify', { mfa_token: await passwordStep(user), recovery_code: recoveryCodes[0] }),
      401,
      40105,
    );
    const status = await http().get('/api/v1/auth/mfa', { token: user.token });
    expect(status.body.data.recovery_codes_remaining).toBe(9);
    expect(await auditOperations(user.id)).toContain(23);

    expectEnvelope(await http().post('/api/v1/auth/mfa/recovery-codes', { code: app.wrong() }, { token: user.token }), 401, 40105);
    const regenerated = await http().post('/api/v1/auth/mfa/recovery-codes', { code: await app.fresh() }, { token: user.token });
    expectEnvelope(regenerated, 200);
    const fresh: string[] = regenerated.body.data.recovery_codes;
    expect(fresh).toHaveLength(10);
    expect(fresh.some((code) => recoveryCodes.includes(code))).toBe(false);
    expectEnvelope(
      await http().post('/api/v1/auth/mfa/verify', { mfa_token: await passwordStep(user), recovery_code: recoveryCodes[1] }),
      401,
      40105,
    );
    expectEnvelope(
      await http().post('/api/v1/auth/mfa/verify', { mfa_token: await passwordStep(user), recovery_code: fresh[1].replace('-', '') }),
      200,
    );
    expect(await auditOperations(user.id)).toContain(22);
  });

  it('disables TOTP with the password and a current code', async () => {
    const user = await registerUser(http());
    const { app } = await enrol(user);
    expectEnvelope(await http().delete('/api/v1/auth/mfa/totp', { token: user.token }), 400, 40001);
    const wrongPassword = await http().request(
      'DELETE',
      '/api/v1/auth/mfa/totp',
      { password: 'not-the-password', code: app.wrong() },
      { token: user.token },
    );
    expectEnvelope(wrongPassword, 400, 40001);
    expect(wrongPassword.body.data.errors[0].field).toBe('password');
    expectEnvelope(
      await http().request('DELETE', '/api/v1/auth/mfa/totp', { password: user.password, code: app.wrong() }, { token: user.token }),
      401,
      40105,
    );
    expectEnvelope(
      await http().request('DELETE', '/api/v1/auth/mfa/totp', { password: user.password, code: await app.fresh() }, { token: user.token }),
      200,
    );

    const login = await http().post('/api/v1/auth/login', { username: user.username, password: user.password });
    expect(login.body.data.access_token).toEqual(expect.any(String));
    expect((await http().get('/api/v1/auth/mfa', { token: user.token })).body.data.totp_enabled).toBe(false);
    expectEnvelope(
      await http().request('DELETE', '/api/v1/auth/mfa/totp', { password: user.password, code: app.wrong() }, { token: user.token }),
      400,
      40005,
    );
    expect(await auditOperations(user.id)).toContain(19);
  });

  it('counts wrong codes toward the login lockout, like wrong passwords, and audits them', async () => {
    const user = await registerUser(http());
    const { app } = await enrol(user);
    const mfaToken = await passwordStep(user);
    for (let attempt = 1; attempt <= MAX_FAILURES; attempt++) {
      expectEnvelope(await http().post('/api/v1/auth/mfa/verify', { mfa_token: mfaToken, code: app.wrong() }), 401, 40105);
    }
    // Locked now: the right code, and the right password, both meet the lock.
    const locked = await http().post('/api/v1/auth/mfa/verify', { mfa_token: mfaToken, code: await app.fresh() });
    expectEnvelope(locked, 429, 42901);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expectEnvelope(await http().post('/api/v1/auth/login', { username: user.username, password: user.password }), 429, 42901);
    expect((await auditOperations(user.id)).filter((operation) => operation === 21)).toHaveLength(MAX_FAILURES);

    const status = await http().get(`/api/v1/users/${user.id}/login-status`, { token: superadmin.token });
    expect(status.body.data.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'locked_out' })]));
  });

  it('lets staff reset a second factor: sessions end, it is audited, and the next login needs only the password', async () => {
    const admin = await createUserWithRole(http(), 'admin', superadmin.token);
    const otherAdmin = await createUserWithRole(http(), 'admin', superadmin.token);
    const user = await registerUser(http());
    await enrol(user);
    await enrol(otherAdmin);

    expectEnvelope(await http().delete(`/api/v1/users/${user.id}/mfa`, { token: user.token }), 403, 40301);
    expectEnvelope(await http().delete(`/api/v1/users/${otherAdmin.id}/mfa`, { token: admin.token }), 403, 40301);
    expectEnvelope(await http().delete(`/api/v1/users/${admin.id}/mfa`, { token: admin.token }), 403, 40301);
    expectEnvelope(await http().delete(`/api/v1/users/00000000-0000-4000-8000-000000000000/mfa`, { token: admin.token }), 404, 40401);
    expectEnvelope(await http().delete(`/api/v1/users/not-a-uuid/mfa`, { token: admin.token }), 400, 40001);
    expectEnvelope(await http().delete(`/api/v1/users/${user.id}/mfa`), 401, 40101);

    expectEnvelope(await http().delete(`/api/v1/users/${user.id}/mfa`, { token: admin.token }), 200);
    expectEnvelope(await http().get('/api/v1/auth/me', { token: user.token }), 401, 40101);
    const login = await http().post('/api/v1/auth/login', { username: user.username, password: user.password });
    expect(login.body.data.access_token).toEqual(expect.any(String));
    const records = await withClient(service.databaseUrl, async (client) => {
      const { rows } = await client.query('SELECT operator_id, details FROM audit_logs WHERE user_id = $1 AND operation = 20', [user.id]);
      return rows;
    });
    expect(records).toEqual([expect.objectContaining({ operator_id: admin.id, details: { totp: true, passkeys: 0 } })]);

    // A superadmin may reset an admin.
    expectEnvelope(await http().delete(`/api/v1/users/${otherAdmin.id}/mfa`, { token: superadmin.token }), 200);
  });

  it('refuses enrolled accounts at the source APIs’ logins, in their own shapes, naming the canonical route', async () => {
    const user = await registerUser(http());
    await enrol(user);

    const v003 = await http().post('/api/v1/user/login', { username: user.username, password: user.password });
    expectEnvelope(v003, 403, 40307);
    expect(v003.body.message).toContain('POST /api/v1/auth/login');
    expect(v003.body.data).toBeNull();

    const v001 = await http().post('/api/login/', { is_admim: 0, email: user.email, password: user.password });
    expect(v001.status).toBe(403);
    expect(v001.body).toEqual({ result: 'Second factor required', error: expect.stringContaining('POST /api/v1/auth/login') });

    const v000 = await http().post('/api/auth/', { username: user.username, password: user.password });
    expect(v000.status).toBe(403);
    expect(v000.body).toEqual({ detail: expect.stringContaining('POST /api/v1/auth/mfa/verify') });

    // A wrong password still answers each API's wrong-credentials error (nothing is revealed before the password).
    expect((await http().post('/api/auth/', { username: user.username, password: 'wrong-password' })).status).toBe(400);
    const zh = await http().post(
      '/api/v1/user/login',
      { username: user.username, password: user.password },
      { headers: { 'accept-language': 'zh-CN' } },
    );
    expect(zh.body.message).toContain('/api/v1/auth/mfa/verify');
  });
});
