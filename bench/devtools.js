'use strict';
// The bench's client of V8's inspector: used by bench/profile.js and bench/heap-after-gc.js.

/** The flags a Node.js without a global WebSocket (Node 20) needs to run a script that uses devtools(); none on Node 22. */
const WEBSOCKET_FLAGS = typeof WebSocket === 'undefined' ? ['--experimental-websocket', '--no-warnings'] : [];

/** A DevTools protocol session over the inspector's WebSocket (Node 22's global WebSocket; Node 20 needs --experimental-websocket). */
function devtools(address) {
  const socket = new WebSocket(address);
  let next = 0;
  const pending = new Map();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data));
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  const send = (method, params = {}) => {
    const id = ++next;
    socket.send(JSON.stringify({ id, method, params }));
    return new Promise((ok, reject) => pending.set(id, { resolve: ok, reject }));
  };
  return new Promise((ok, reject) => {
    socket.addEventListener('open', () => ok({ send, close: () => socket.close() }));
    socket.addEventListener('error', () => reject(new Error(`cannot open ${address}`)));
  });
}

module.exports = { devtools, WEBSOCKET_FLAGS };
