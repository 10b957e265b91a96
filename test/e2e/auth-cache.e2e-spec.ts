import { ChildProcess } from 'node:child_process';
import { withClient } from '../support/database';
import { createUserWithRole, login, registerUser, signInRoles, TestUser } from '../support/factories';
import { expectEnvelope, HttpClient } from '../support/http';
import { RunningService, spawnService, startService, stopChild, waitFor } from '../support/service';

/**
 * Each instance answers the per-request session check from memory; the database announces every
 * change that can end a token on LISTEN/NOTIFY. Two instances on one database: whatever one of
 * them (or anyone with SQL) changes, the other refuses the token on the very next request.
 */
describe('Session cache: two instances on one database', () => {
  let a: RunningService;
  let b: { child: ChildProcess; http: HttpClient };
  let superadmin: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    a = await startService();
    const second = await spawnService({ ...a.env });
    b = { child: second.child, http: new HttpClient(second.url) };
    ({ superadmin, admin } = await signInRoles(a.http));
    await waitFor(async () => (await metric(b.http, 'auth_cache_listening')) === 1, 10000, 'instance B to listen');
  });
  afterAll(async () => {
    if (b) await stopChild(b.child);
    await a?.dispose();
  });

  async function metric(http: HttpClient, name: string, labels = ''): Promise<number> {
    const text = (await http.get('/metrics')).text;
    const line = text.split('\n').find((row) => row.startsWith(`${name}${labels} `));
    return line ? Number(line.split(' ')[1]) : 0;
  }
  const hits = (http: HttpClient) => metric(http, 'auth_cache_lookups_total', '{result="hit"}');
  const me = (http: HttpClient, token: string) => http.get('/api/v1/auth/me', { token });

  /** The token is good on B, and B answers it from memory. */
  async function warm(token: string): Promise<void> {
    expectEnvelope(await me(b.http, token), 200);
    const before = await hits(b.http);
    expectEnvelope(await me(b.http, token), 200);
    expect(await hits(b.http)).toBeGreaterThan(before);
  }

  it('answers a known session from memory', async () => {
    const user = await registerUser(a.http);
    await warm(user.token);
  });

  it('refuses a token on B as soon as A has logged it out', async () => {
    const user = await registerUser(a.http);
    await warm(user.token);
    expectEnvelope(await a.http.post('/api/v1/auth/logout', undefined, { token: user.token }), 200);
    expectEnvelope(await me(b.http, user.token), 401, 40101);
  });

  it('refuses on B at once when A blacklists, disables or deletes the user, or ends their sessions with a password change', async () => {
    const blacklisted = await registerUser(a.http);
    await warm(blacklisted.token);
    expectEnvelope(await a.http.post('/api/v1/black-list', { user: blacklisted.id, reason: 'abuse' }, { token: admin.token }), 201);
    expectEnvelope(await me(b.http, blacklisted.token), 401, 40101);

    const disabled = await registerUser(a.http);
    await warm(disabled.token);
    expectEnvelope(await a.http.patch(`/api/v1/users/${disabled.id}`, { state: 0 }, { token: admin.token }), 200);
    expectEnvelope(await me(b.http, disabled.token), 401, 40101);

    const deleted = await registerUser(a.http);
    await warm(deleted.token);
    expectEnvelope(await a.http.delete(`/api/v1/users/${deleted.id}`, { token: superadmin.token }), 200);
    expectEnvelope(await me(b.http, deleted.token), 401, 40101);

    const changed = await registerUser(a.http);
    const otherSession = await login(a.http, { username: changed.username }, changed.password);
    await warm(otherSession.token);
    const password = await a.http.put(
      '/api/v1/auth/password',
      { old_password: changed.password, new_password: 'an0ther-Passw0rd' },
      { token: changed.token },
    );
    expectEnvelope(password, 200);
    expectEnvelope(await me(b.http, otherSession.token), 401, 40101);
  });

  it('applies a role change made on A to the very next request on B', async () => {
    const demoted = await createUserWithRole(a.http, 'admin', superadmin.token);
    const list = () => b.http.get('/api/v1/users?limit=1', { token: demoted.token });
    expectEnvelope(await list(), 200);
    expectEnvelope(await list(), 200);
    expectEnvelope(await a.http.patch(`/api/v1/users/${demoted.id}`, { role: 'user' }, { token: superadmin.token }), 200);
    expectEnvelope(await list(), 403, 40301);
  });

  it('sees a revocation made directly in the database within 100 ms on both instances', async () => {
    const user = await registerUser(a.http);
    await warm(user.token);
    expectEnvelope(await me(a.http, user.token), 200);
    await withClient(a.databaseUrl, (client) => client.query(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1`, [user.id]));
    for (const http of [a.http, b.http]) {
      await waitFor(async () => (await me(http, user.token)).status === 401, 100, 'the revocation to reach the instance');
    }
  });

  it('empties the cache and stops serving from memory when the LISTEN connection is lost, then resumes', async () => {
    const user = await registerUser(a.http);
    await warm(user.token);
    const listeners = `SELECT pid FROM pg_stat_activity WHERE application_name = 'user-management-service:auth-listener' AND datname = current_database()`;
    const before = await withClient(a.databaseUrl, async (client) => (await client.query(listeners)).rows.map((row) => row.pid as number));
    expect(before).toHaveLength(2);
    await withClient(a.databaseUrl, (client) => client.query(`SELECT pg_terminate_backend(pid) FROM (${listeners}) AS l`));

    // Whatever the interleaving, the token still works (it is good) and nothing stale is served afterwards.
    expectEnvelope(await me(b.http, user.token), 200);
    await waitFor(
      async () => {
        const now = await withClient(a.databaseUrl, async (client) => (await client.query(listeners)).rows.map((row) => row.pid as number));
        return now.length === 2 && now.every((pid) => !before.includes(pid));
      },
      10000,
      'both instances to listen again',
    );
    await waitFor(async () => (await metric(b.http, 'auth_cache_listening')) === 1, 5000, 'instance B to serve from memory again');
    await warm(user.token);
    await withClient(a.databaseUrl, (client) => client.query(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1`, [user.id]));
    await waitFor(async () => (await me(b.http, user.token)).status === 401, 100, 'the revocation to reach instance B');
  });
});
