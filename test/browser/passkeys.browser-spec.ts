import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { BrowserContext, CDPSession, chromium, Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../support/chromium';
import { withClient } from '../support/database';
import { registerUser, TestUser } from '../support/factories';
import { freePort, RunningService, startService } from '../support/service';

/**
 * The page a client team would write: it asks the service for WebAuthn options, hands them to
 * navigator.credentials.create() / .get(), and posts the result back as JSON. Served by the test on
 * the service's own origin (page.route), so the ceremony's origin is the one WEBAUTHN_ORIGINS names.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>passkeys</title><script>
const b64u = {
  encode: (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''),
  decode: (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4)), (c) => c.charCodeAt(0)),
};
async function api(method, path, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const response = await fetch('/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}
function creationOptions(json) {
  return { ...json, challenge: b64u.decode(json.challenge), user: { ...json.user, id: b64u.decode(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: b64u.decode(c.id) })) };
}
function requestOptions(json) {
  return { ...json, challenge: b64u.decode(json.challenge), allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: b64u.decode(c.id) })) };
}
function attestationJson(credential) {
  return { id: credential.id, rawId: b64u.encode(credential.rawId), type: credential.type, clientExtensionResults: {},
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    response: { clientDataJSON: b64u.encode(credential.response.clientDataJSON), attestationObject: b64u.encode(credential.response.attestationObject),
      transports: credential.response.getTransports ? credential.response.getTransports() : [] } };
}
function assertionJson(credential) {
  const r = credential.response;
  return { id: credential.id, rawId: b64u.encode(credential.rawId), type: credential.type, clientExtensionResults: {},
    authenticatorAttachment: credential.authenticatorAttachment || undefined,
    response: { clientDataJSON: b64u.encode(r.clientDataJSON), authenticatorData: b64u.encode(r.authenticatorData),
      signature: b64u.encode(r.signature), userHandle: r.userHandle ? b64u.encode(r.userHandle) : undefined } };
}
window.ceremony = {
  async register(token, name) {
    const options = await api('POST', '/auth/passkeys/register/options', undefined, token);
    const credential = await navigator.credentials.create({ publicKey: creationOptions(options.body.data) });
    return api('POST', '/auth/passkeys/register/verify', { name, credential: attestationJson(credential) }, token);
  },
  async passwordless() {
    const options = await api('POST', '/auth/passkeys/login/options', {});
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options.body.data) });
    const assertion = assertionJson(credential);
    return { assertion, answer: await api('POST', '/auth/passkeys/login/verify', { credential: assertion }) };
  },
  async secondFactor(mfaToken) {
    const options = await api('POST', '/auth/passkeys/mfa/options', { mfa_token: mfaToken });
    const credential = await navigator.credentials.get({ publicKey: requestOptions(options.body.data) });
    return api('POST', '/auth/mfa/verify', { mfa_token: mfaToken, passkey: assertionJson(credential) });
  },
  replay(assertion) {
    return api('POST', '/auth/passkeys/login/verify', { credential: assertion });
  },
};
</script><p>passkeys</p>`;

interface Answer {
  status: number;
  body: { data: any; errorCode: number };
}

/**
 * Passkeys in a real browser: Debian's Chromium driven by playwright-core, with the DevTools protocol's
 * virtual authenticator (CTAP2, resident keys, user verification): register a passkey, sign in without a
 * password, sign in with it as the second factor; a replayed assertion and a cloned authenticator (its
 * signature counter behind the service's) are refused.
 */
describe('Passkeys in a real browser (virtual authenticator)', () => {
  let service: RunningService;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let origin: string;
  let user: TestUser;
  const profile = mkdtempSync(join(tmpdir(), 'ums-chromium-passkeys-'));

  const addAuthenticator = async (): Promise<string> =>
    (
      await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'internal',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      })
    ).authenticatorId;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    service = await startService({
      PORT: String(port),
      WEBAUTHN_RP_ID: 'localhost',
      WEBAUTHN_ORIGINS: origin,
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    });
    user = await registerUser(service.http);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [...CHROMIUM_ARGS],
    });
    page = context.pages()[0] ?? (await context.newPage());
    await page.route(`${origin}/passkeys-test`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: PAGE }));
    await page.goto(`${origin}/passkeys-test`);
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    authenticatorId = await addAuthenticator();
  }, 180_000);
  afterAll(async () => {
    await context?.close();
    await service?.dispose();
    rmSync(profile, { recursive: true, force: true });
  });

  const amrOf = (token: string): unknown => (jwt.decode(token) as { amr?: unknown }).amr;
  let snapshot: Awaited<ReturnType<CDPSession['send']>> & { credentials: Array<Record<string, unknown>> };

  it('registers a passkey for a signed-in user (a discoverable credential), and lists it', async () => {
    const answer = (await page.evaluate(([token]) => (globalThis as any).ceremony.register(token, 'Test laptop'), [user.token])) as Answer;
    expect(answer.status).toBe(201);
    expect(answer.body.data).toEqual(expect.objectContaining({ name: 'Test laptop', last_used_at: null }));
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0].isResidentCredential).toBe(true);
    // The authenticator as it is now, to clone later.
    snapshot = { credentials } as typeof snapshot;

    const list = await service.http.get('/api/v1/auth/passkeys', { token: user.token });
    expect(list.body.data.data).toEqual([expect.objectContaining({ id: answer.body.data.id, name: 'Test laptop' })]);
  });

  it('signs in without a password (amr webauthn); the same assertion again is refused', async () => {
    const { assertion, answer } = (await page.evaluate(() => (globalThis as any).ceremony.passwordless())) as {
      assertion: unknown;
      answer: Answer;
    };
    expect(answer.status).toBe(200);
    expect(answer.body.data.user.id).toBe(user.id);
    expect(amrOf(answer.body.data.access_token)).toEqual(['webauthn']);
    expect((await service.http.get('/api/v1/auth/me', { token: answer.body.data.access_token })).status).toBe(200);

    const replayed = (await page.evaluate((sent) => (globalThis as any).ceremony.replay(sent), assertion)) as Answer;
    expect(replayed).toEqual(expect.objectContaining({ status: 400, body: expect.objectContaining({ errorCode: 40004 }) }));
    const list = await service.http.get('/api/v1/auth/passkeys', { token: user.token });
    expect(list.body.data.data[0].last_used_at).toEqual(expect.any(String));
  });

  it('is asked for after the password, and signs in as the second factor (amr pwd, webauthn)', async () => {
    const login = await service.http.post('/api/v1/auth/login', { username: user.username, password: user.password });
    expect(login.body.data).toEqual(expect.objectContaining({ mfa_required: true, methods: ['webauthn'] }));
    const answer = (await page.evaluate((token) => (globalThis as any).ceremony.secondFactor(token), login.body.data.mfa_token)) as Answer;
    expect(answer.status).toBe(200);
    expect(amrOf(answer.body.data.access_token)).toEqual(['pwd', 'webauthn']);
  });

  it('refuses a cloned authenticator whose signature counter is behind', async () => {
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials[0].signCount).toBeGreaterThan(snapshot.credentials[0].signCount as number);
    // The clone: the same key pair, on another authenticator, with the counter it had at registration.
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    authenticatorId = await addAuthenticator();
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: snapshot.credentials[0] as never });
    const { answer } = (await page.evaluate(() => (globalThis as any).ceremony.passwordless())) as { answer: Answer };
    expect(answer).toEqual(expect.objectContaining({ status: 400, body: expect.objectContaining({ errorCode: 40004 }) }));
    const failures = await withClient(service.databaseUrl, async (client) => {
      const { rows } = await client.query('SELECT details FROM audit_logs WHERE user_id = $1 AND operation = 21', [user.id]);
      return rows.map((row: { details: unknown }) => row.details);
    });
    expect(failures).toContainEqual({ reason: 'passkey_refused', flow: 'passwordless' });

    // The control: the same clone with its counter ahead of the service's is accepted, so the counter was the reason.
    await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    authenticatorId = await addAuthenticator();
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...snapshot.credentials[0], signCount: 1000 } as never });
    const { answer: ahead } = (await page.evaluate(() => (globalThis as any).ceremony.passwordless())) as { answer: Answer };
    expect(ahead.status).toBe(200);
  });

  it('removes the passkey: the password alone signs in again', async () => {
    const list = await service.http.get('/api/v1/auth/passkeys', { token: user.token });
    const removed = await service.http.delete(`/api/v1/auth/passkeys/${list.body.data.data[0].id}`, { token: user.token });
    expect(removed.status).toBe(200);
    const login = await service.http.post('/api/v1/auth/login', { username: user.username, password: user.password });
    expect(login.body.data.access_token).toEqual(expect.any(String));
  });
});
