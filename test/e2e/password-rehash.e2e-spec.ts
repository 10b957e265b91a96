import { ChildProcess } from 'node:child_process';
import { withClient } from '../support/database';
import { registerUser } from '../support/factories';
import { expectEnvelope, HttpClient } from '../support/http';
import { RunningService, spawnService, startService, stopChild } from '../support/service';

/** Raising ARGON2_* upgrades each stored hash at its owner's next login, in the login's own write. */
describe('Password hashes follow the configured argon2 parameters', () => {
  let weak: RunningService;
  let strong: { child: ChildProcess; http: HttpClient };

  beforeAll(async () => {
    weak = await startService();
    const started = await spawnService({ ...weak.env, ARGON2_TIME_COST: '3' });
    strong = { child: started.child, http: new HttpClient(started.url) };
  });
  afterAll(async () => {
    if (strong) await stopChild(strong.child);
    await weak?.dispose();
  });

  const storedHash = (id: string): Promise<string> =>
    withClient(
      weak.databaseUrl,
      async (client) => (await client.query('SELECT password_hash FROM users WHERE id = $1', [id])).rows[0].password_hash,
    );

  it('rehashes at login with the stronger settings, never back down, and the password keeps working everywhere', async () => {
    const user = await registerUser(weak.http);
    expect(await storedHash(user.id)).toContain('$m=19456,p=1,t=2$');

    const login = await strong.http.post('/api/v1/auth/login', { username: user.username, password: user.password });
    expectEnvelope(login, 200);
    expect(login.body.data.user.id).toBe(user.id);
    expect(await storedHash(user.id)).toContain('$m=19456,p=1,t=3$');

    expectEnvelope(await weak.http.post('/api/v1/auth/login', { username: user.username, password: user.password }), 200);
    expect(await storedHash(user.id)).toContain('$m=19456,p=1,t=3$');
    expectEnvelope(await strong.http.post('/api/v1/auth/login', { username: user.username, password: 'not-the-password' }), 401, 40102);
  });
});
