'use strict';
// Loads the benchmark data set with bulk SQL (never through the API): users with realistic profiles
// (Chinese and English names, pinyin), occupations, groups with members, audit records and a few
// blacklist entries. The schema is the service's own (its migrations ran at start-up).
const { people } = require('./names');

const NAME_POOL = 20000;
const BATCH = 100000;
const GROUPS = 1000;

async function timed(log, label, work) {
  const started = Date.now();
  const result = await work();
  log(`  ${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result;
}

/** The number of users a previous run loaded into this database, or 0. */
async function loadedUsers(client) {
  const { rows } = await client.query(`SELECT to_regclass('bench_meta') IS NOT NULL AS present`);
  if (!rows[0].present) return 0;
  const meta = await client.query('SELECT users FROM bench_meta');
  return meta.rows[0]?.users ?? 0;
}

async function loadDataSet(client, { users, passwordHash, log }) {
  const started = Date.now();
  log(`loading ${users.toLocaleString('en')} users by bulk SQL`);
  await client.query('SET synchronous_commit = off');

  await timed(log, 'name pool', async () => {
    await client.query('CREATE TEMP TABLE bench_names (idx int PRIMARY KEY, base text, name text, name_pinyin text, name_search text)');
    const pool = people(NAME_POOL);
    for (let offset = 0; offset < pool.length; offset += 2000) {
      const chunk = pool.slice(offset, offset + 2000);
      await client.query(`INSERT INTO bench_names SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[])`, [
        chunk.map((_, i) => offset + i),
        chunk.map((p) => p.base),
        chunk.map((p) => p.name),
        chunk.map((p) => p.namePinyin),
        chunk.map((p) => p.nameSearch),
      ]);
    }
    await client.query(`CREATE TEMP TABLE bench_occupations AS SELECT (row_number() OVER (ORDER BY code)) - 1 AS idx, id FROM occupations`);
  });

  await timed(log, 'users', async () => {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM bench_occupations');
    const occupations = rows[0].n;
    for (let start = 1; start <= users; start += BATCH) {
      const end = Math.min(users, start + BATCH - 1);
      // Usernames and emails from the person's name and the row number, so they are unique and look real;
      // created_at one second apart, the newest last; 1 in 1000 is an admin, 1 in 200 disabled.
      await client.query(
        `INSERT INTO users (username, email, password_hash, role, state, name, name_pinyin, name_search, gender, age,
                            birthday, occupation_id, phone_number, created_at, updated_at, last_login_at)
         SELECT n.base || g, n.base || g || '@example.com', $3,
                CASE WHEN g % 1000 = 0 THEN 'admin' ELSE 'user' END,
                CASE WHEN g % 200 = 7 THEN 0 ELSE 1 END,
                n.name, n.name_pinyin, n.name_search, g % 3, 18 + g % 60,
                date '1960-01-01' + (g % 15000), o.id, '+86138' || lpad((g % 100000000)::text, 8, '0'),
                now() - make_interval(secs => $4 - g), now() - make_interval(secs => $4 - g),
                CASE WHEN g % 3 = 0 THEN now() - make_interval(secs => g % 86400) END
           FROM generate_series($1::int, $2::int) g
           JOIN bench_names n ON n.idx = g % ${NAME_POOL}
           JOIN bench_occupations o ON o.idx = g % $5`,
        [start, end, passwordHash, users + 1, occupations],
      );
      log(`    ${end.toLocaleString('en')} users`);
    }
  });

  await timed(log, 'groups and members', async () => {
    await client.query(
      `INSERT INTO groups (name, location, contact_phone, description)
       SELECT 'Team ' || lpad(g::text, 4, '0'), 'Building ' || (g % 20), '010' || lpad(g::text, 8, '0'), 'Benchmark group'
         FROM generate_series(1, ${GROUPS}) g`,
    );
    // Every user in one group, every third in a second one.
    await client.query(
      `WITH numbered AS (SELECT id, row_number() OVER (ORDER BY created_at) AS n FROM users),
            teams AS (SELECT id, row_number() OVER (ORDER BY name) - 1 AS idx FROM groups)
       INSERT INTO group_members (group_id, user_id)
       SELECT t.id, u.id FROM numbered u JOIN teams t ON t.idx = u.n % ${GROUPS}
       UNION ALL
       SELECT t.id, u.id FROM numbered u JOIN teams t ON t.idx = (u.n + 500) % ${GROUPS} WHERE u.n % 3 = 0`,
    );
  });

  await timed(log, 'audit records (hash-chained)', async () => {
    // One registration record per user and one login per user who has logged in, in time order. The
    // chain trigger would update its head row once per record inside one transaction (quadratic in
    // PostgreSQL's row versions), so the loader chains them itself with the service's own
    // audit_entry_hash(), with triggers off for this session, and moves the head once at the end.
    await client.query('SET session_replication_role = replica');
    await client.query(`
      DO $$
      DECLARE
        head_seq bigint;
        head_hash text;
        entry_id uuid;
        entry_hash text;
        r record;
      BEGIN
        SELECT seq, hash INTO head_seq, head_hash FROM audit_chain_head FOR UPDATE;
        FOR r IN
          SELECT id, 3::smallint AS operation, created_at AS at, '{"role":"user"}'::jsonb AS details,
                 '10.0.' || (random() * 255)::int || '.' || (random() * 255)::int AS ip
            FROM users
          UNION ALL
          SELECT id, 0::smallint, last_login_at, NULL, '10.1.0.1' FROM users WHERE last_login_at IS NOT NULL
          ORDER BY at
        LOOP
          head_seq := head_seq + 1;
          entry_id := gen_random_uuid();
          entry_hash := audit_entry_hash(head_seq, entry_id, r.id, r.id, r.operation, r.ip, 'bench-loader', r.details, r.at, head_hash);
          INSERT INTO audit_logs (id, seq, user_id, operator_id, operation, ip, user_agent, details, operate_time, prev_hash, hash)
          VALUES (entry_id, head_seq, r.id, r.id, r.operation, r.ip, 'bench-loader', r.details, r.at, head_hash, entry_hash);
          head_hash := entry_hash;
        END LOOP;
        UPDATE audit_chain_head SET seq = head_seq, hash = head_hash;
      END
      $$`);
    await client.query('SET session_replication_role = DEFAULT');
  });

  await timed(log, 'blacklist', async () => {
    await client.query(
      `INSERT INTO black_list (user_id, reason, operator_id)
       SELECT id, 'benchmark entry', NULL FROM users WHERE role = 'user' AND state = 1 ORDER BY created_at LIMIT 100`,
    );
  });

  await timed(log, 'vacuum analyze', () => client.query('VACUUM ANALYZE'));
  await client.query('CREATE TABLE IF NOT EXISTS bench_meta (users int NOT NULL)');
  await client.query('DELETE FROM bench_meta');
  await client.query('INSERT INTO bench_meta (users) VALUES ($1)', [users]);
  const seconds = (Date.now() - started) / 1000;
  log(`  loaded in ${seconds.toFixed(1)} s`);
  return seconds;
}

module.exports = { loadDataSet, loadedUsers };
