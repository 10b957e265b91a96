import { Logger } from '@nestjs/common';
import { BatchedCounter } from '../../src/auth/batched-counter';
import type { RateLimitCounter, RateLimitHit } from '../../src/auth/rate-limits.repository';
import { FallbackCounter, RedisRateLimits } from '../../src/auth/redis-rate-limits';

/** One shared store in memory, as PostgreSQL's rate_limits would hold it for every instance (window 60 s). */
class MemoryStore implements RateLimitCounter {
  readonly counts = new Map<string, number>();
  statements = 0;
  failing = false;

  async hit(key: string): Promise<RateLimitHit> {
    return (await this.hitMany([[key, 1]])).get(key) as RateLimitHit;
  }

  async hitMany(counts: Array<[string, number]>): Promise<Map<string, RateLimitHit>> {
    this.statements += 1;
    if (this.failing) throw new Error('store unreachable');
    const totals = new Map<string, RateLimitHit>();
    for (const [key, hits] of counts) {
      const total = (this.counts.get(key) ?? 0) + hits;
      this.counts.set(key, total);
      totals.set(key, { hits: total, resetSeconds: 60 });
    }
    return totals;
  }
}

const hit = async (counter: BatchedCounter, key: string): Promise<number> => (await counter.hit(key)).hits;

describe('BatchedCounter (the API-wide limit, shared in batches)', () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  it('asks the store on the first hit only, then counts in memory and adds the counts in one statement per flush', async () => {
    const store = new MemoryStore();
    const counter = new BatchedCounter(store, 60, 1_000_000);
    expect(await hit(counter, 'api:a')).toBe(1);
    expect(store.statements).toBe(1);
    for (let index = 2; index <= 50; index += 1) expect(await hit(counter, 'api:a')).toBe(index);
    await hit(counter, 'api:b');
    expect(store.statements).toBe(2);
    await hit(counter, 'api:b');
    await counter.flush();
    expect(store.statements).toBe(3);
    expect(store.counts.get('api:a')).toBe(50);
    expect(store.counts.get('api:b')).toBe(2);
    // Nothing pending: no statement.
    await counter.flush();
    expect(store.statements).toBe(3);
  });

  it("learns the other instances' hits at each flush: two instances over one store count one total", async () => {
    const store = new MemoryStore();
    const one = new BatchedCounter(store, 60, 1_000_000);
    const two = new BatchedCounter(store, 60, 1_000_000);
    for (let index = 0; index < 10; index += 1) await hit(one, 'api:c');
    await one.flush();
    // The second instance's first hit reads the total: 10 + 1.
    expect(await hit(two, 'api:c')).toBe(11);
    for (let index = 0; index < 4; index += 1) await hit(two, 'api:c');
    // Within an interval the first does not know the second's hits (the documented overshoot)...
    expect(await hit(one, 'api:c')).toBe(11);
    await two.flush();
    await one.flush();
    // ...and knows them all after its next flush.
    expect(await hit(one, 'api:c')).toBe(17);
    expect(store.counts.get('api:c')).toBe(16);
  });

  it('keeps the counts of a failed flush and adds them at the next one; close() flushes what is pending', async () => {
    const store = new MemoryStore();
    const counter = new BatchedCounter(store, 60, 1_000_000);
    await hit(counter, 'api:d');
    await hit(counter, 'api:d');
    store.failing = true;
    await counter.flush();
    await hit(counter, 'api:d');
    store.failing = false;
    await counter.close();
    expect(store.counts.get('api:d')).toBe(3);
  });
});

describe('FallbackCounter (REDIS_URL with Redis unreachable)', () => {
  it('counts in PostgreSQL while Redis fails, warns once, and says Redis is down', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const redis = new RedisRateLimits('redis://127.0.0.1:1/0');
    const postgres = new MemoryStore();
    const counter = new FallbackCounter(redis, postgres);
    try {
      expect((await counter.hit('login:x', 60)).hits).toBe(1);
      expect((await counter.hit('login:x', 60)).hits).toBe(2);
      expect((await counter.hitMany([['api:x', 5]], 60)).get('api:x')?.hits).toBe(5);
      expect(counter.redisStatus).toBe('down');
      expect(await counter.probe()).toBe('down');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(postgres.counts.get('login:x')).toBe(2);
    } finally {
      redis.close();
      warn.mockRestore();
    }
  });
});
