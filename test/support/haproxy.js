'use strict';
/**
 * Debian's HAProxy in front of the service, for the scale tests and `npm run bench -- --instances N`.
 * The configuration is deploy/haproxy.cfg, the shipped example, with only the frontend's port and the
 * server list substituted: what is tested is what is shipped.
 */
const { spawn } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const EXAMPLE = join(__dirname, '..', '..', 'deploy', 'haproxy.cfg');

/** deploy/haproxy.cfg with the frontend on 127.0.0.1:frontPort and one server line per port (the example's server options kept). */
function haproxyConfig(frontPort, serverPorts) {
  const lines = readFileSync(EXAMPLE, 'utf8').split('\n');
  const out = [];
  let serversWritten = false;
  for (const line of lines) {
    if (/^\s+bind :8080\s*$/.test(line)) {
      out.push(line.replace(':8080', `127.0.0.1:${frontPort}`));
      continue;
    }
    const server = /^(\s+)server app\d+ 127\.0\.0\.1:\d+(.*)$/.exec(line);
    if (server) {
      if (!serversWritten)
        serverPorts.forEach((port, index) => out.push(`${server[1]}server app${index + 1} 127.0.0.1:${port}${server[2]}`));
      serversWritten = true;
      continue;
    }
    out.push(line);
  }
  if (!serversWritten || !out.some((line) => line.includes(`127.0.0.1:${frontPort}`)))
    throw new Error('deploy/haproxy.cfg no longer has the `bind :8080` and `server appN 127.0.0.1:300N` lines the tests substitute');
  return out.join('\n');
}

/** Starts haproxy in the foreground (-db) with that configuration; resolves once the frontend answers /health/ready with 200. */
async function startHaproxy(frontPort, serverPorts, { timeoutMs = 30000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ums-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(frontPort, serverPorts));
  const child = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const spawned = new Promise((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`cannot start haproxy (apt-get install -y haproxy): ${error.message}`)));
    child.once('spawn', resolve);
  });
  await spawned;
  const url = `http://127.0.0.1:${frontPort}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited:\n${output}`);
    const ok = await fetch(`${url}/health/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`haproxy did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        // SIGUSR1 is HAProxy's soft stop; SIGTERM its hard stop: the tests are done with it.
        child.kill('SIGTERM');
      }),
  };
}

module.exports = { haproxyConfig, startHaproxy };
