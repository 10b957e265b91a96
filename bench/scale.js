'use strict';
// npm run bench -- --instances 3 [--duration 10 --runs 3 --connections 50 --json out.json]
// npm run bench -- --rate-limit-cost [--duration 10 --runs 5]
//
// --instances N: starts N instances of the production build on one database behind HAProxy
// (deploy/haproxy.cfg, the shipped example, ports substituted: test/support/haproxy.js) and drives the
// same scenarios through HAProxy with 1, 2, ..., N instances, side by side; with
// DATABASE_REPLICA_URLS set it also reports how the reads split between the primary and the replicas.
// --rate-limit-cost: one instance, GET /auth/me with the shared per-client limit on (RATE_LIMIT_API,
// counted in memory and added to PostgreSQL's rate_limits every 100 ms) and off, runs interleaved, medians.
// PostgreSQL: DATABASE_URL (a server where a database can be created), else the embedded one.
const { spawnSync } = require('node:child_process');
const http = require('node:http');
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const autocannon = require('autocannon');
const { root, databaseUrl, withClient, freePort, stop, startService, serviceEnvironment, signIn, startEmbeddedPostgres } = require('./lib');
const { startHaproxy } = require('../test/support/haproxy');

const { values: options } = parseArgs({
  options: {
    instances: { type: 'string' },
    'rate-limit-cost': { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    json: { type: 'string' },
  },
});
const DURATION = Number(options.duration);
const WARMUP = Number(options.warmup);
const RUNS = Number(options.runs);
const CONNECTIONS = Number(options.connections);
const log = (message) => process.stdout.write(`${message}\n`);
const ADMIN = { username: 'benchadmin1', email: 'benchadmin1@example.com', password: 'bench-password' };

function cannon(url, request, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration, pipelining: 1, timeout: 30, requests: [request] }, (error, result) => {
      if (error) return reject(error);
      resolve({
        rps: result.requests.total / result.duration,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts + result.non2xx,
      });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * The reads that could go to a replica, by who answered them, summed over the instances: each
 * instance's /health/ready says `replica_reads: { replica, primary }` when DATABASE_REPLICA_URLS is set.
 */
async function readSplit(services) {
  const split = { replica: 0, primary: 0 };
  for (const service of services) {
    const body = await fetch(`${service.url}/health/ready`).then((response) => response.json());
    split.replica += body.replica_reads?.replica ?? 0;
    split.primary += body.replica_reads?.primary ?? 0;
  }
  return split;
}

/** Transactions committed on a server (pg_stat_database), to see where reads went. */
async function commits(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(`SELECT xact_commit::bigint AS n FROM pg_stat_database WHERE datname = current_database()`);
    return Number(rows[0].n);
  });
}

