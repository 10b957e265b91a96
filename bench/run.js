#!/usr/bin/env node
'use strict';
// npm run bench [-- --users 100000 --duration 10 --warmup 3 --runs 3 --connections 50 --json out.json]
// npm run bench -- --instances 3 | --rate-limit-cost   (bench/scale.js: through HAProxy; the shared limits' cost)
// npm run bench -- --soak [--soak-minutes 8 --soak-rate 50]   (steady RSS at a fixed, moderate rate)
// npm run bench -- --service-root ../other-checkout   (runs that checkout's build: before/after in one place)
//
// Starts the production build against PostgreSQL (embedded by default, DATABASE_URL honoured), loads
// a data set of N users by bulk SQL (kept for the next run of the same size), and drives the service
// over HTTP with autocannon: fixed connections and duration after a warm-up, each scenario several
// times, medians reported. Alongside it measures the limits: a bare node:http + pg server doing the
// same queries, and the raw argon2id verification rate. Prints a table and writes the same as JSON.
// Memory (bench/memory.js): RSS of the service and of the bare server sampled every 100 ms during each
// scenario (peak and steady), idle RSS after start, and the heap used after a full GC at the end.
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { SMTPServer } = require('smtp-server');
const autocannon = require('autocannon');
const argon2 = require('argon2');
const { loadDataSet, loadedUsers } = require('./load-data');
const { rss, sampleRss, heapAfterGc, watchInspector, INSPECT_FLAG, MiB } = require('./memory');
const {
  root,
  PASSWORD,
  databaseUrl,
  withClient,
  freePort,
  stop,
  startService,
  serviceEnvironment,
  signIn: signInAt,
  deepPage,
  cursorBefore,
  benchAdmin,
  startEmbeddedPostgres,
} = require('./lib');

// Many instances behind HAProxy, and the cost of the shared rate limits: bench/scale.js.
if (process.argv.includes('--instances') || process.argv.includes('--rate-limit-cost')) {
  require('./scale');
  return;
}

const { values: options } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    'latency-connections': { type: 'string', default: '1' },
    json: { type: 'string' },
    only: { type: 'string' },
    reload: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'soak-minutes': { type: 'string', default: '8' },
    'soak-rate': { type: 'string', default: '50' },
    'idle-settle': { type: 'string', default: '120' },
    'service-root': { type: 'string' },
    // Experiments: extra environment for the service, NAME=value,NAME=value (e.g. NODE_OPTIONS=--max-semi-space-size=4).
    'service-env': { type: 'string' },
  },
});
const USERS = Number(options.users);
const DURATION = Number(options.duration);
const WARMUP = Number(options.warmup);
const RUNS = Number(options.runs);
const CONNECTIONS = Number(options.connections);
// The list and search scenarios are latency targets (p95 of one query), measured without queueing.
const LATENCY_CONNECTIONS = Number(options['latency-connections']);
const SOAK_MINUTES = Number(options['soak-minutes']);
const SOAK_RATE = Number(options['soak-rate']);
// Idle RSS is read 10 s after the service is ready (it writes its warm code cache after 5 s), and again
// this many seconds after. V8 keeps start-up's garbage and its grown young generation until its memory
// reducer runs, which waits for a low allocation rate or, failing that, for its watchdog (about 100 s
// after the last full GC): 20-90 s after ready in the runs of 2026-12-07. The second reading is the idle
// figure an operator sees on an idle instance.
const IDLE_EARLY = 10;
const IDLE_SETTLE = Math.max(IDLE_EARLY, Number(options['idle-settle']));
const SERVICE_ROOT = options['service-root'] ? require('node:path').resolve(options['service-root']) : root;
// Page 5,000 of 10 rows; the middle page on data sets too small to have one.
const DEEP_PAGE = deepPage(USERS);
const log = (message) => process.stdout.write(`${message}\n`);

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One autocannon run; latencies are recorded per response so p50/p95/p99 are exact. */
function cannon(url, request, duration, connections = CONNECTIONS) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const instance = autocannon({ url, connections, duration, pipelining: 1, timeout: 30, requests: [request] }, (error, result) => {
      if (error) return reject(error);
      latencies.sort((a, b) => a - b);
      resolve({
        rps: result.requests.total / result.duration,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        errors: result.errors + result.timeouts + result.non2xx,
        total: result.requests.total,
      });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Warm-up, then RUNS measured runs; the median of each figure. */
async function scenario(url, request, connections) {
  await cannon(url, request, WARMUP, connections);
  const runs = [];
  for (let run = 0; run < RUNS; run += 1) runs.push(await cannon(url, request, DURATION, connections));
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p95: median(runs.map((r) => r.p95)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    runs: runs.map((r) => Math.round(r.rps)),
  };
}

/** A fixed rate for `seconds`: autocannon's overallRate over a few connections, requests taken in turn. */
function soakRun(url, requests, seconds, rate) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: 10, duration: seconds, overallRate: rate, pipelining: 1, timeout: 30, requests }, (error, result) => {
      if (error) return reject(error);
      resolve({
        rps: result.requests.total / result.duration,
        total: result.requests.total,
        errors: result.errors + result.timeouts + result.non2xx,
      });
    });
  });
}

