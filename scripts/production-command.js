'use strict';
// How production starts the service, read from package.json's `start:prod` (the one place it is
// written; the Dockerfile repeats it): the environment it sets and Node.js's flags. The build makes its
// code cache under these flags (V8 refuses a cache made under others), and the bench and the e2e
// tests start the service with both, so that they measure and test what ships.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/** `{ env, flags }` of `[NAME=value ...] node <flags> dist/main.js` in that checkout's package.json. */
function productionCommand(root = join(__dirname, '..')) {
  const script = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts['start:prod'] ?? '';
  const match = /^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)node\s+(.*?)\s*dist\/main\.js/.exec(script);
  const env = Object.fromEntries(
    (match?.[1] ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
  );
  return { env, flags: (match?.[2] ?? '').split(/\s+/).filter(Boolean) };
}

module.exports = { productionCommand };
