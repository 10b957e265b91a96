'use strict';
// node bench/heap-after-gc.js ws://127.0.0.1:<port>/<id>
// Over the DevTools protocol: two full garbage collections, then the heap's used and total size, as
// one JSON line on stdout. Used by bench/memory.js once the bench's load has ended.
const { devtools } = require('./devtools');

devtools(process.argv[2])
  .then(async (session) => {
    await session.send('HeapProfiler.enable');
    await session.send('HeapProfiler.collectGarbage');
    await session.send('HeapProfiler.collectGarbage');
    await session.send('HeapProfiler.disable');
    const usage = await session.send('Runtime.getHeapUsage');
    process.stdout.write(`${JSON.stringify({ usedSize: usage.usedSize, totalSize: usage.totalSize })}\n`);
    session.close();
    process.exit(0);
  })
  .catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
