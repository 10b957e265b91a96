'use strict';
// The raw argon2id verification rate at the service's parameters (ARGON2_* as configured, the
// default thread pool): the ceiling for logins. Measured with as many verifications in flight as
// there are cores and with twice as many, and the better of the two is the limit.
// Usage: node bench/argon2-rate.js <seconds>   Prints { perSecond, byConcurrency } as JSON.
const argon2 = require('argon2');
const { availableParallelism } = require('node:os');

async function rate(hash, seconds, concurrency) {
  let done = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      await argon2.verify(hash, 'bench-password');
      done += 1;
    }
  };
  // Warm up, then count.
  await Promise.all(Array.from({ length: concurrency }, () => argon2.verify(hash, 'bench-password')));
  const started = process.hrtime.bigint();
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  stop = true;
  const counted = done;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(workers);
  return counted / elapsed;
}

async function main() {
  const seconds = Number(process.argv[2] ?? 10);
  const options = {
    type: argon2.argon2id,
    memoryCost: Number(process.env.ARGON2_MEMORY_KIB ?? 19456),
    timeCost: Number(process.env.ARGON2_TIME_COST ?? 2),
    parallelism: Number(process.env.ARGON2_PARALLELISM ?? 1),
  };
  const hash = await argon2.hash('bench-password', options);
  const cores = availableParallelism();
  const byConcurrency = {};
  for (const concurrency of [cores, cores * 2]) byConcurrency[concurrency] = await rate(hash, seconds, concurrency);
  process.stdout.write(`${JSON.stringify({ perSecond: Math.max(...Object.values(byConcurrency)), byConcurrency })}\n`);
}

void main();
