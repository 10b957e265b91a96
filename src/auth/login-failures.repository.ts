import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Tx } from '../database/transactions';

/** The login_failures counters (per-identifier lockout and other guess limits). */
@Injectable()
export class LoginFailuresRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** When the key's lock ends, or null when it is not locked. */
  async lockedUntil(key: string, tx: Tx = this.dataSource.manager): Promise<Date | null> {
    const rows: Array<{ locked_until: Date }> = await tx.query(
      `SELECT locked_until FROM login_failures WHERE key = $1 AND locked_until > now()`,
      [key],
    );
    return rows[0]?.locked_until ?? null;
  }

  /** Seconds until the key unlocks, or 0 when it is not locked. */
  async lockedSeconds(key: string, tx: Tx = this.dataSource.manager): Promise<number> {
    const rows: Array<{ seconds: number }> = await tx.query(
      `SELECT EXTRACT(EPOCH FROM (locked_until - now()))::float8 AS seconds
         FROM login_failures WHERE key = $1 AND locked_until > now()`,
      [key],
    );
    return rows[0] ? Math.ceil(rows[0].seconds) : 0;
  }

  /**
   * Counts one failure in one atomic statement and returns the count in the current window: a
   * failure after the window (or after a lock ended) starts again at 1, and the failure that reaches
   * `maxFailures` locks the key for `lockSeconds`.
   */
  async countFailure(key: string, maxFailures: number, lockSeconds: number): Promise<number> {
    const rows: Array<{ failures: number }> = await this.dataSource.query(
      `INSERT INTO login_failures AS f (key, failures, last_failed_at, locked_until)
       VALUES ($1, 1, now(), CASE WHEN $2 <= 1 THEN now() + make_interval(secs => $3) END)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN f.locked_until <= now()
                           OR (f.locked_until IS NULL AND f.last_failed_at < now() - make_interval(secs => $3)) THEN 1
                         ELSE f.failures + 1 END,
         last_failed_at = now(),
         locked_until = CASE
                          WHEN f.locked_until > now() THEN f.locked_until
                          WHEN (CASE WHEN f.locked_until <= now()
                                       OR (f.locked_until IS NULL AND f.last_failed_at < now() - make_interval(secs => $3)) THEN 1
                                     ELSE f.failures + 1 END) >= $2 THEN now() + make_interval(secs => $3)
                        END
       RETURNING failures`,
      [key, maxFailures, lockSeconds],
    );
    return rows[0]?.failures ?? 0;
  }

  async clear(key: string, tx: Tx = this.dataSource.manager): Promise<void> {
    await tx.query(`DELETE FROM login_failures WHERE key = $1`, [key]);
  }
}
