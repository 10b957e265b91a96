import { ChildProcess } from 'node:child_process';
import { createUserWithRole, newAccount, signInSuperadmin, TestUser } from '../support/factories';
import { expectEnvelope, HttpClient } from '../support/http';
import { RunningHaproxy, startHaproxy } from '../support/haproxy';
import { freePort, RunningService, spawnService, startService, stopChild } from '../support/service';

/**
 * Three instances on one database behind Debian's HAProxy, configured by the shipped example
 * (deploy/haproxy.cfg; round robin, so consecutive requests go to different instances). Everything
 * is asked through HAProxy, as a client would: one limit for all, the lockout shared, revocation
 * exact whichever instance takes the next request, and a race with one winner.
 */
describe('Three instances behind HAProxy', () => {
  let first: RunningService;
  const children: ChildProcess[] = [];
  let haproxy: RunningHaproxy;
  let lb: HttpClient;
  let superadmin: TestUser;

  beforeAll(async () => {
    first = await startService({
      TRUST_PROXY: 'true',
      RATE_LIMIT_REGISTER: '40',
      RATE_LIMIT_LOGIN: '100000',
      RATE_LIMIT_API: '1000000',
      LOGIN_MAX_FAILURES: '5',
      LOGIN_LOCK_SECONDS: '600',
    });
    const ports = [Number(new URL(first.url).port)];
    for (let index = 0; index < 2; index += 1) {
      const started = await spawnService({ ...first.env });
      children.push(started.child);
      ports.push(Number(new URL(started.url).port));
    }
    haproxy = await startHaproxy(await freePort(), ports);
    lb = new HttpClient(haproxy.url);
    // Every server up in HAProxy's view (rise 2 at 1 s) before the first test.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    superadmin = await signInSuperadmin(lb);
  }, 240000);

  afterAll(async () => {
    await haproxy?.stop();
    await Promise.all(children.map((child) => stopChild(child)));
    await first?.dispose();
  });

  it('lets exactly one of twelve concurrent registrations of one username win', async () => {
    const account = newAccount();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, index) => lb.post('/api/v1/auth/register', { ...account, email: `race${index}-${account.email}` })),
    );
    expect(answers.filter((r) => r.status === 201)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 409).every((r) => r.body.errorCode === 40901)).toBe(true);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(11);
  }, 120000);

  it('shares the lockout: five wrong passwords by username, then the right one by email, is locked on every instance', async () => {
    const user = await registerUserThrough(lb, superadmin.token);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expectEnvelope(await lb.post('/api/v1/auth/login', { username: user.username, password: 'wrong-password' }), 401, 40102);
    }
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expectEnvelope(await lb.post('/api/v1/auth/login', { email: user.email.toUpperCase(), password: user.password }), 429, 42901);
    }
  }, 120000);

  it('revokes exactly: after a logout, a disable or a blacklisting through one instance, the next request is refused by whichever takes it', async () => {
    for (let trial = 0; trial < 30; trial += 1) {
      const user = await registerUserThrough(lb, superadmin.token);
      const token = await loginThrough(lb, user);
      expectEnvelope(await lb.get('/api/v1/auth/me', { token }), 200);
      const kind = trial % 3;
      if (kind === 0) expectEnvelope(await lb.post('/api/v1/auth/logout', {}, { token }), 200);
      if (kind === 1) expectEnvelope(await lb.patch(`/api/v1/users/${user.id}`, { state: 0 }, { token: superadmin.token }), 200);
      if (kind === 2)
        expectEnvelope(await lb.post('/api/v1/black-list', { user: user.id, reason: 'scale test' }, { token: superadmin.token }), 201);
      // The next three requests go to the three instances in turn: each refuses the token.
      for (let next = 0; next < 3; next += 1) expectEnvelope(await lb.get('/api/v1/auth/me', { token }), 401, 40101);
    }
  }, 180000);

  it('passes the client address on (X-Forwarded-For, TRUST_PROXY=true) to the audit log', async () => {
    const user = await registerUserThrough(lb, superadmin.token);
    await loginThrough(lb, user);
    const logs = await lb.get(`/api/v1/user-logs?user=${user.id}`, { token: superadmin.token });
    expectEnvelope(logs, 200);
    expect(logs.body.data.data.length).toBeGreaterThan(0);
    expect(logs.body.data.data[0].ip).toBe('127.0.0.1');
  });

  it('enforces one registration limit for all three instances', async () => {
    const probe = await lb.post('/api/v1/auth/register', newAccount());
    expect(probe.status).toBe(201);
    const remaining = Number(probe.headers.get('ratelimit-remaining'));
    expect(remaining).toBeGreaterThan(3);
    // Round robin spreads these over the three instances; together they may register exactly `remaining`.
    const answers = await Promise.all(Array.from({ length: remaining + 6 }, () => lb.post('/api/v1/auth/register', newAccount())));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(remaining);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused).toHaveLength(6);
    for (const response of refused) expectEnvelope(response, 429, 42901);
  }, 120000);
});

/** A user made by the superadmin (POST /users), so that only the registration-limit test spends registrations. */
function registerUserThrough(lb: HttpClient, superadminToken: string): Promise<TestUser> {
  return createUserWithRole(lb, 'user', superadminToken);
}

async function loginThrough(lb: HttpClient, user: TestUser): Promise<string> {
  const response = await lb.post('/api/v1/auth/login', { username: user.username, password: user.password });
  expectEnvelope(response, 200);
  return response.body.data.access_token as string;
}
