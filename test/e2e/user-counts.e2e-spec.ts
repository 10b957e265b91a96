import { withClient } from '../support/database';
import { newAccount, signInSuperadmin, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

/**
 * `total` on GET /users comes from trigger-kept counters, and the `count` of a 1- to 3-character
 * username_container from per-fragment counters (with created_at order walked when it matches many
 * users). Both must always equal what counting the rows says, through every kind of write.
 */
describe('User counts: total and short username_container searches stay exact', () => {
  let service: RunningService;
  let superadmin: TestUser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    service = await startService();
    superadmin = await signInSuperadmin(service.http);
    for (const username of ['qaxBob1', 'qaxbella2', 'QAYcarl3', 'qbzDora4', 'xqaEve5', 'plainer6']) {
      const response = await service.http.post('/api/v1/auth/register', newAccount({ username }));
      expect(response.status).toBe(201);
      ids[username] = response.body.data.id;
    }
  });
  afterAll(() => service?.dispose());

  const sql = <T>(text: string, values: unknown[] = []): Promise<T[]> =>
    withClient(service.databaseUrl, async (client) => (await client.query(text, values)).rows as T[]);

  /** What counting the rows says: matches (in created_at order) and live users. */
  async function expected(fragment: string, order: 'ASC' | 'DESC' = 'ASC') {
    const rows = await sql<{ id: string }>(
      `SELECT id FROM users WHERE deleted_at IS NULL AND strpos(lower(username), $1) > 0 ORDER BY created_at ${order}, id ${order}`,
      [fragment.toLowerCase()],
    );
    const [live] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE deleted_at IS NULL`);
    return { ids: rows.map((row) => row.id), total: live.n };
  }

  async function expectExact(fragment: string): Promise<void> {
    const search = async (query: string) => {
      const response = await service.http.get(`/api/v1/users?username_container=${encodeURIComponent(fragment)}${query}`, {
        token: superadmin.token,
      });
      expectEnvelope(response, 200);
      return response.body.data;
    };
    const ascending = await expected(fragment, 'ASC');
    const first = await search('&limit=2');
    expect({ fragment, count: first.count, total: first.total }).toEqual({ fragment, count: ascending.ids.length, total: ascending.total });
    expect(first.data.map((row: { id: string }) => row.id)).toEqual(ascending.ids.slice(0, 2));
    const second = await search('&limit=2&page=2');
    expect(second.data.map((row: { id: string }) => row.id)).toEqual(ascending.ids.slice(2, 4));
    const descending = await expected(fragment, 'DESC');
    const newest = await search('&limit=3&sort=-created_at');
    expect(newest.data.map((row: { id: string }) => row.id)).toEqual(descending.ids.slice(0, 3));
  }

  const FRAGMENTS = ['q', 'Q', 'qa', 'QAX', 'qax', 'xqa', 'a', 'b1', 'bel', '1', 'zzz', '_', '%', 'a%', ' '];

  it('counts every 1- to 3-character fragment exactly, case-insensitively, with wildcards taken literally', async () => {
    for (const fragment of FRAGMENTS) await expectExact(fragment);
    const all = await service.http.get('/api/v1/users?limit=1', { token: superadmin.token });
    const [live] = await sql<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE deleted_at IS NULL`);
    expect({ count: all.body.data.count, total: all.body.data.total }).toEqual({ count: live.n, total: live.n });
  });

  it('stays exact through soft delete, restore and rename', async () => {
    expectEnvelope(await service.http.delete(`/api/v1/users/${ids.qaxBob1}`, { token: superadmin.token }), 200);
    for (const fragment of ['q', 'qax', 'bob', 'b1']) await expectExact(fragment);
    const [counts] = await sql<{ live: number; dead: number }>(
      `SELECT count(*) FILTER (WHERE deleted_at IS NULL)::int AS live, count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS dead FROM users`,
    );
    const deletedOnly = await service.http.get('/api/v1/users?deleted=true', { token: superadmin.token });
    expect({ count: deletedOnly.body.data.count, total: deletedOnly.body.data.total }).toEqual({ count: counts.dead, total: counts.dead });
    const everyone = await service.http.get('/api/v1/users?deleted=all', { token: superadmin.token });
    expect(everyone.body.data.total).toBe(counts.live + counts.dead);

    expectEnvelope(await service.http.post(`/api/v1/users/${ids.qaxBob1}/restore`, undefined, { token: superadmin.token }), 200);
    for (const fragment of ['q', 'qax', 'bob', 'b1']) await expectExact(fragment);

    const renamed = await service.http.patch(`/api/v1/users/${ids.qbzDora4}`, { username: 'renamedQax7' }, { token: superadmin.token });
    expectEnvelope(renamed, 200);
    for (const fragment of ['qbz', 'dor', 'ren', 'qax', 'x7', '4']) await expectExact(fragment);
  });

  it('stays exact when accounts are created at the same time, without deadlocks', async () => {
    const usernames = Array.from({ length: 12 }, (_, index) => `race${index}qax${String.fromCharCode(97 + index)}`);
    const responses = await Promise.all(usernames.map((username) => service.http.post('/api/v1/auth/register', newAccount({ username }))));
    expect(responses.map((response) => response.status)).toEqual(usernames.map(() => 201));
    for (const fragment of ['rac', 'qax', 'a', 'ce1', 'k']) await expectExact(fragment);
  });

  it('keeps the counters equal to a recount of every fragment', async () => {
    const drift = await sql<{ fragment: string }>(
      `WITH actual AS (
         SELECT f AS fragment, count(*) AS n FROM users, username_fragments_of(username) AS f WHERE deleted_at IS NULL GROUP BY f
       )
       SELECT coalesce(a.fragment, k.fragment) AS fragment
         FROM actual a FULL JOIN (SELECT * FROM username_fragments WHERE n <> 0) k ON k.fragment = a.fragment
        WHERE a.n IS DISTINCT FROM k.n`,
    );
    expect(drift).toEqual([]);
  });
});
