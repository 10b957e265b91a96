import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedQuery } from '../common/database/prepared';

/** Where a client stands in the current window of one limit. */
export interface RateLimitHit {
  /** Hits in the current window, this one included. */
  hits: number;
  /** Seconds until the window ends. */
  resetSeconds: number;
}

/** What RateLimitGuard counts with: PostgreSQL (the default) or Redis (REDIS_URL). */
export interface RateLimitCounter {
  hit(key: string, windowSeconds: number): Promise<RateLimitHit>;
  /** Adds several keys' counts at once (BatchedCounter's flush; keys distinct), answering each key's total. */
  hitMany(counts: Array<[key: string, hits: number]>, windowSeconds: number): Promise<Map<string, RateLimitHit>>;
}

/**
 * The rate_limits counters (UNLOGGED, migration RateLimits): one row per limit and client, counted
 * in fixed windows that start at the key's first hit, on the database's clock (so every instance
 * agrees where a window starts). The login and registration limits: one atomic, prepared upsert per
 * hit on the primary (concurrent hits from any instance serialise on the row and each sees its own
 * count). The API-wide limit: batched by BatchedCounter, one hitMany statement per flush interval.
 */
@Injectable()
export class RateLimitsRepository implements RateLimitCounter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async hit(key: string, windowSeconds: number): Promise<RateLimitHit> {
    const rows = await preparedQuery<{ hits: number; reset: number }>(
      this.dataSource,
      'rate-limit-hit',
      `INSERT INTO rate_limits AS r (key, window_start, hits)
       VALUES ($1, clock_timestamp(), 1)
       ON CONFLICT (key) DO UPDATE
          SET hits = CASE WHEN r.window_start > excluded.window_start - make_interval(secs => $2::integer) THEN r.hits + 1 ELSE 1 END,
              window_start = CASE WHEN r.window_start > excluded.window_start - make_interval(secs => $2::integer)
                                  THEN r.window_start ELSE excluded.window_start END
       RETURNING hits, extract(epoch FROM (window_start + make_interval(secs => $2::integer) - clock_timestamp()))::float8 AS reset`,
      [key, windowSeconds],
    );
    const row = rows[0];
    return { hits: row?.hits ?? 1, resetSeconds: Math.max(0, row?.reset ?? windowSeconds) };
  }

  /**
   * Adds the counts of many keys in one statement (the batched API-wide limit): the same window rule
   * as hit(), each key's row locked in the order given (sorted by the caller, so that instances
   * flushing the same keys cannot deadlock).
   */
  async hitMany(counts: Array<[key: string, hits: number]>, windowSeconds: number): Promise<Map<string, RateLimitHit>> {
    const rows = await preparedQuery<{ key: string; hits: number; reset: number }>(
      this.dataSource,
      'rate-limit-hit-many',
      `INSERT INTO rate_limits AS r (key, window_start, hits)
       SELECT k, clock_timestamp(), n FROM unnest($1::text[], $2::integer[]) WITH ORDINALITY AS t(k, n, o) ORDER BY o
       ON CONFLICT (key) DO UPDATE
          SET hits = CASE WHEN r.window_start > excluded.window_start - make_interval(secs => $3::integer) THEN r.hits + excluded.hits
                          ELSE excluded.hits END,
              window_start = CASE WHEN r.window_start > excluded.window_start - make_interval(secs => $3::integer)
                                  THEN r.window_start ELSE excluded.window_start END
       RETURNING key, hits, extract(epoch FROM (window_start + make_interval(secs => $3::integer) - clock_timestamp()))::float8 AS reset`,
      [counts.map(([key]) => key), counts.map(([, hits]) => hits), windowSeconds],
    );
    return new Map(rows.map((row) => [row.key, { hits: row.hits, resetSeconds: Math.max(0, row.reset) }]));
  }

  /** Drops the counters of windows that have ended (each instance runs it now and then; any one suffices). */
  async purge(windowSeconds: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM rate_limits WHERE window_start < now() - make_interval(secs => $1::integer)`, [windowSeconds]);
  }
}
