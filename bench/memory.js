'use strict';
// Memory figures of the benchmark (issue 16): resident memory (VmRSS of /proc/<pid>/status) sampled
// every 100 ms while a scenario runs (peak, and steady = the median of the last half of the samples),
// idle RSS after start, and the heap used after a full garbage collection, read over the DevTools
// protocol: the process is started with --inspect-port=127.0.0.1:0 (nothing listens until then), and
// only at the end of the bench it gets SIGUSR1, which opens the inspector; no route is added to the
// service for it.
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { WEBSOCKET_FLAGS } = require('./devtools');

const SAMPLE_MS = 100;
const MiB = 2 ** 20;

/** The resident memory of a process in bytes, or 0 when it is gone. */
function rss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

function median(values) {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Samples the RSS of `pid` every 100 ms while `work` runs. Returns the work's result with the peak and
 * the steady RSS (the median of the last half of the samples), in MiB.
 */
async function sampleRss(pid, work) {
  const samples = [];
  const sample = () => {
    const bytes = rss(pid);
    if (bytes > 0) samples.push(bytes);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  try {
    const result = await work();
    sample();
    return {
      result,
      memory: {
        peakMiB: Math.max(0, ...samples) / MiB,
        steadyMiB: median(samples.slice(Math.floor(samples.length / 2))) / MiB,
        samples: samples.length,
      },
    };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Node's flag that arms the inspector without opening it: SIGUSR1 opens it later on a free port, and
 * the process writes its address on stderr ("Debugger listening on ws://...").
 */
const INSPECT_FLAG = '--inspect-port=127.0.0.1:0';

/**
 * Watches a child's stderr for the inspector's address and passes every other line on to ours.
 * Returns a function that resolves with the address once the inspector opened.
 */
function watchInspector(child) {
  let address = null;
  const waiting = [];
  let buffered = '';
  child.stderr.on('data', (chunk) => {
    buffered += String(chunk);
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline + 1);
      buffered = buffered.slice(newline + 1);
      const match = /Debugger listening on (ws:\/\/\S+)/.exec(line);
      if (match) {
        address = match[1];
        for (const resolve of waiting.splice(0)) resolve(address);
      } else if (
        !/^For help, see: https:\/\/nodejs.org\/en\/docs\/inspector|^Debugger attached|^Debugger ending|^Waiting for the debugger/.test(
          line,
        )
      )
        process.stderr.write(line);
    }
  });
  return () => (address ? Promise.resolve(address) : new Promise((resolve) => waiting.push(resolve)));
}

/**
 * The heap after a full GC: opens the child's inspector (SIGUSR1) and runs bench/heap-after-gc.js
 * against it (HeapProfiler.collectGarbage twice, then Runtime.getHeapUsage). The RSS right after the
 * collection comes with it. Null when it cannot be read.
 */
async function heapAfterGc(child, inspectorAddress) {
  try {
    process.kill(child.pid, 'SIGUSR1');
    const address = await Promise.race([inspectorAddress(), new Promise((resolve) => setTimeout(() => resolve(null), 5000))]);
    if (!address) return null;
    const out = spawnSync(process.execPath, [...WEBSOCKET_FLAGS, join(__dirname, 'heap-after-gc.js'), address], {
      encoding: 'utf8',
      timeout: 30000,
    });
    if (out.status !== 0) {
      process.stderr.write(`heap after GC not read: ${out.stderr}\n`);
      return null;
    }
    const heap = JSON.parse(out.stdout);
    return { heapUsedMiB: heap.usedSize / MiB, heapTotalMiB: heap.totalSize / MiB, rssAfterGcMiB: rss(child.pid) / MiB };
  } catch (error) {
    process.stderr.write(`heap after GC not read: ${error.message}\n`);
    return null;
  }
}

module.exports = { rss, sampleRss, heapAfterGc, watchInspector, INSPECT_FLAG, MiB, median };
