import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { withClient } from '../support/database';
import { registerUser, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

const clientData = (challenge: string, type = 'webauthn.get'): string =>
  Buffer.from(JSON.stringify({ type, challenge, origin: 'http://localhost:3000' })).toString('base64url');

/**
 * The passkey routes' contract without a browser: the options, where challenges live, and every refusal.
 * The ceremonies themselves run in Chromium (test/browser/passkeys.browser-spec.ts).
 */
describe('Passkey routes', () => {
  let service: RunningService;
  let user: TestUser;

  beforeAll(async () => {
    service = await startService({ MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'), WEBAUTHN_RP_NAME: 'Acme' });
    user = await registerUser(service.http);
  }, 120_000);
  afterAll(() => service?.dispose());

  const http = () => service.http;
  const challengeRow = (challenge: string) =>
    withClient(service.databaseUrl, async (client) => {
      const { rows } = await client.query(
        "SELECT purpose, user_id, expires_at > now() + interval '4 minutes' AS fresh FROM webauthn_challenges WHERE challenge = $1",
        [challenge],
      );
      return rows[0] ?? null;
    });

  it('lists no passkeys at first, and needs a token', async () => {
    const list = await http().get('/api/v1/auth/passkeys', { token: user.token });
    expectEnvelope(list, 200);
    expect(list.body.data).toEqual({ data: [], count: 0, total: 0, page: 1, limit: 10 });
    expectEnvelope(await http().get('/api/v1/auth/passkeys'), 401, 40101);
    expectEnvelope(await http().post('/api/v1/auth/passkeys/register/options'), 401, 40101);
  });

  it('answers registration options for a discoverable credential, keeping the challenge server-side; a bad response is 40004 and spends it', async () => {
    const options = await http().post('/api/v1/auth/passkeys/register/options', undefined, { token: user.token });
    expectEnvelope(options, 200);
    const data = options.body.data;
    expect(data).toEqual(
      expect.objectContaining({
        challenge: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
        rp: { name: 'Acme', id: 'localhost' },
        user: expect.objectContaining({ name: user.username, id: expect.any(String) }),
        authenticatorSelection: expect.objectContaining({ residentKey: 'required' }),
      }),
    );
    expect(Buffer.from(data.user.id, 'base64url').toString('hex')).toBe(user.id.replace(/-/g, ''));
    expect(await challengeRow(data.challenge)).toEqual({ purpose: 'register', user_id: user.id, fresh: true });

    const bogus = {
      id: 'AAAA',
      rawId: 'AAAA',
      type: 'public-key',
      response: { clientDataJSON: clientData(data.challenge, 'webauthn.create'), attestationObject: 'AAAA' },
    };
    expectEnvelope(await http().post('/api/v1/auth/passkeys/register/verify', { credential: bogus }, { token: user.token }), 400, 40004);
    expect(await challengeRow(data.challenge)).toBeNull();
    expectEnvelope(await http().post('/api/v1/auth/passkeys/register/verify', { credential: {} }, { token: user.token }), 400, 40004);
    expectEnvelope(await http().post('/api/v1/auth/passkeys/register/verify', { credential: null }, { token: user.token }), 400, 40001);
    expectEnvelope(
      await http().post('/api/v1/auth/passkeys/register/verify', { credential: {}, name: 'x'.repeat(65) }, { token: user.token }),
      400,
      40001,
    );
  });

  it('answers passwordless options without a credential list, and refuses unknown assertions with 40004', async () => {
    const options = await http().post('/api/v1/auth/passkeys/login/options');
    expectEnvelope(options, 200);
    expect(options.body.data).toEqual(expect.objectContaining({ rpId: 'localhost', userVerification: 'required' }));
    expect(options.body.data.allowCredentials ?? []).toEqual([]);
    expect(await challengeRow(options.body.data.challenge)).toEqual({ purpose: 'passwordless', user_id: null, fresh: true });

    const unknown = {
      id: 'AAAA',
      rawId: 'AAAA',
      type: 'public-key',
      response: { clientDataJSON: clientData(options.body.data.challenge), authenticatorData: 'AAAA', signature: 'AAAA' },
    };
    expectEnvelope(await http().post('/api/v1/auth/passkeys/login/verify', { credential: unknown }), 400, 40004);
    // The challenge was spent by that attempt.
    expect(await challengeRow(options.body.data.challenge)).toBeNull();
    expectEnvelope(await http().post('/api/v1/auth/passkeys/login/verify', { credential: { response: 'x' } }), 400, 40004);
    expectEnvelope(await http().post('/api/v1/auth/passkeys/login/verify', {}), 400, 40001);
  });

  it('needs a live mfa_token and an enrolled passkey for second-step options; a passkey for a TOTP-only account is a wrong factor', async () => {
    expectEnvelope(await http().post('/api/v1/auth/passkeys/mfa/options', { mfa_token: `mfa_${'A'.repeat(43)}` }), 401, 40104);
    expectEnvelope(await http().post('/api/v1/auth/passkeys/mfa/options', { mfa_token: 'nope' }), 400, 40001);

    const started = await http().post('/api/v1/auth/mfa/totp', undefined, { token: user.token });
    const totp = new TOTP({ secret: Secret.fromBase32(started.body.data.secret), algorithm: 'SHA1', digits: 6, period: 30 });
    expectEnvelope(await http().post('/api/v1/auth/mfa/totp/confirm', { code: totp.generate() }, { token: user.token }), 200);
    const login = await http().post('/api/v1/auth/login', { username: user.username, password: user.password });
    expect(login.body.data.methods).toEqual(['totp', 'recovery_code']);
    expectEnvelope(await http().post('/api/v1/auth/passkeys/mfa/options', { mfa_token: login.body.data.mfa_token }), 400, 40005);
    expectEnvelope(await http().post('/api/v1/auth/mfa/verify', { mfa_token: login.body.data.mfa_token, passkey: {} }), 401, 40105);
  });

  it('answers 40401 for a passkey that is not one of yours', async () => {
    expectEnvelope(await http().delete('/api/v1/auth/passkeys/00000000-0000-4000-8000-000000000000', { token: user.token }), 404, 40401);
    expectEnvelope(await http().delete('/api/v1/auth/passkeys/not-a-uuid', { token: user.token }), 400, 40001);
  });
});
