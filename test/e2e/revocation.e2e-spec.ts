import { ChildProcess } from 'node:child_process';
import { signInRoles, login, registerUser, TestUser } from '../support/factories';
import { expectEnvelope, HttpClient } from '../support/http';
import { RunningService, spawnService, startService, stopChild } from '../support/service';

const TRIALS = 200;
/** Users per revocation kind, each running its share of the trials one after the other. */
const LANES = 4;

/**
 * Revocation is exact across instances: two instances on one database, a revocation made through
 * instance A, and the very request that follows A's answer (sent in the same tick) going to
 * instance B. Every kind of revocation, TRIALS times each; zero stale answers allowed. (No instance
 * keeps session state in memory, so there is no window to hit; this spec keeps it that way.)
 */
describe('Revocation across two instances', () => {
  let a: RunningService;
  let b: HttpClient;
  let bChild: ChildProcess;
  let superadmin: TestUser;

  beforeAll(async () => {
    a = await startService({ RATE_LIMIT_API: '1000000', LOGIN_MAX_FAILURES: '1000' });
    const second = await spawnService({ ...a.env });
    bChild = second.child;
    b = new HttpClient(second.url);
    ({ superadmin } = await signInRoles(a.http));
  }, 120000);

  afterAll(async () => {
    if (bChild) await stopChild(bChild);
    await a?.dispose();
  });

  /**
   * Runs TRIALS trials over LANES users: each trial signs the user in on A, checks that B accepts the
   * token, revokes through A, and the moment A has answered asks B again. Returns the stale answers.
   */
  async function probe(
    revoke: (user: TestUser, token: string) => Promise<void>,
    undo: (user: TestUser) => Promise<void> = async () => undefined,
  ): Promise<{ stale: number; probed: number }> {
    let stale = 0;
    let probed = 0;
    const lane = async (index: number): Promise<void> => {
      const user = await registerUser(a.http);
      for (let trial = index; trial < TRIALS; trial += LANES) {
        const { token } = await login(a.http, { username: user.username }, user.password);
        expectEnvelope(await b.get('/api/v1/auth/me', { token }), 200);
        await revoke(user, token);
        const after = await b.get('/api/v1/auth/me', { token });
        probed += 1;
        if (after.status !== 401) stale += 1;
        await undo(user);
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, index) => lane(index)));
    return { stale, probed };
  }

  const admin = (): { token: string } => ({ token: superadmin.token });

  it('logout', async () => {
    const result = await probe(async (_user, token) => {
      expectEnvelope(await a.http.post('/api/v1/auth/logout', undefined, { token }), 200);
    });
    expect(result).toEqual({ stale: 0, probed: TRIALS });
  }, 300000);

  it('disable', async () => {
    const result = await probe(
      async (user) => expectEnvelope(await a.http.patch(`/api/v1/users/${user.id}`, { state: 0 }, admin()), 200),
      async (user) => expectEnvelope(await a.http.patch(`/api/v1/users/${user.id}`, { state: 1 }, admin()), 200),
    );
    expect(result).toEqual({ stale: 0, probed: TRIALS });
  }, 300000);

  it('blacklist', async () => {
    const entries = new Map<string, string>();
    const result = await probe(
      async (user) => {
        const added = await a.http.post('/api/v1/black-list', { user: user.id, reason: 'probe' }, admin());
        expectEnvelope(added, 201);
        entries.set(user.id, added.body.data.id as string);
      },
      async (user) => expectEnvelope(await a.http.delete(`/api/v1/black-list/${entries.get(user.id)}`, admin()), 200),
    );
    expect(result).toEqual({ stale: 0, probed: TRIALS });
  }, 300000);

  it('delete', async () => {
    const result = await probe(
      async (user) => expectEnvelope(await a.http.delete(`/api/v1/users/${user.id}`, admin()), 200),
      async (user) => expectEnvelope(await a.http.post(`/api/v1/users/${user.id}/restore`, undefined, admin()), 200),
    );
    expect(result).toEqual({ stale: 0, probed: TRIALS });
  }, 300000);

  it('password change (ends every other session)', async () => {
    const result = await probe(async (user) => {
      // From a second session: the probed token is one of the "other" sessions it ends.
      const other = await login(a.http, { username: user.username }, user.password);
      const next = user.password === 'pa55word!' ? 'pa55word?' : 'pa55word!';
      expectEnvelope(
        await a.http.put('/api/v1/auth/password', { old_password: user.password, new_password: next }, { token: other.token }),
        200,
      );
      user.password = next;
    });
    expect(result).toEqual({ stale: 0, probed: TRIALS });
  }, 300000);
});
