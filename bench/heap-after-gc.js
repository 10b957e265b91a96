'use strict';
// node bench/heap-after-gc.js ws://127.0.0.1:<port>/<id>
// Over the DevTools protocol: two full garbage collections, then the heap's used and total size, as
// one JSON line on stdout. Used by bench/memory.js once the bench's load has ended.
const address = process.argv[2];
const socket = new WebSocket(address);
let next = 0;
const pending = new Map();

function send(method, params = {}) {
  const id = ++next;
  socket.send(JSON.stringify({ id, method, params }));
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}

socket.addEventListener('message', (event) => {
  const message = JSON.parse(String(event.data));
  const waiter = pending.get(message.id);
  if (!waiter) return;
  pending.delete(message.id);
  if (message.error) waiter.reject(new Error(message.error.message));
  else waiter.resolve(message.result);
});
socket.addEventListener('error', () => {
  process.stderr.write(`cannot open ${address}\n`);
  process.exit(1);
});
socket.addEventListener('open', async () => {
  try {
    await send('HeapProfiler.enable');
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.disable');
    const usage = await send('Runtime.getHeapUsage');
    process.stdout.write(`${JSON.stringify({ usedSize: usage.usedSize, totalSize: usage.totalSize })}\n`);
    socket.close();
    process.exit(0);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
});
