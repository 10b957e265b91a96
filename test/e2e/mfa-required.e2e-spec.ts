import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { createUserWithRole, login, registerUser, signInSuperadmin, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

/** The current TOTP code of a secret (each account here uses one code, so replay never meets it). */
const codeOf = (secret: string): string =>
  new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() });

describe('MFA_REQUIRED_ROLES', () => {
  let service: RunningService;
  let superadmin: TestUser;

  beforeAll(async () => {
    service = await startService({ MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'), MFA_REQUIRED_ROLES: 'admin,superadmin' });
    superadmin = await signInSuperadmin(service.http);
  }, 120_000);
  afterAll(() => service?.dispose());

  const http = () => service.http;

  async function enrol(user: TestUser): Promise<void> {
    const started = await http().post('/api/v1/auth/mfa/totp', undefined, { token: user.token });
    expectEnvelope(started, 200);
    expectEnvelope(
      await http().post('/api/v1/auth/mfa/totp/confirm', { code: codeOf(started.body.data.secret) }, { token: user.token }),
      200,
    );
  }

  it('lets an account of a listed role without a factor use only enrolment, GET /auth/me and logout until it enrols', async () => {
    // The superadmin signs in with the password alone, and is held at enrolment.
    expectEnvelope(await http().get('/api/v1/auth/me', { token: superadmin.token }), 200);
    expectEnvelope(await http().get('/api/v1/users', { token: superadmin.token }), 403, 40305);
    expectEnvelope(await http().get('/api/v1/groups', { token: superadmin.token }), 403, 40305);
    expectEnvelope(
      await http().post(
        '/api/v1/users',
        { username: 'blockedadmin1', email: 'b1@example.com', password: 'pa55word!', role: 'admin' },
        { token: superadmin.token },
      ),
      403,
      40305,
    );
    const status = await http().get('/api/v1/auth/mfa', { token: superadmin.token });
    expectEnvelope(status, 200);
    expect(status.body.data.enrolment_required).toBe(true);
    expectEnvelope(await http().post('/api/v1/auth/passkeys/register/options', undefined, { token: superadmin.token }), 200);
    // The source APIs hold it too, in their own shapes.
    expect((await http().get('/api/users/', { headers: { authorization: `Token ${superadmin.token}` } })).status).toBe(403);

    await enrol(superadmin);
    expectEnvelope(await http().get('/api/v1/users', { token: superadmin.token }), 200);
    expect((await http().get('/api/v1/auth/mfa', { token: superadmin.token })).body.data.enrolment_required).toBe(false);
  });

  it('names it in login-status, without counting it as a block; users of other roles are not held', async () => {
    const admin = await createUserWithRole(http(), 'admin', superadmin.token);
    const user = await registerUser(http());
    expectEnvelope(await http().get('/api/v1/groups', { token: user.token }), 200);
    expectEnvelope(await http().get('/api/v1/users', { token: admin.token }), 403, 40305);

    let status = await http().get(`/api/v1/users/${admin.id}/login-status`, { token: superadmin.token });
    expectEnvelope(status, 200);
    expect(status.body.data).toEqual(expect.objectContaining({ can_login: true, reasons: [{ code: 'mfa_enrolment_required' }] }));
    status = await http().get(`/api/v1/users/${user.id}/login-status`, { token: superadmin.token });
    expect(status.body.data.reasons).toEqual([]);

    await enrol(admin);
    expectEnvelope(await http().get('/api/v1/users', { token: admin.token }), 200);
    status = await http().get(`/api/v1/users/${admin.id}/login-status`, { token: superadmin.token });
    expect(status.body.data.reasons).toEqual([]);

    // A staff reset puts the admin back at enrolment (and ends its sessions).
    expectEnvelope(await http().delete(`/api/v1/users/${admin.id}/mfa`, { token: superadmin.token }), 200);
    expectEnvelope(await http().get('/api/v1/users', { token: admin.token }), 401, 40101);
    const again = await login(http(), { username: admin.username }, admin.password);
    expectEnvelope(await http().get('/api/v1/users', { token: again.token }), 403, 40305);
    expectEnvelope(await http().post('/api/v1/auth/logout', undefined, { token: again.token }), 200);
  });
});

describe('TOTP without MFA_ENCRYPTION_KEY', () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startService();
  }, 120_000);
  afterAll(() => service?.dispose());

  it('answers 40306 to an enrolment, and logins are unchanged', async () => {
    const user = await registerUser(service.http);
    expectEnvelope(await service.http.post('/api/v1/auth/mfa/totp', undefined, { token: user.token }), 403, 40306);
    expectEnvelope(await service.http.get('/api/v1/auth/mfa', { token: user.token }), 200);
  });
});
