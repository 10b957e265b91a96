#!/usr/bin/env node
'use strict';
// node bench/profile.js [--scenario me|user|list|login] [--duration 10] [--connections 50] [--top 25] [--service-root DIR]
//
// Where the memory of a request goes (issue 16): starts the production build against the bench's
// data set (run `npm run bench` once first; its embedded PostgreSQL must be running, or DATABASE_URL
// set), opens its inspector (SIGUSR1), and runs V8's sampling heap profiler (objects collected by minor
// and major GCs included, so it counts every allocation, not only what survives) and the CPU profiler
// while autocannon drives one scenario. Prints the top allocation sites (self bytes per request, by
// function and file:line) and the top CPU functions. Writes the raw profiles to bench/results/.
const { devtools, WEBSOCKET_FLAGS } = require('./devtools');

// The DevTools client needs a global WebSocket: on Node 20 this script runs itself again with the flag, before loading anything else.
if (WEBSOCKET_FLAGS.length > 0) {
  const again = require('node:child_process').spawnSync(process.execPath, [...WEBSOCKET_FLAGS, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(again.status ?? 1);
}

const { mkdirSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');
const { parseArgs } = require('node:util');
const autocannon = require('autocannon');
const {
  root,
  databaseUrl,
  withClient,
  freePort,
  stop,
  startService,
  serviceEnvironment,
  signIn,
  benchAdmin,
  startEmbeddedPostgres,
} = require('./lib');

const { values: options } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'me' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    top: { type: 'string', default: '25' },
    users: { type: 'string', default: '100000' },
    'service-root': { type: 'string' },
  },
});
const log = (message) => process.stdout.write(`${message}\n`);

const where = (frame) =>
  `${frame.functionName || '(anonymous)'} ${String(frame.url)
    .replace(/^file:\/\//, '')
    .replace(/.*\/(node_modules|dist)\//, '$1/')}:${frame.lineNumber + 1}`;

/** Self bytes by allocation site (function, file:line) from a sampling heap profile. */
function allocationSites(profile) {
  const bySite = new Map();
  const walk = (node) => {
    const self = node.selfSize ?? 0;
    if (self > 0) {
      const key = where(node.callFrame);
      bySite.set(key, (bySite.get(key) ?? 0) + self);
    }
    for (const child of node.children ?? []) walk(child);
  };
  walk(profile.head);
  return [...bySite.entries()].sort((a, b) => b[1] - a[1]);
}

/** Self time by function from a CPU profile. */
function cpuFunctions(profile) {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const hits = new Map();
  const interval = profile.samples.length > 1 ? (profile.endTime - profile.startTime) / profile.samples.length : 0;
  for (const id of profile.samples) {
    const key = where(byNode.get(id).callFrame);
    hits.set(key, (hits.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  return [...hits.entries()].sort((a, b) => b[1] - a[1]).map(([key, n]) => [key, n / total, (n * interval) / 1000]);
}

async function main() {
  let embedded = null;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres();
    adminUrl = embedded.url;
  }
  const dbUrl = databaseUrl(adminUrl, `ums_bench_${options.users}`);
  const port = await freePort();
  const service = await startService(serviceEnvironment(dbUrl), port, {
    root: options['service-root'] ? resolve(options['service-root']) : root,
    inspector: true,
  });
  try {
    const sample = await withClient(dbUrl, async (client) => ({
      users: (await client.query(`SELECT id, username FROM users WHERE role = 'user' AND state = 1 AND deleted_at IS NULL LIMIT 200`)).rows,
      admin: await benchAdmin(client),
    }));
    const userToken = await signIn(service.url, sample.users[0].username);
    const adminToken = await signIn(service.url, sample.admin);
    let index = 0;
    const requests = {
      me: { method: 'GET', path: '/api/v1/auth/me', headers: { authorization: `Bearer ${userToken}` } },
      user: {
        method: 'GET',
        path: '/',
        headers: { authorization: `Bearer ${adminToken}` },
        setupRequest: (req) => ({ ...req, path: `/api/v1/users/${sample.users[index++ % sample.users.length].id}` }),
      },
      list: { method: 'GET', path: '/api/v1/users?page=1&limit=10', headers: { authorization: `Bearer ${adminToken}` } },
      login: {
        method: 'POST',
        path: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ username: sample.users[1 + (index++ % 150)].username, password: require('./lib').PASSWORD }),
        }),
      },
    };
    const request = requests[options.scenario];
    if (!request) throw new Error(`no scenario ${options.scenario}`);
    const run = (duration) =>
      new Promise((ok, reject) =>
        autocannon({ url: service.url, connections: Number(options.connections), duration, requests: [request] }, (error, result) =>
          error ? reject(error) : ok(result),
        ),
      );
    log(`warming up ${options.scenario}`);
    await run(3);
    process.kill(service.child.pid, 'SIGUSR1');
    const session = await devtools(await service.inspectorAddress());
    await session.send('HeapProfiler.enable');
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: 200 });
    await session.send('HeapProfiler.startSampling', {
      samplingInterval: 16384,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await session.send('Profiler.start');
    log(`profiling ${options.duration} s`);
    const result = await run(Number(options.duration));
    const { profile: cpu } = await session.send('Profiler.stop');
    const { profile: heap } = await session.send('HeapProfiler.stopSampling');
    session.close();
    const requestsDone = result.requests.total;
    const sites = allocationSites(heap);
    const totalBytes = sites.reduce((sum, [, bytes]) => sum + bytes, 0);
    const out = join(root, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    const stamp = `${options.scenario}-${Date.now()}`;
    writeFileSync(join(out, `profile-${stamp}.heapprofile`), JSON.stringify(heap));
    writeFileSync(join(out, `profile-${stamp}.cpuprofile`), JSON.stringify(cpu));
    log(
      `\n${options.scenario}: ${requestsDone} requests (${(requestsDone / Number(options.duration)).toFixed(0)}/s), ` +
        `${(totalBytes / requestsDone / 1024).toFixed(1)} KiB allocated per request (sampled)\n`,
    );
    log('| allocation site (self) | KiB/request | share |');
    log('|---|---:|---:|');
    for (const [site, bytes] of sites.slice(0, Number(options.top)))
      log(`| ${site} | ${(bytes / requestsDone / 1024).toFixed(2)} | ${((100 * bytes) / totalBytes).toFixed(1)}% |`);
    log('\n| CPU (self) | share |');
    log('|---|---:|');
    for (const [fn, share] of cpuFunctions(cpu).slice(0, Number(options.top))) log(`| ${fn} | ${(100 * share).toFixed(1)}% |`);
    log(`\nraw profiles: bench/results/profile-${stamp}.{heapprofile,cpuprofile}`);
  } finally {
    await stop(service.child);
    if (embedded) await stop(embedded.child);
  }
}

main().catch((error) => {
  process.stderr.write(`profile failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
