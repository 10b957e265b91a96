'use strict';
// Helpers shared by the benchmark (run.js) and the query-plan capture (explain.js).
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { createServer } = require('node:net');
const { join } = require('node:path');
const { Client } = require('pg');
const { productionCommand } = require('../scripts/production-command');

const root = join(__dirname, '..');
const PASSWORD = 'bench-password';
/** The embedded PostgreSQL of the benchmark: its folder, port and settings. */
const BENCH_PG = {
  dataDir: join(root, '.data', 'bench-postgres'),
  port: 54340,
  // PostgreSQL's default of 128 MB is sized for small machines; any server holding a million users gets more.
  settings: { shared_buffers: '512MB' },
};

function databaseUrl(base, name) {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withClient(url, work) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url, child, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error('the process exited during start-up');
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function stop(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/**
 * The production build (dist/main.js) as a child process, with the flags and environment `npm run start:prod` gives it; resolves once /health/ready answers 200.
 * `options.root` runs another checkout's build (before/after comparisons: --service-root), and
 * `options.inspector` arms the inspector without opening it (bench/memory.js reads the heap with it).
 */
async function startService(env, port, options = {}) {
  const { INSPECT_FLAG, watchInspector } = require('./memory');
  const started = process.hrtime.bigint();
  const serviceRoot = options.root ?? root;
  const production = productionCommand(serviceRoot);
  const child = spawn(
    process.execPath,
    [...(options.inspector ? [INSPECT_FLAG] : []), ...production.flags, join(serviceRoot, 'dist', 'main.js')],
    {
      cwd: serviceRoot,
      env: { PATH: process.env.PATH, ...production.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', options.inspector ? 'pipe' : 'inherit'],
    },
  );
  const inspectorAddress = options.inspector ? watchInspector(child) : null;
  await waitReady(`http://127.0.0.1:${port}/health/ready`, child);
  return { child, inspectorAddress, url: `http://127.0.0.1:${port}`, readyMs: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** The service's environment for a benchmark run: production mode, limits that would get in the way off. */
function serviceEnvironment(databaseUrl, extra = {}) {
  return {
    NODE_ENV: 'production',
    ENV_FILE: 'none',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_API: '0',
    RATE_LIMIT_LOGIN: '0',
    RATE_LIMIT_REGISTER: '0',
    LOGIN_MAX_FAILURES: '1000',
    ...extra,
  };
}

async function signIn(serviceUrl, username, password = PASSWORD) {
  const response = await fetch(`${serviceUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`cannot sign in ${username}: ${JSON.stringify(body)}`);
  return body.data.access_token;
}

/** The deep page of the benchmark: page 5,000 of 10 rows, or the middle page of a data set too small to have one. */
function deepPage(users) {
  return Math.min(5000, Math.max(1, Math.floor(users / 20)));
}

/** The id a cursor must name to get the rows of `page` (10 a page): the last row of the page before. */
async function cursorBefore(client, page) {
  const { rows } = await client.query(`SELECT id FROM users WHERE deleted_at IS NULL ORDER BY created_at, id OFFSET $1 LIMIT 1`, [
    (page - 1) * 10 - 1,
  ]);
  return rows[0]?.id;
}

/** The username of the data set's first active admin (the loader gives them the benchmark password). */
async function benchAdmin(client) {
  const { rows } = await client.query(`SELECT username FROM users WHERE role = 'admin' AND state = 1 ORDER BY created_at LIMIT 1`);
  return rows[0].username;
}

/**
 * The embedded PostgreSQL of the benchmark, kept under .data/bench-postgres between runs, as a child
 * process (test/support/pg-server.js). Answers the child and its URL once the server is up.
 */
function startEmbeddedPostgres() {
  const script = join(root, 'test', 'support', 'pg-server.js');
  const child = spawn(process.execPath, [script, BENCH_PG.dataDir, String(BENCH_PG.port), JSON.stringify(BENCH_PG.settings)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (line) => resolve({ child, url: JSON.parse(String(line)).url }));
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited (${code})`)));
  });
}

module.exports = {
  startEmbeddedPostgres,
  deepPage,
  cursorBefore,
  benchAdmin,
  root,
  PASSWORD,
  BENCH_PG,
  databaseUrl,
  withClient,
  freePort,
  waitReady,
  stop,
  startService,
  serviceEnvironment,
  signIn,
};
