#!/usr/bin/env node
'use strict';
// npm run bench:explain [-- --users 1000000]
//
// Captures the plans PostgreSQL really ran for each list and search request of the benchmark: the
// benchmark's embedded PostgreSQL is started with auto_explain (ANALYZE, BUFFERS) on, the service
// answers one request per case, and every statement that request ran is written with its plan to
// bench/plans/<users>/<case>.txt. Run `npm run bench -- --users N` first: it loads the data set.
const { spawnSync } = require('node:child_process');
const { mkdirSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { loadedUsers } = require('./load-data');
const {
  root,
  BENCH_PG,
  databaseUrl,
  withClient,
  freePort,
  stop,
  startService,
  serviceEnvironment,
  signIn,
  deepPage,
  cursorBefore,
  benchAdmin,
} = require('./lib');

const { values: options } = parseArgs({ options: { users: { type: 'string', default: '1000000' } } });
const USERS = Number(options.users);
const DEEP_PAGE = deepPage(USERS);
const log = (message) => process.stdout.write(`${message}\n`);

const AUTO_EXPLAIN = {
  session_preload_libraries: 'auto_explain',
  'auto_explain.log_min_duration': '0',
  'auto_explain.log_analyze': 'on',
  'auto_explain.log_buffers': 'on',
  'auto_explain.log_timing': 'on',
  'auto_explain.log_verbose': 'off',
};

async function main() {
  if (spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  const { startEmbeddedPostgres } = require(join(root, 'dist', 'src', 'database', 'embedded-postgres'));
  let serverLog = '';
  const pg = await startEmbeddedPostgres({
    dataDir: BENCH_PG.dataDir,
    port: BENCH_PG.port,
    settings: { ...BENCH_PG.settings, ...AUTO_EXPLAIN },
    log: (message) => {
      serverLog += `${message}\n`;
    },
  });
  if (!pg.owned) throw new Error(`stop the PostgreSQL already running on port ${BENCH_PG.port} first (auto_explain must be loaded)`);
  const dbUrl = databaseUrl(pg.url, `ums_bench_${USERS}`);
  try {
    const loaded = await withClient(pg.url, async (client) => {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [`ums_bench_${USERS}`]);
      return exists.rowCount > 0 ? withClient(dbUrl, loadedUsers) : 0;
    });
    if (loaded !== USERS) throw new Error(`no data set of ${USERS} users: run \`npm run bench -- --users ${USERS}\` first`);

    const samples = await withClient(dbUrl, async (client) => {
      const fragments = await client.query(
        `SELECT fragment, n FROM username_fragments WHERE length(fragment) = 3 AND fragment ~ '^[a-z]+$' ORDER BY n DESC, fragment`,
      );
      const rows = fragments.rows;
      const pinyin = await client.query(
        `SELECT replace(name_pinyin, ' ', '') AS p, count(*) AS n FROM users WHERE name_pinyin IS NOT NULL
          GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
      );
      const someone = await client.query(`SELECT username, name FROM users WHERE name ~ '[一-龥]' ORDER BY created_at DESC LIMIT 1`);
      return {
        commonFragment: rows[0],
        medianFragment: rows[Math.floor(rows.length / 2)],
        rareFragment: rows.find((row) => Number(row.n) <= 20) ?? rows[rows.length - 1],
        longFragment: someone.rows[0].username.replace(/\d+$/, '').slice(0, 5),
        commonPinyin: pinyin.rows[0].p,
        chineseName: someone.rows[0].name,
        admin: await benchAdmin(client),
        deepCursor: await cursorBefore(client, DEEP_PAGE),
      };
    });

    const service = await startService(serviceEnvironment(dbUrl), await freePort());
    try {
      const token = await signIn(service.url, samples.admin);
      const cases = [
        ['page-1', '/api/v1/users?page=1&limit=10'],
        [`fragment-common-${samples.commonFragment.fragment}`, `/api/v1/users?username_container=${samples.commonFragment.fragment}`],
        [`fragment-median-${samples.medianFragment.fragment}`, `/api/v1/users?username_container=${samples.medianFragment.fragment}`],
        [`fragment-rare-${samples.rareFragment.fragment}`, `/api/v1/users?username_container=${samples.rareFragment.fragment}`],
        [`fragment-long-${samples.longFragment}`, `/api/v1/users?username_container=${samples.longFragment}`],
        [`pinyin-${samples.commonPinyin}`, `/api/v1/users?name=${encodeURIComponent(samples.commonPinyin)}`],
        ['name-chinese', `/api/v1/users?name=${encodeURIComponent(samples.chineseName)}`],
        [`page-${DEEP_PAGE}`, `/api/v1/users?page=${DEEP_PAGE}&limit=10`],
        ['cursor', `/api/v1/users?cursor=${samples.deepCursor}&limit=10`],
        ['filter-role-admin', '/api/v1/users?role=admin'],
      ];
      const folder = join(root, 'bench', 'plans', String(USERS));
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(folder, { recursive: true });
      for (const [name, path] of cases) {
        const get = () => fetch(`${service.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        // Twice first, so the statement is prepared and the cache warm, as under load.
        await (await get()).arrayBuffer();
        await (await get()).arrayBuffer();
        await new Promise((resolve) => setTimeout(resolve, 200));
        serverLog = '';
        const started = process.hrtime.bigint();
        const response = await get();
        const body = await response.json();
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        await new Promise((resolve) => setTimeout(resolve, 300));
        const plans = serverLog.replace(/^.*LOG: {2}/gm, '').trim();
        const header = [
          `GET ${path}`,
          `answered ${response.status} in ${ms.toFixed(1)} ms: ${body.data?.data?.length ?? 0} rows, count ${body.data?.count}, total ${body.data?.total}`,
          `${USERS.toLocaleString('en')} users; every statement the request ran, as auto_explain (ANALYZE, BUFFERS) logged it`,
          '',
        ].join('\n');
        writeFileSync(join(folder, `${name}.txt`), `${header}\n${plans}\n`);
        log(`  ${name}: ${ms.toFixed(1)} ms (${path})`);
      }
    } finally {
      await stop(service.child);
    }
  } finally {
    await pg.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`explain failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
