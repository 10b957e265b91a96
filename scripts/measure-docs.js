#!/usr/bin/env node
'use strict';
// node scripts/measure-docs.js [--runs 5] [--url http://127.0.0.1:3000] [--ui-options '{"docExpansion":"none"}']
//
// How long the Swagger UI at /docs takes to become usable in Debian's Chromium (/usr/bin/chromium,
// driven by playwright-core, the flags of test/browser/swagger-ui.browser-spec.ts). Without --url it
// starts the production build (dist/main.js, `npm run build` first) on an embedded PostgreSQL in a
// temporary directory. Each run launches Chromium on a fresh profile (a first visit: nothing cached),
// navigates to /docs and records, on the page's own clock (performance.now(), from navigation start):
//
//   visible  the operation list is rendered: the `POST /api/v1/auth/login` summary is in the DOM
//   usable   that summary, clicked as soon as it was visible and stable, opened ("Try it out" rendered);
//            the click itself comes a little after `visible` (playwright's actionability checks)
//
// plus what the page fetched. Prints each run and the median (with min and max): the machine may be
// busy with other work, so look at the spread. A measurement, not a test: it asserts nothing.
// --ui-options tries swagger-ui options without a rebuild: they are merged into those of the page's
// /docs/swagger-ui-init.js (src/common/swagger/swagger.ts) on the way to the browser.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { existsSync, mkdtempSync, rmSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { parseArgs } = require('node:util');
const { chromium } = require('playwright-core');
const { CHROMIUM_ARGS } = require('../test/support/chromium');

// The functions given to addInitScript and evaluate run in the page.
/* global window, document, MutationObserver */

const root = join(__dirname, '..');
const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    url: { type: 'string' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    'ui-options': { type: 'string' },
  },
});
const RUNS = Number(options.runs);
const SUMMARY = '[id$="-AuthController_login"] .opblock-summary';
const log = (message) => process.stdout.write(`${message}\n`);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** PostgreSQL for the run: the embedded one (test/support/pg-server.js) in a temporary directory. */
async function startPostgres(dataDir) {
  const child = spawn(process.execPath, [join(root, 'test', 'support', 'pg-server.js'), dataDir, String(await freePort())], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    child.stdout.once('data', (line) => resolve(JSON.parse(String(line)).url));
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited (${code})`)));
  });
  return { child, url };
}

function stopChild(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** dist/main.js in production mode (DATABASE_URL: the embedded PostgreSQL), ready. */
async function startService() {
  const main = join(root, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error('dist/main.js is missing: run `npm run build` first');
  const dataDir = mkdtempSync(join(tmpdir(), 'ums-measure-docs-'));
  const postgres = await startPostgres(dataDir);
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    ENV_FILE: 'none',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: postgres.url,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    SHUTDOWN_DRAIN_SECONDS: '0',
  };
  const child = spawn(process.execPath, [main], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const stop = async () => {
    await stopChild(child);
    await stopChild(postgres.child);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120000;
  for (;;) {
    const failure =
      child.exitCode !== null
        ? `the service exited during start-up (${child.exitCode})`
        : Date.now() > deadline
          ? 'the service was not ready in 120 s'
          : '';
    if (failure) {
      await stop();
      throw new Error(`${failure}:\n${output}`);
    }
    const ready = await fetch(`${url}/health/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return { url, stop };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One first visit of /docs on a fresh Chromium profile. */
async function measureOnce(docsUrl) {
  const profile = mkdtempSync(join(tmpdir(), 'ums-measure-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.chromium,
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    if (options['ui-options']) {
      const extra = JSON.stringify(JSON.parse(options['ui-options']));
      await page.route('**/docs/swagger-ui-init.js', async (route) => {
        const response = await route.fetch();
        const script = (await response.text()).replace(/var options = (.*);/, (_, own) => `var options = Object.assign(${own}, ${extra});`);
        if (!script.includes(extra)) throw new Error('--ui-options: no "var options = ...;" line in swagger-ui-init.js');
        await route.fulfill({ response, body: script });
      });
    }
    // The moments the login operation's summary appears, is clicked, and shows "Try it out", on the
    // page's clock (no polling delay from here).
    await page.addInitScript((selector) => {
      const marks = (window.__marks = {});
      const observer = new MutationObserver(() => {
        if (marks.visible === undefined && document.querySelector(selector)) marks.visible = performance.now();
        if (marks.opened === undefined && document.querySelector(`${selector.split(' ')[0]} .try-out__btn`)) {
          marks.opened = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(document, { childList: true, subtree: true });
      document.addEventListener('click', () => (marks.clicked ??= performance.now()), { capture: true });
    }, SUMMARY);
    await page.goto(docsUrl, { waitUntil: 'commit' });
    const summary = page.locator(SUMMARY).first();
    await summary.waitFor({ state: 'visible', timeout: 60000 });
    await summary.click();
    await page.locator('[id$="-AuthController_login"] .try-out__btn').waitFor({ state: 'visible', timeout: 60000 });
    const facts = await page.evaluate(() => {
      const navigation = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource').map((entry) => ({
        name: new URL(entry.name).pathname,
        transferred: entry.transferSize,
        decoded: entry.decodedBodySize,
        ms: Math.round(entry.responseEnd - entry.startTime),
      }));
      return {
        ...window.__marks,
        domContentLoaded: navigation.domContentLoadedEventEnd,
        load: navigation.loadEventEnd,
        operations: document.querySelectorAll('.opblock').length,
        resources,
      };
    });
    return facts;
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const ms = (value) => `${Math.round(value)} ms`;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

async function main() {
  const service = options.url ? { url: options.url.replace(/\/$/, ''), stop: async () => undefined } : await startService();
  try {
    const docsUrl = `${service.url}/docs`;
    // One visit first, not counted: the document is built on its first request, once per process.
    await measureOnce(docsUrl);
    const runs = [];
    for (let run = 1; run <= RUNS; run += 1) {
      const result = await measureOnce(docsUrl);
      runs.push(result);
      log(
        `run ${run}: visible ${ms(result.visible)}, clicked ${ms(result.clicked)}, usable ${ms(result.opened)} ` +
          `(DOMContentLoaded ${ms(result.domContentLoaded)}, load ${ms(result.load)}, ${result.operations} operations)`,
      );
    }
    log('\nwhat the page fetched (last run):');
    for (const resource of runs[runs.length - 1].resources) {
      log(
        `  ${resource.name.padEnd(40)} ${kb(resource.transferred).padStart(10)} on the wire, ${kb(resource.decoded).padStart(10)} decoded, ${ms(resource.ms)}`,
      );
    }
    for (const [label, key] of [
      ['visible', 'visible'],
      ['usable', 'opened'],
    ]) {
      const values = runs.map((result) => result[key]);
      log(`${label}: median ${ms(median(values))} (min ${ms(Math.min(...values))}, max ${ms(Math.max(...values))}, ${RUNS} runs)`);
    }
  } finally {
    await service.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