async function main() {
  log('building the service');
  if (spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  let embedded = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    mkdirSync(join(root, '.data'), { recursive: true });
    embedded = await startEmbeddedPostgres();
    adminUrl = embedded.url;
  }
  const dbName = 'ums_bench_scale';
  const dbUrl = databaseUrl(adminUrl, dbName);
  await withClient(adminUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${dbName}`);
  });
  const baseEnv = serviceEnvironment(dbUrl, {
    SUPERADMIN_USERNAME: ADMIN.username,
    SUPERADMIN_EMAIL: ADMIN.email,
    SUPERADMIN_PASSWORD: ADMIN.password,
    TRUST_PROXY: 'true',
    SHUTDOWN_DRAIN_SECONDS: '0',
    // The replicas of the bench's server, naming the bench's database (the URLs may name any database).
    ...(process.env.DATABASE_REPLICA_URLS
      ? {
          DATABASE_REPLICA_URLS: process.env.DATABASE_REPLICA_URLS.split(',')
            .filter(Boolean)
            .map((url) => databaseUrl(url.trim(), dbName))
            .join(','),
        }
      : {}),
  });
  const report = { startedAt: new Date().toISOString(), duration: DURATION, runs: RUNS, connections: CONNECTIONS };
  try {
    if (options['rate-limit-cost']) report.rateLimitCost = await rateLimitCost(baseEnv);
    if (options.instances) report.instances = await instances(baseEnv, Number(options.instances), dbUrl);
  } finally {
    if (embedded) await stop(embedded.child);
  }
  if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
}

/** Mean latency (µs) of `count` sequential requests on one keep-alive connection. */
async function sequential(url, headers, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index += 1) {
    await new Promise((resolve, reject) => {
      http
        .get(`${url}/api/v1/auth/me`, { agent, headers }, (response) => {
          response.resume();
          response.once('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`status ${response.statusCode}`))));
        })
        .once('error', reject);
    });
  }
  agent.destroy();
  return Number(process.hrtime.bigint() - started) / 1e3 / count;
}

/**
 * GET /auth/me with the shared API-wide limit on (batched: counted in memory, flushed to rate_limits every 100 ms) and off: two
 * instances side by side on one database, measured in alternation so that the machine's load weighs on
 * both alike. Latency: batches of sequential requests on one connection (the per-request cost). Throughput:
 * autocannon runs, interleaved. Both as medians.
 */
async function rateLimitCost(baseEnv) {
  const services = {
    off: await startService({ ...baseEnv, RATE_LIMIT_API: '0' }, await freePort()),
    on: await startService({ ...baseEnv, RATE_LIMIT_API: '100000000' }, await freePort()),
  };
  const latency = { off: [], on: [] };
  const results = { off: [], on: [] };
  try {
    const token = await signIn(services.off.url, ADMIN.username, ADMIN.password);
    const headers = { authorization: `Bearer ${token}` };
    const request = { method: 'GET', path: '/api/v1/auth/me', headers };
    for (const mode of ['off', 'on']) await sequential(services[mode].url, headers, 200);
    for (let batch = 0; batch < RUNS * 4; batch += 1) {
      const order = batch % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) latency[mode].push(await sequential(services[mode].url, headers, 200));
    }
    log(`sequential GET /auth/me, mean µs per request of each batch: off ${latency.off.map((v) => v.toFixed(0)).join(' ')}`);
    log(`                                                            on  ${latency.on.map((v) => v.toFixed(0)).join(' ')}`);
    for (let run = 0; run < RUNS; run += 1) {
      const order = run % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        await cannon(services[mode].url, request, WARMUP);
        const result = await cannon(services[mode].url, request, DURATION);
        results[mode].push(result);
        log(
          `run ${run + 1} limit ${mode}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`,
        );
      }
    }
  } finally {
    for (const service of Object.values(services)) await stop(service.child);
  }
  const latencyOff = median(latency.off);
  const latencyOn = median(latency.on);
  const off = median(results.off.map((r) => r.rps));
  const on = median(results.on.map((r) => r.rps));
  const cost = (1 - on / off) * 100;
  const latencyCost = (latencyOn / latencyOff - 1) * 100;
  log(
    `\nGET /auth/me: sequential latency (median of ${latency.off.length} batches of 200), throughput (${CONNECTIONS} connections, median of ${RUNS} runs of ${DURATION} s)`,
  );
  log(`| shared limit | µs per request (sequential) | req/s | p50 ms | p99 ms |`);
  log(`|---|---:|---:|---:|---:|`);
  for (const mode of ['off', 'on']) {
    const rows = results[mode];
    log(
      `| ${mode} | ${median(latency[mode]).toFixed(0)} | ${median(rows.map((r) => r.rps)).toFixed(0)} | ${median(rows.map((r) => r.p50))} | ` +
        `${median(rows.map((r) => r.p99))} |`,
    );
  }
  log(
    `cost of the shared limit: +${(latencyOn - latencyOff).toFixed(0)} µs (${latencyCost.toFixed(1)}%) per sequential request, ${cost.toFixed(1)}% of throughput`,
  );
  return { latency, throughput: results, latencyCostPercent: latencyCost, throughputCostPercent: cost };
}

/** The same scenarios through HAProxy with 1..N instances. */
async function instances(baseEnv, max, dbUrl) {
  const env = { ...baseEnv, RATE_LIMIT_API: '100000000' };
  const rows = [];
  for (let count = 1; count <= max; count += 1) {
    const ports = [];
    for (let index = 0; index < count; index += 1) ports.push(await freePort());
    const services = [];
    let haproxy;
    try {
      for (const port of ports) services.push(await startService(env, port));
      haproxy = await startHaproxy(await freePort(), ports);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const token = await signIn(haproxy.url, ADMIN.username, ADMIN.password);
      const auth = { authorization: `Bearer ${token}` };
      const scenarios = {
        'GET /auth/me': { method: 'GET', path: '/api/v1/auth/me', headers: auth },
        'GET /users?limit=10': { method: 'GET', path: '/api/v1/users?limit=10&page=1', headers: auth },
        'GET /user-logs?limit=10': { method: 'GET', path: '/api/v1/user-logs?limit=10', headers: auth },
        'POST /auth/login': {
          method: 'POST',
          path: '/api/v1/auth/login',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }),
        },
      };
      const row = { instances: count };
      for (const [name, request] of Object.entries(scenarios)) {
        await cannon(haproxy.url, request, WARMUP);
        const runs = [];
        const replicaUrls = (env.DATABASE_REPLICA_URLS ?? '')
          .split(',')
          .filter(Boolean)
          .map((url) => databaseUrl(url, new URL(dbUrl).pathname.slice(1)));
        const before = await Promise.all([dbUrl, ...replicaUrls].map((url) => commits(url)));
        const readsBefore = replicaUrls.length > 0 ? await readSplit(services) : null;
        for (let run = 0; run < RUNS; run += 1) runs.push(await cannon(haproxy.url, request, DURATION));
        const after = await Promise.all([dbUrl, ...replicaUrls].map((url) => commits(url)));
        const readsAfter = replicaUrls.length > 0 ? await readSplit(services) : null;
        row[name] = {
          rps: median(runs.map((r) => r.rps)),
          p99: median(runs.map((r) => r.p99)),
          errors: runs.reduce((sum, r) => sum + r.errors, 0),
        };
        if (replicaUrls.length > 0) {
          row[name].commits = { primary: after[0] - before[0], replicas: after.slice(1).map((n, i) => n - before[i + 1]) };
          row[name].reads = { replica: readsAfter.replica - readsBefore.replica, primary: readsAfter.primary - readsBefore.primary };
        }
        log(
          `${count} instance(s), ${name}: ${row[name].rps.toFixed(0)} req/s, p99 ${row[name].p99} ms` +
            (row[name].reads
              ? `, replica-eligible reads served by replicas ${row[name].reads.replica} / primary ${row[name].reads.primary}` +
                `, commits ${JSON.stringify(row[name].commits)}`
              : ''),
        );
      }
      rows.push(row);
    } finally {
      await haproxy?.stop();
      for (const service of services) await stop(service.child);
    }
  }
  const names = Object.keys(rows[0]).filter((key) => key !== 'instances');
  log(`\nthrough HAProxy, ${CONNECTIONS} connections, median of ${RUNS} runs of ${DURATION} s (req/s)`);
  log(`| scenario | ${rows.map((row) => `${row.instances} instance${row.instances > 1 ? 's' : ''}`).join(' | ')} |`);
  log(`|---|${rows.map(() => '---:').join('|')}|`);
  for (const name of names) log(`| ${name} | ${rows.map((row) => row[name].rps.toFixed(0)).join(' | ')} |`);
  if (rows[0][names[0]].reads) {
    log(`\nreplica split (reads that may go to a replica: served by replicas / by the primary; DATABASE_REPLICA_URLS)`);
    log(`| scenario | ${rows.map((row) => `${row.instances} instance${row.instances > 1 ? 's' : ''}`).join(' | ')} |`);
    log(`|---|${rows.map(() => '---:').join('|')}|`);
    for (const name of names)
      log(`| ${name} | ${rows.map((row) => `${row[name].reads.replica} / ${row[name].reads.primary}`).join(' | ')} |`);
  } else {
    log('\n(no replica split: set DATABASE_REPLICA_URLS to replicas of the bench server, see README "Scaling out")');
  }
  return rows;
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