function rotating(values) {
  let index = 0;
  return () => values[index++ % values.length];
}

async function main() {
  const startedAt = Date.now();
  log('building the service');
  if (spawnSync('npm', ['run', 'build', '--silent'], { cwd: SERVICE_ROOT, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  if (SERVICE_ROOT !== root) log(`the service is ${SERVICE_ROOT}'s build`);
  // The import scenario (issue 12) is its own script: `npm run bench -- --only import --users 1000000`.
  if (options.only === 'import') return require('./import').main(['--users', String(USERS)]);

  let embedded = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    mkdirSync(join(root, '.data'), { recursive: true });
    embedded = await startEmbeddedPostgres();
    adminUrl = embedded.url;
  }
  const dbName = `ums_bench_${USERS}`;
  const dbUrl = databaseUrl(adminUrl, dbName);
  // The forgot scenario has a real SMTP server in the loop (the smtp-server package, accepting everything).
  let mailsAccepted = 0;
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 100,
    onData: (stream, _session, callback) => {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        mailsAccepted += 1;
        callback();
      });
    },
  });
  const smtpPort = await freePort();
  await new Promise((resolve) => smtp.listen(smtpPort, '127.0.0.1', resolve));
  const serviceEnv = serviceEnvironment(dbUrl, {
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    PASSWORD_RESET_MAX_PER_HOUR: '1000',
    MAIL_RETRY_DELAY: '1',
    ...Object.fromEntries(
      (options['service-env'] ?? '')
        .split(/,(?=[A-Z_]+=)/)
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
  });
  if (options['service-env']) log(`service environment: ${options['service-env']}`);
  const jwtSecret = serviceEnv.JWT_SECRET;
  const port = await freePort();

  const exists = await withClient(
    adminUrl,
    async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rowCount > 0,
  );
  const loaded = exists ? await withClient(dbUrl, loadedUsers) : 0;
  let loadSeconds = null;
  if (options.reload || loaded !== USERS) {
    await withClient(adminUrl, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${dbName}`);
    });
    const migrated = await startService(serviceEnv, port, { root: SERVICE_ROOT });
    log(`migrated a fresh database in ${migrated.readyMs.toFixed(0)} ms`);
    await stop(migrated.child);
    const passwordHash = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    loadSeconds = await withClient(dbUrl, (client) => loadDataSet(client, { users: USERS, passwordHash, log }));
  } else {
    log(`reusing the loaded data set of ${USERS.toLocaleString('en')} users (--reload to rebuild it)`);
  }

  // Start to ready against the already running PostgreSQL, three times, median.
  const readyTimes = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const trial = await startService(serviceEnv, port, { root: SERVICE_ROOT });
    readyTimes.push(trial.readyMs);
    await stop(trial.child);
  }
  // The reset mails counted at the end are this run's: the data set, and its outbox, are kept between runs.
  const runStarted = new Date();
  const service = await startService(serviceEnv, port, { root: SERVICE_ROOT, inspector: true });
  const barePort = await freePort();
  const bare = spawn(process.execPath, [INSPECT_FLAG, join(__dirname, 'bare-server.js')], {
    env: { PATH: process.env.PATH, PORT: String(barePort), DATABASE_URL: dbUrl, JWT_SECRET: jwtSecret, DATABASE_POOL_SIZE: '10' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const bareInspector = watchInspector(bare);
  await new Promise((resolve) => bare.stdout.once('data', resolve));
  // Idle: both started, nothing asked of them yet but the readiness probe; after a settle.
  log(`  idle RSS after ${IDLE_EARLY} s and ${IDLE_SETTLE} s`);
  const idleReading = async (seconds) => {
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return { serviceMiB: rss(service.child.pid) / MiB, bareMiB: rss(bare.pid) / MiB };
  };
  const idleEarly = await idleReading(IDLE_EARLY);
  const idle = {
    ...(await idleReading(IDLE_SETTLE - IDLE_EARLY)),
    settleSeconds: IDLE_SETTLE,
    early: { ...idleEarly, settleSeconds: IDLE_EARLY },
  };
  const bareUrl = `http://127.0.0.1:${barePort}`;

  const sample = await withClient(dbUrl, async (client) => {
    const users = await client.query(
      `SELECT id, username, email FROM users u WHERE role = 'user' AND state = 1 AND deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM black_list b WHERE b.user_id = u.id AND b.is_delete = 0)
        ORDER BY random() LIMIT 1000`,
    );
    const fragments = users.rows.slice(0, 200).map((row) => {
      const letters = row.username.replace(/\d+$/, '');
      const at = Math.floor(Math.random() * Math.max(1, letters.length - 2));
      return letters.slice(at, at + 3);
    });
    // Names of users drawn at random: searches for people who exist, as often as their names occur.
    const names = await client.query(`SELECT name_pinyin FROM users WHERE name_pinyin IS NOT NULL ORDER BY random() LIMIT 200`);
    const chinese = await client.query(`SELECT name FROM users WHERE name ~ '[一-龥]' ORDER BY random() LIMIT 200`);
    return {
      chinese: chinese.rows.map((r) => r.name),
      users: users.rows,
      admin: await benchAdmin(client),
      deepCursor: await cursorBefore(client, DEEP_PAGE),
      fragments,
      pinyin: names.rows.map((r) => r.name_pinyin.replace(/ /g, '')),
    };
  });
  const signIn = (username) => signInAt(service.url, username);
  const userToken = await signIn(sample.users[0].username);
  const adminToken = await signIn(sample.admin);
  const ids = rotating(sample.users.map((u) => u.id));
  const fragments = rotating(sample.fragments);
  const pinyin = rotating(sample.pinyin);
  const chineseNames = rotating(sample.chinese);
  const loginUsers = rotating(sample.users.slice(1, 200).map((u) => u.username));
  const forgotEmails = rotating(sample.users.map((u) => u.email));
  let registered = 0;
  const runTag = randomBytes(3).toString('hex');
  const auth = (token) => ({ authorization: `Bearer ${token}` });
  /** A GET with the token; `path` is a string, or a function giving each request its own path. */
  const get = (token, path) =>
    typeof path === 'function'
      ? { method: 'GET', path: '/', headers: auth(token), setupRequest: (req) => ({ ...req, path: path() }) }
      : { method: 'GET', path, headers: auth(token) };
  const me = () => get(userToken, '/api/v1/auth/me');
  const userById = () => get(adminToken, () => `/api/v1/users/${ids()}`);

  const scenarios = [
    { name: 'GET /auth/me', request: me(), limit: 'bare GET /auth/me' },
    { name: 'bare GET /auth/me', base: bareUrl, request: me() },
    {
      name: 'GET /users/:id (admin)',
      request: userById(),
      limit: 'bare GET /users/:id',
    },
    {
      name: 'bare GET /users/:id',
      base: bareUrl,
      request: userById(),
    },
    {
      name: 'GET /users page 1',
      connections: LATENCY_CONNECTIONS,
      request: get(adminToken, '/api/v1/users?page=1&limit=10'),
    },
    // The same page as a throughput figure, with its limit: the bare server's page and count.
    { name: 'GET /users page 1 (throughput)', request: get(adminToken, '/api/v1/users?page=1&limit=10'), limit: 'bare GET /users page 1' },
    { name: 'bare GET /users page 1', base: bareUrl, request: get(adminToken, '/api/v1/users?page=1&limit=10') },
    {
      name: 'GET /users?username_container=<3 letters>',
      connections: LATENCY_CONNECTIONS,
      request: get(adminToken, () => `/api/v1/users?username_container=${fragments()}`),
    },
    {
      name: 'GET /users?name=<pinyin>',
      connections: LATENCY_CONNECTIONS,
      request: get(adminToken, () => `/api/v1/users?name=${encodeURIComponent(pinyin())}`),
    },
    {
      name: 'GET /users?name=<Chinese name>',
      connections: LATENCY_CONNECTIONS,
      request: get(adminToken, () => `/api/v1/users?name=${encodeURIComponent(chineseNames())}`),
    },
    {
      name: `GET /users page ${DEEP_PAGE}`,
      connections: LATENCY_CONNECTIONS,
      request: get(adminToken, `/api/v1/users?page=${DEEP_PAGE}&limit=10`),
    },
    {
      name: 'GET /users?cursor= (same rows)',
      connections: LATENCY_CONNECTIONS,
      request: get(adminToken, `/api/v1/users?cursor=${sample.deepCursor}&limit=10`),
    },
    {
      name: 'POST /auth/login',
      request: {
        method: 'POST',
        path: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ username: loginUsers(), password: PASSWORD }) }),
      },
      limit: 'argon2id verify (raw)',
    },
    {
      name: 'POST /auth/password/forgot (SMTP in the loop)',
      request: {
        method: 'POST',
        path: '/api/v1/auth/password/forgot',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: JSON.stringify({ email: forgotEmails() }) }),
      },
    },
    {
      name: 'POST /auth/register',
      request: {
        method: 'POST',
        path: '/api/v1/auth/register',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => {
          registered += 1;
          const username = `bench${runTag}${registered}`;
          return { ...req, body: JSON.stringify({ username, email: `${username}@example.com`, password: PASSWORD }) };
        },
      },
    },
  ];

  const results = {};
  const only = options.only ? new RegExp(options.only) : null;
  // Each scenario with the RSS of the process it loads (the service's, or the bare server's), sampled every 100 ms.
  for (const item of scenarios) {
    if (only && !only.test(item.name)) continue;
    log(`  ${item.name}`);
    const pid = item.base === bareUrl ? bare.pid : service.child.pid;
    const { result, memory } = await sampleRss(pid, () => scenario(item.base ?? service.url, item.request, item.connections));
    results[item.name] = { ...result, memory };
  }
  if (!only || only.test('/health/live')) {
    log('  GET /health/live while logins run flat out');
    const login = scenarios.find((s) => s.name === 'POST /auth/login').request;
    const { result, memory } = await sampleRss(service.child.pid, () =>
      Promise.all([scenario(service.url, { method: 'GET', path: '/health/live' }, 1), scenario(service.url, login, CONNECTIONS)]),
    );
    results['GET /health/live during logins'] = { ...result[0], memory };
  }
  // The soak: authenticated reads (me, a user by id, the first page) at a fixed, moderate rate for minutes.
  let soak = null;
  if (options.soak) {
    log(`  soak: ${SOAK_RATE} req/s for ${SOAK_MINUTES} min (GET /auth/me, GET /users/:id, GET /users page 1 in turn)`);
    const requests = [me(), userById(), get(adminToken, '/api/v1/users?page=1&limit=10')];
    const { result, memory } = await sampleRss(service.child.pid, () => soakRun(service.url, requests, SOAK_MINUTES * 60, SOAK_RATE));
    soak = { minutes: SOAK_MINUTES, rate: SOAK_RATE, ...result, ...memory };
  }
  const peak = Math.max(0, ...Object.values(results).map((r) => r.memory?.peakMiB ?? 0));
  const servicePeaks = Object.entries(results)
    .filter(([name]) => !name.startsWith('bare'))
    .map(([, r]) => r.memory?.peakMiB ?? 0);
  const barePeaks = Object.entries(results)
    .filter(([name]) => name.startsWith('bare'))
    .map(([, r]) => r.memory?.peakMiB ?? 0);
  log('  heap after a full GC');
  const heap = { service: await heapAfterGc(service.child, service.inspectorAddress), bare: await heapAfterGc(bare, bareInspector) };

  if (results['POST /auth/password/forgot (SMTP in the loop)']) {
    // Every reset mail the scenario queued is delivered (the queue drains), then: how long from commit to SMTP accept.
    const drained = Date.now();
    const open = () =>
      withClient(dbUrl, async (client) =>
        Number((await client.query(`SELECT count(*) FROM mail_outbox WHERE status IN ('pending', 'sending', 'retrying')`)).rows[0].count),
      );
    while ((await open()) > 0 && Date.now() - drained < 300000) await new Promise((resolve) => setTimeout(resolve, 500));
    const mail = await withClient(dbUrl, async (client) => {
      const { rows } = await client.query(
        `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status <> 'sent')::int AS other,
                sum(GREATEST(attempts - 1, 0))::int AS retries,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at) * 1000) AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at) * 1000) AS p99
           FROM mail_outbox WHERE template = 'password-reset' AND created_at >= $1`,
        [runStarted],
      );
      return rows[0];
    });
    log(
      `  forgot: ${mail.sent} reset mails sent (${mailsAccepted} messages accepted by the SMTP server, ${mail.other} not sent, ` +
        `${mail.retries} retries), drained ${((Date.now() - drained) / 1000).toFixed(1)} s after the scenario; ` +
        `commit -> SMTP accept p50 ${Math.round(mail.p50)} ms, p99 ${Math.round(mail.p99)} ms`,
    );
    results['forgot: reset mails delivered'] = {
      rps: null,
      p50: mail.p50,
      p95: null,
      p99: mail.p99,
      errors: mail.other,
      sent: mail.sent,
      accepted: mailsAccepted,
    };
  }
  smtp.close();

  if (!only || only.test('login')) {
    log('  raw argon2id verification rate');
    const out = spawnSync(process.execPath, [join(__dirname, 'argon2-rate.js'), String(DURATION)], {
      env: process.env,
      encoding: 'utf8',
    });
    const raw = JSON.parse(out.stdout);
    results['argon2id verify (raw)'] = {
      rps: raw.perSecond,
      byConcurrency: raw.byConcurrency,
      p50: null,
      p95: null,
      p99: null,
      errors: 0,
      runs: [],
    };
  }

  await stop(service.child);
  await stop(bare);
  if (embedded) await stop(embedded.child);

  const rows = Object.entries(results).map(([name, r]) => {
    const limitName = scenarios.find((s) => s.name === name)?.limit;
    const limit = limitName ? results[limitName]?.rps : undefined;
    const connections =
      scenarios.find((s) => s.name === name)?.connections ?? (name.startsWith('argon2') ? null : name.includes('health') ? 1 : CONNECTIONS);
    const bareName = limitName?.startsWith('bare') ? limitName : undefined;
    return {
      scenario: name,
      connections,
      rps: r.rps,
      p50: r.p50,
      p95: r.p95,
      p99: r.p99,
      errors: r.errors,
      ratio: limit ? r.rps / limit : null,
      peakRssMiB: r.memory?.peakMiB ?? null,
      steadyRssMiB: r.memory?.steadyMiB ?? null,
      rssRatioToBare: bareName && r.memory && results[bareName]?.memory ? r.memory.peakMiB / results[bareName].memory.peakMiB : null,
    };
  });
  const report = {
    date: new Date().toISOString(),
    machine: {
      cores: require('node:os').cpus().length,
      memoryGiB: Math.round(require('node:os').totalmem() / 2 ** 30),
      node: process.version,
    },
    dataSet: { users: USERS, loadSeconds },
    settings: { connections: CONNECTIONS, latencyConnections: LATENCY_CONNECTIONS, duration: DURATION, warmup: WARMUP, runs: RUNS },
    startToReadyMs: median(readyTimes),
    peakRssMiB: peak,
    memory: {
      idle,
      servicePeakMiB: Math.max(0, ...servicePeaks),
      barePeakMiB: Math.max(0, ...barePeaks),
      heapAfterGc: heap,
      soak,
    },
    productionNodeModulesMiB: null,
    results: rows,
    totalSeconds: (Date.now() - startedAt) / 1000,
  };
  const fixed = (value, digits = 0) => (value === null || value === undefined ? '' : value.toFixed(digits));
  // With no scenario run (--only NONE, for the idle and soak readings alone) there is no table and no peak under load.
  const ranScenarios = rows.length > 0;
  log('');
  const times = (value) => (value === null || value === undefined ? '' : `${value.toFixed(2)}x`);
  if (ranScenarios) {
    log(
      `| scenario | connections | req/s | p50 ms | p95 ms | p99 ms | errors | ratio to limit | peak RSS MiB | steady RSS MiB | RSS to bare |`,
    );
    log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
  }
  for (const row of rows) {
    log(
      `| ${row.scenario} | ${row.connections ?? ''} | ${fixed(row.rps)} | ${fixed(row.p50)} | ${fixed(row.p95)} | ${fixed(row.p99)} | ${row.errors} | ${times(row.ratio)} | ${fixed(row.peakRssMiB)} | ${fixed(row.steadyRssMiB)} | ${times(row.rssRatioToBare)} |`,
    );
  }
  log('');
  log(
    `data set: ${USERS.toLocaleString('en')} users${loadSeconds ? ` (loaded in ${loadSeconds.toFixed(0)} s)` : ''}; ${report.machine.cores} cores; ${CONNECTIONS} connections (${LATENCY_CONNECTIONS} for list and search), ${RUNS} x ${DURATION} s after ${WARMUP} s warm-up, medians`,
  );
  log(
    `start to ready: ${report.startToReadyMs.toFixed(0)} ms${ranScenarios ? `; peak RSS under load: ${report.peakRssMiB.toFixed(0)} MiB` : ''}`,
  );
  const memory = report.memory;
  const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : 'n/a');
  log('');
  log(`| memory (MiB) | service | bare node:http + pg | service / bare |`);
  log(`|---|---:|---:|---:|`);
  for (const reading of [idle.early, idle]) {
    log(
      `| idle RSS (${reading.settleSeconds} s after ready) | ${fixed(reading.serviceMiB)} | ${fixed(reading.bareMiB)} | ${ratio(reading.serviceMiB, reading.bareMiB)} |`,
    );
  }
  if (ranScenarios)
    log(
      `| peak RSS, all scenarios | ${fixed(memory.servicePeakMiB)} | ${fixed(memory.barePeakMiB)} | ${ratio(memory.servicePeakMiB, memory.barePeakMiB)} |`,
    );
  log(
    `| heap used after full GC | ${fixed(heap.service?.heapUsedMiB, 1)} | ${fixed(heap.bare?.heapUsedMiB, 1)} | ${ratio(heap.service?.heapUsedMiB, heap.bare?.heapUsedMiB)} |`,
  );
  log(
    `| RSS right after that GC | ${fixed(heap.service?.rssAfterGcMiB)} | ${fixed(heap.bare?.rssAfterGcMiB)} | ${ratio(heap.service?.rssAfterGcMiB, heap.bare?.rssAfterGcMiB)} |`,
  );
  if (soak)
    log(
      `| soak ${soak.minutes} min at ${soak.rate} req/s: steady RSS (peak) | ${fixed(soak.steadyMiB)} (${fixed(soak.peakMiB)}) | | | ${soak.total} requests, ${soak.errors} errors`,
    );
  const file = options.json ?? join(root, 'bench', 'results', `bench-${USERS}-${Date.now()}.json`);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`written to ${file}`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
