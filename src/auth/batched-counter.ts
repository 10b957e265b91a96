import { Logger } from '@nestjs/common';
import type { RateLimitCounter, RateLimitHit } from './rate-limits.repository';

/** How often the local counts of the API-wide limit are added to the shared store. */
export const FLUSH_INTERVAL_MS = 100;

interface Entry {
  /** The key's count in the shared store at the last exchange (every instance's hits, ours included). */
  shared: number;
  /** Hits counted here since then, not yet in the shared store. */
  pending: number;
  /** Hits being added by the flush in flight. */
  flushing: number;
  /** When the window ends, on this process's clock (from the store's answer). */
  windowEndsAt: number;
}

/**
 * The API-wide limit (RATE_LIMIT_API), counted locally and shared in batches. A key's first hit in
 * this process (and its first hit after the window ended) is counted in the shared store at once,
 * which tells where the client stands and when its window ends; later hits are counted in memory
 * and the counts of every key are added to the shared store every FLUSH_INTERVAL_MS in one statement
 * (PostgreSQL) or one pipeline (Redis), which answers each key's total over every instance. So a
 * request costs a map lookup, not a round trip on one hot row.
 *
 * The trade-off, documented in README ("Scaling out"): an instance learns the other instances' hits
 * only at its next flush, so N instances together may let through up to one flush interval's hits
 * per instance beyond the limit; a crash forgets at most the last interval's hits (a clean shutdown
 * flushes them). The login and registration limits and the lockout are not counted here: they stay
 * exact, one shared count per hit.
 */
export class BatchedCounter {
  private readonly logger = new Logger(BatchedCounter.name);
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private warned = false;

  constructor(
    private readonly store: RateLimitCounter,
    private readonly windowSeconds: number,
    private readonly intervalMs = FLUSH_INTERVAL_MS,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Counts one hit; answers the key's count over every instance as far as this one knows it. Answers
   * synchronously when the key is known here (the common case: no promise, no round trip).
   */
  hit(key: string): RateLimitHit | Promise<RateLimitHit> {
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && entry.windowEndsAt > now) {
      entry.pending += 1;
      return { hits: entry.shared + entry.flushing + entry.pending, resetSeconds: (entry.windowEndsAt - now) / 1000 };
    }
    return this.first(key);
  }

  /** First hit here, or the window ended: counted in the shared store at once (a new window starts there). */
  private async first(key: string): Promise<RateLimitHit> {
    const counted = await this.store.hit(key, this.windowSeconds);
    const current = this.entries.get(key);
    if (current && current.windowEndsAt > Date.now()) {
      // Another request of the same key got there first: this hit is already in the shared count.
      current.shared = Math.max(current.shared, counted.hits - current.flushing - current.pending);
      return { hits: counted.hits, resetSeconds: counted.resetSeconds };
    }
    this.entries.set(key, { shared: counted.hits, pending: 0, flushing: 0, windowEndsAt: Date.now() + counted.resetSeconds * 1000 });
    return counted;
  }

  /** Adds every pending count to the shared store in one exchange, and reads back each key's total. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const now = Date.now();
    const batch: Array<[string, number]> = [];
    for (const [key, entry] of this.entries) {
      if (entry.windowEndsAt <= now) {
        // The window ended: its hits no longer matter, and the next hit asks the store again.
        this.entries.delete(key);
        continue;
      }
      if (entry.pending === 0) continue;
      entry.flushing = entry.pending;
      entry.pending = 0;
      batch.push([key, entry.flushing]);
    }
    if (batch.length === 0) return Promise.resolve();
    // Sorted: two instances flushing the same keys lock their rows in one order.
    batch.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const flushing = this.store
      .hitMany(batch, this.windowSeconds)
      .then((totals) => {
        const at = Date.now();
        for (const [key] of batch) {
          const entry = this.entries.get(key);
          const total = totals.get(key);
          if (!entry || !total) continue;
          entry.shared = total.hits;
          entry.flushing = 0;
          entry.windowEndsAt = at + total.resetSeconds * 1000;
        }
        this.warned = false;
      })
      .catch((error: Error) => {
        // Not lost: the counts go back to pending and are added by the next flush.
        for (const [key, count] of batch) {
          const entry = this.entries.get(key);
          if (!entry) continue;
          entry.pending += count;
          entry.flushing = 0;
        }
        if (!this.warned) this.logger.warn(`rate-limit flush failed, retried at the next interval: ${error.message}`);
        this.warned = true;
      })
      .finally(() => {
        this.flushing = undefined;
      });
    this.flushing = flushing;
    return flushing;
  }

  /** Stops the timer and adds what is pending (a clean shutdown forgets nothing). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.flushing) await this.flushing;
    await this.flush();
  }

  /** Keys counted in memory (tests and metrics). */
  get size(): number {
    return this.entries.size;
  }
}
