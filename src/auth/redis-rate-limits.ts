import { connect, Socket } from 'node:net';
import type { RateLimitCounter, RateLimitHit } from './rate-limits.repository';

type Reply = string | number | null | Reply[] | Error;

/**
 * One fixed window per key: INCR, and the first hit of a window sets its expiry; answers the hits
 * and the milliseconds left. Atomic in Redis, so every instance sees one count.
 */
const HIT_SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

/**
 * The rate-limit counters in Redis (REDIS_URL), for deployments that run one anyway. A minimal RESP
 * client on one pipelined connection (EVAL is the only command it sends after AUTH/SELECT), so the
 * service needs no Redis package. The connection is made on first use and again after it drops; a
 * hit while Redis is unreachable fails the request (answered as an internal error) rather than
 * letting it through uncounted.
 */
export class RedisRateLimits implements RateLimitCounter {
  private socket: Socket | undefined;
  private buffer = Buffer.alloc(0);
  private readonly pending: Array<{ resolve: (reply: Reply) => void; reject: (error: Error) => void }> = [];

  constructor(private readonly url: string) {}

  async hit(key: string, windowSeconds: number): Promise<RateLimitHit> {
    const reply = await this.command(['EVAL', HIT_SCRIPT, '1', `rl:${key}`, String(windowSeconds * 1000)]);
    if (!Array.isArray(reply)) throw new Error('unexpected reply from Redis');
    const [hits, pttl] = reply as number[];
    return { hits, resetSeconds: Math.max(0, (pttl ?? windowSeconds * 1000) / 1000) };
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private command(args: string[]): Promise<Reply> {
    if (!this.socket) this.open();
    return this.send(args);
  }

  private send(args: string[]): Promise<Reply> {
    const socket = this.socket as Socket;
    const payload = `*${args.length}\r\n` + args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('');
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      socket.write(payload);
    }).then((reply) => {
      if (reply instanceof Error) throw reply;
      return reply;
    });
  }

  private open(): void {
    const url = new URL(this.url);
    const socket = connect({ host: url.hostname || '127.0.0.1', port: Number(url.port || 6379) });
    socket.setNoDelay(true);
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    const fail = (error: Error): void => {
      if (this.socket === socket) this.socket = undefined;
      for (const waiting of this.pending.splice(0)) waiting.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('Redis connection closed')));
    // Queued ahead of the first command on the same connection, so they run first.
    const password = decodeURIComponent(url.password);
    const username = decodeURIComponent(url.username);
    if (password) void this.send(username ? ['AUTH', username, password] : ['AUTH', password]).catch(() => undefined);
    const db = url.pathname.replace('/', '');
    if (db) void this.send(['SELECT', db]).catch(() => undefined);
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const parsed = parseReply(this.buffer, 0);
      if (!parsed) return;
      this.buffer = this.buffer.subarray(parsed.end);
      this.pending.shift()?.resolve(parsed.reply);
    }
  }
}

/** One RESP2 reply starting at `at`, or undefined when the buffer does not hold all of it yet. */
function parseReply(buffer: Buffer, at: number): { reply: Reply; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[at]);
  const line = buffer.toString('utf8', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: line, end: next };
    case '-':
      return { reply: new Error(line), end: next };
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, end: next };
      const items: Reply[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, end);
        if (!item) return undefined;
        items.push(item.reply);
        end = item.end;
      }
      return { reply: items, end };
    }
    default:
      return { reply: new Error(`unexpected RESP type ${type}`), end: buffer.length };
  }
}
