#!/usr/bin/env node
'use strict';
// The build: tsc (incremental, its state in dist/.tsbuildinfo) into dist/, the dist/main.js entry,
// then the esbuild bundle with its code cache (scripts/bundle.js). dist/.build-stamp's time is when
// the last complete build started, so a source changed during a build still counts as changed.
//
//   node scripts/build.js          a clean build (npm run build)
//   node scripts/build.js --if-stale   only when a source is newer than the last build (npm start)
const { spawn } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');
const INPUTS = [
  'src',
  'migrations',
  'ormconfig.ts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package-lock.json',
  'scripts/bundle.js',
  __filename,
];

function newestInput(path) {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) return { time: 0, path };
  if (!stats.isDirectory()) return { time: stats.mtimeMs, path };
  let newest = { time: stats.mtimeMs, path };
  for (const entry of readdirSync(path)) {
    const candidate = newestInput(join(path, entry));
    if (candidate.time > newest.time) newest = candidate;
  }
  return newest;
}

/** Why the build in dist/ is not current, or undefined when it is. */
function staleReason() {
  if (!existsSync(join(dist, 'main.js')) || !existsSync(join(dist, 'bundle', 'main.js')) || !existsSync(stamp))
    return 'no complete build in dist/';
  const built = statSync(stamp).mtimeMs;
  for (const input of INPUTS) {
    const newest = newestInput(join(root, input));
    if (newest.time > built) return `${newest.path.slice(root.length + 1)} changed since the last build`;
  }
  return undefined;
}

/** Runs a child with the terminal's output; a signal meant for us is passed on to it (run() in start.js relies on it). */
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.once('exit', (code, signal) => {
      process.removeListener('SIGINT', forward);
      process.removeListener('SIGTERM', forward);
      if (code === 0) resolve();
      else reject(new Error(signal ? `stopped by ${signal}` : `${args[0]} exited with ${code}`));
    });
  });
}

async function build({ clean }) {
  const startedAt = new Date();
  if (clean) rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });
  // Remove the stamp first: an interrupted build is never taken for a complete one.
  rmSync(stamp, { force: true });
  const tsc = require.resolve('typescript/bin/tsc');
  await run([tsc, '-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', join(dist, '.tsbuildinfo')]);
  writeFileSync(join(dist, 'main.js'), "require('./src/load-bundle').start();\n");
  await run([join(__dirname, 'bundle.js')]);
  writeFileSync(stamp, '');
  utimesSync(stamp, startedAt, startedAt);
}

module.exports = { build, staleReason };

if (require.main === module) {
  const ifStale = process.argv.includes('--if-stale');
  const reason = ifStale ? staleReason() : 'a clean build was asked for';
  if (!reason) process.exit(0);
  build({ clean: !ifStale }).catch((error) => {
    process.stderr.write(`build failed: ${error.message}\n`);
    process.exit(1);
  });
}
