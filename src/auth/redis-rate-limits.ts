import { Logger } from '@nestjs/common';
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

/** The same for many keys at once (the batched API-wide limit): ARGV[1] the window, ARGV[i+1] the count of KEYS[i]. */
const HIT_MANY_SCRIPT = `local out = {}
for i, key in ipairs(KEYS) do
  local add = tonumber(ARGV[i + 1])
  local n = redis.call('INCRBY', key, add)
  if n == add then redis.call('PEXPIRE', key, ARGV[1]) end
  out[i] = {n, redis.call('PTTL', key)}
end
return out`;

/** A command Redis has not answered in this long fails (and the connection is dropped), so a hung Redis cannot hang requests. */
const COMMAND_TIMEOUT_MS = 1000;

/**
 * The rate-limit counters in Redis (REDIS_URL), for deployments that run one anyway. A minimal RESP
 * client on one pipelined connection (EVAL is the only command it sends after AUTH/SELECT), so the
 * service needs no Redis package. The connection is made on first use and again after it drops. A
 * command fails when Redis is unreachable or does not answer within COMMAND_TIMEOUT_MS; RateLimitGuard
 * then counts in PostgreSQL instead (FallbackCounter), so the limits keep holding and no request fails.
 */
interface Waiting {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

/** One connection and what waits on it (each connection has its own queue: a dropped one fails only its own commands). */
interface Connection {
  socket: Socket;
  buffer: Buffer;
  pending: Waiting[];
}

export class RedisRateLimits implements RateLimitCounter {
  private connection: Connection | undefined;

  constructor(private readonly url: string) {}

  async hit(key: string, windowSeconds: number): Promise<RateLimitHit> {
    const reply = await this.command(['EVAL', HIT_SCRIPT, '1', `rl:${key}`, String(windowSeconds * 1000)]);
    if (!Array.isArray(reply)) throw new Error('unexpected reply from Redis');
    const [hits, pttl] = reply as number[];
    return { hits, resetSeconds: Math.max(0, (pttl ?? windowSeconds * 1000) / 1000) };
  }

  async hitMany(counts: Array<[key: string, hits: number]>, windowSeconds: number): Promise<Map<string, RateLimitHit>> {
    const args = ['EVAL', HIT_MANY_SCRIPT, String(counts.length), ...counts.map(([key]) => `rl:${key}`), String(windowSeconds * 1000)];
    const reply = await this.command([...args, ...counts.map(([, hits]) => String(hits))]);
    if (!Array.isArray(reply)) throw new Error('unexpected reply from Redis');
    const totals = new Map<string, RateLimitHit>();
    counts.forEach(([key], index) => {
      const [hits, pttl] = (reply[index] ?? []) as number[];
      totals.set(key, { hits, resetSeconds: Math.max(0, (pttl ?? windowSeconds * 1000) / 1000) });
    });
    return totals;
  }

  /** Whether Redis answers now (readiness asks). */
  async ping(): Promise<boolean> {
    return this.command(['PING']).then(
      (reply) => reply === 'PONG',
      () => false,
    );
  }

  close(): void {
    this.connection?.socket.destroy();
    this.connection = undefined;
  }

  private command(args: string[]): Promise<Reply> {
    return this.send(this.connection ?? this.open(), args);
  }

  private send(connection: Connection, args: string[]): Promise<Reply> {
    const payload = `*${args.length}\r\n` + args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('');
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Everything queued on this connection fails with it; the next command connects again.
        if (this.connection === connection) this.connection = undefined;
        connection.socket.destroy(new Error('Redis did not answer in time'));
      }, COMMAND_TIMEOUT_MS);
      connection.pending.push({
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      connection.socket.write(payload);
    }).then((reply) => {
      if (reply instanceof Error) throw reply;
      return reply;
    });
  }

  private open(): Connection {
    const url = new URL(this.url);
    const socket = connect({ host: url.hostname || '127.0.0.1', port: Number(url.port || 6379) });
    socket.setNoDelay(true);
    const connection: Connection = { socket, buffer: Buffer.alloc(0), pending: [] };
    this.connection = connection;
    socket.on('data', (chunk: Buffer) => this.receive(connection, chunk));
    const fail = (error: Error): void => {
      if (this.connection === connection) this.connection = undefined;
      for (const waiting of connection.pending.splice(0)) waiting.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('Redis connection closed')));
    // Queued ahead of the first command on the same connection, so they run first.
    const password = decodeURIComponent(url.password);
    const username = decodeURIComponent(url.username);
    if (password) void this.send(connection, username ? ['AUTH', username, password] : ['AUTH', password]).catch(() => undefined);
    const db = url.pathname.replace('/', '');
    if (db) void this.send(connection, ['SELECT', db]).catch(() => undefined);
    return connection;
  }

  private receive(connection: Connection, chunk: Buffer): void {
    connection.buffer = Buffer.concat([connection.buffer, chunk]);
    for (;;) {
      const parsed = parseReply(connection.buffer, 0);
      if (!parsed) return;
      connection.buffer = connection.buffer.subarray(parsed.end);
      connection.pending.shift()?.resolve(parsed.reply);
    }
  }
}

/** After Redis fails, how long the counters stay in PostgreSQL before Redis is tried again. */
const REDIS_RETRY_MS = 5000;

/**
 * REDIS_URL's counters with PostgreSQL behind them: while Redis answers, every count is in Redis;
 * when it fails (unreachable, refused, no answer within a second, an error reply), the count is made in
 * PostgreSQL's rate_limits instead, with one warning per outage, and Redis is tried again every
 * REDIS_RETRY_MS (and by each readiness probe). So a Redis outage never fails a request and the limits
 * keep holding across instances; the counts restart from zero in the other store when it switches
 * (a window's hits counted in one store are not added to the other).
 */
export class FallbackCounter implements RateLimitCounter {
  private readonly logger = new Logger('RateLimits');
  private downUntil = 0;
  private down = false;

  constructor(
    readonly redis: RedisRateLimits,
    private readonly postgres: RateLimitCounter,
  ) {}

  /** 'up' while the counters are in Redis, 'down' while they are in PostgreSQL. */
  get redisStatus(): 'up' | 'down' {
    return this.down ? 'down' : 'up';
  }

  hit(key: string, windowSeconds: number): Promise<RateLimitHit> {
    return this.either((store) => store.hit(key, windowSeconds));
  }

  hitMany(counts: Array<[key: string, hits: number]>, windowSeconds: number): Promise<Map<string, RateLimitHit>> {
    return this.either((store) => store.hitMany(counts, windowSeconds));
  }

  /** Asks Redis now (readiness): its answer ends or starts an outage. */
  async probe(): Promise<'up' | 'down'> {
    if (await this.redis.ping()) this.recovered();
    else this.failed(new Error('no answer to PING'));
    return this.redisStatus;
  }

  private async either<T>(work: (store: RateLimitCounter) => Promise<T>): Promise<T> {
    if (!this.down || Date.now() >= this.downUntil) {
      try {
        const result = await work(this.redis);
        this.recovered();
        return result;
      } catch (error) {
        this.failed(error as Error);
      }
    }
    return work(this.postgres);
  }

  private failed(error: Error): void {
    this.downUntil = Date.now() + REDIS_RETRY_MS;
    if (this.down) return;
    this.down = true;
    // The message is the client's own (connection refused, timeout, an error reply), never the URL or its password.
    this.logger.warn(`Redis failed (${error.message}): rate limits count in PostgreSQL until it answers again`);
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log('Redis answers again: rate limits count in Redis');
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
