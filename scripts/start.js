#!/usr/bin/env node
'use strict';
// `npm start`: builds only when a source changed since the last build (tsc incremental, then the
// bundle), says so, then runs the service in this same process, so a signal for it is a signal for
// the service; signalling npm stops it too (see stopWhenOrphaned). Nothing is left behind: not the
// service, not its embedded PostgreSQL.
const { build, staleReason } = require('./build');
const { join } = require('node:path');

function log(msg) {
  process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), context: 'Start', msg })}\n`);
}

async function main() {
  const reason = staleReason();
  if (reason) {
    const startedAt = Date.now();
    log(`building (${reason}); only what changed is recompiled`);
    // A signal during the build stops it (build() passes it to tsc or esbuild) and then us.
    const stop = () => undefined;
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    try {
      await build({ clean: false });
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
    log(`built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  } else log('the build in dist/ is current: starting');
  stopWhenOrphaned();
  require(join(__dirname, '..', 'dist', 'main.js'));
}

/**
 * npm runs this through `sh -c`, and on SIGTERM npm signals that shell, which dies without passing the
 * signal on. When our parent is gone, stop as if Ctrl-C had been pressed (the service finishes what is
 * running, stops its embedded PostgreSQL and exits): nothing outlives `npm start`.
 */
function stopWhenOrphaned() {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGINT');
  }, 500);
  watch.unref();
}

main().catch((error) => {
  process.stdout.write(
    `${JSON.stringify({ level: 60, time: Date.now(), context: 'Start', msg: `${error.message}; the service did not start` })}\n`,
  );
  process.exit(1);
});
