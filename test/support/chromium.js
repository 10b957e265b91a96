'use strict';
/**
 * How Debian's Chromium is started for the browser tests and scripts/measure-docs.js: headless, as
 * root, and without the background connections this machine's closed network would refuse.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

module.exports = { CHROMIUM_ARGS };
