#!/usr/bin/env node
'use strict';
// npm run bench:import [-- --users 1000000 --keep]   (also: npm run bench -- --only import --users N)
//
// The import scenario of issue 12: writes a Django `dumpdata` export of N generated users (each with a
// profile; one group membership each across 20 groups; a login log for every 10th user; a blacklist entry
// for every 1,000th), then imports it through the CLI (`node dist/src/cli.js import --source 000`) into a
// fresh database, and reports the wall time, the import rate and the CLI process's peak RSS (VmHWM).
// Target (issue 12): 1,000,000 users in under 5 minutes and under 300 MiB.
// The database: BENCH_IMPORT_DATABASE_URL or DATABASE_URL's server (a fresh database on it, dropped after),
// else the machine's PostgreSQL at 127.0.0.1:5432.
const { spawn } = require('node:child_process');
const { pbkdf2Sync, randomBytes } = require('node:crypto');
const { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { once } = require('node:events');
const { parseArgs } = require('node:util');
const { Client } = require('pg');

const root = join(__dirname, '..');
// V8 grows its heap lazily towards its default limit; a bound keeps the import's RSS near its live data.
// BENCH_IMPORT_NODE_FLAGS='' measures without it.
const NODE_FLAGS = (process.env.BENCH_IMPORT_NODE_FLAGS ?? '--max-old-space-size=160').split(' ').filter(Boolean);

async function writeExport(path, users) {
  const out = createWriteStream(path);
  const write = async (text) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  // One real Django hash for everyone: the import stores hashes, it does not verify them.
  const salt = 'benchsalt';
  const hash = `pbkdf2_sha256$260000$${salt}$${pbkdf2Sync('Bench-pass-1', salt, 260000, 32, 'sha256').toString('base64')}`;
  const groups = 20;
  let first = true;
  const record = async (model, pk, fields) => {
    await write(`${first ? '[\n' : ',\n'}${JSON.stringify({ model, pk, fields })}`);
    first = false;
  };
  for (let pk = 1; pk <= users; pk++)
    await record('auth.user', pk, {
      password: hash,
      last_login: null,
      is_superuser: false,
      username: `benchuser${pk}`,
      first_name: '',
      last_name: '',
      email: `benchuser${pk}@example.com`,
      is_staff: pk % 1000 === 0,
      is_active: pk % 50 !== 0,
      date_joined: '2020-01-01T00:00:00Z',
      groups: [],
      user_permissions: [],
    });
  await record('users.occupation', 1, { name: 'Doctor' });
  for (let pk = 1; pk <= users; pk++)
    await record('users.profile', pk, {
      user: pk,
      gender: pk % 2,
      occupation: pk % 3 === 0 ? 1 : null,
      age: 20 + (pk % 60),
      name: pk % 2 ? `张伟${pk % 1000}` : `Li Na ${pk % 1000}`,
      identify_id: '',
      phone: pk % 4 === 0 ? '' : `1380000${String(pk).padStart(4, '0').slice(-4)}`,
      address: 'Bench Road 1',
    });
  for (let g = 1; g <= groups; g++) {
    const members = [];
    for (let pk = g; pk <= users; pk += groups) members.push(pk);
    await record('users.group', g, { name: `Bench group ${g}`, location: '', contact_phone: '', members });
  }
  let log = 0;
  for (let pk = 10; pk <= users; pk += 10)
    await record('users.userlog', ++log, { user: pk, ip: '10.0.0.1', operation: 0, operator: pk, operate_time: '2021-01-01T00:00:00Z' });
  let entry = 0;
  for (let pk = 1000; pk <= users; pk += 1000)
    await record('users.blacklist', ++entry, { patient: pk, join_time: '2021-01-01T00:00:00Z', is_delete: 0, reason: 'bench' });
  await write('\n]\n');
  out.end();
  await once(out, 'finish');
}

/** Runs the CLI import, sampling its peak RSS (VmHWM) from /proc while it runs. */
function runImport(env, file, report) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [...NODE_FLAGS, join(root, 'dist', 'src', 'cli.js'), 'import', '--source', '000', '--file', file, '--report', report],
      {
        env,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    let peakKiB = 0;
    const sample = () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
        if (hwm) peakKiB = Math.max(peakKiB, Number(hwm[1]));
      } catch {
        // gone
      }
    };
    const timer = setInterval(sample, 100);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`the import exited with ${code}`));
      else resolve({ seconds, peakMiB: peakKiB / 1024 });
    });
  });
}

async function main(args = process.argv.slice(2)) {
  const { values } = parseArgs({
    args,
    options: { users: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } },
  });
  const users = Number(values.users);
  const server = process.env.BENCH_IMPORT_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `bench_import_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
  const file = join(dir, 'dumpdata.json');
  try {
    let t = Date.now();
    await writeExport(file, users);
    process.stdout.write(
      `export of ${users} users written: ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB in ${((Date.now() - t) / 1000).toFixed(0)} s\n`,
    );
    t = Date.now();
    const env = { PATH: process.env.PATH, ENV_FILE: 'none', NODE_ENV: 'production', DATABASE_URL: url.toString(), LOG_LEVEL: 'error' };
    const measured = await runImport(env, file, join(dir, 'report.json'));
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const result = {
      users,
      seconds: Number(measured.seconds.toFixed(1)),
      users_per_second: Math.round(users / measured.seconds),
      peak_rss_mib: Number(measured.peakMiB.toFixed(0)),
      created: report.created,
      rejected: report.rejected.length,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      `import: ${result.seconds} s (${result.users_per_second} users/s), peak RSS ${result.peak_rss_mib} MiB; target < 300 s and < 300 MiB\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (!values.keep) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

module.exports = { main };
if (require.main === module)
  main().catch((error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  });
