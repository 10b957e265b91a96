import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';

/**
 * Per-account lockout after LOGIN_MAX_FAILURES wrong passwords within LOGIN_LOCK_SECONDS. Counted
 * per key as typed (lower-cased), whether or not an account has that name, so a lockout reveals
 * nothing. Kept in PostgreSQL, so every instance sees the same counters.
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** The identifier as typed, trimmed and lower-cased; usernames and emails only match ASCII-insensitively. */
  static loginKey(identifier: string): string {
    return `login:${identifier.trim().toLowerCase()}`.slice(0, 300);
  }

  /** Seconds until the key unlocks, or 0 when it is not locked. */
  async lockedFor(key: string): Promise<number> {
    const rows: Array<{ seconds: number }> = await this.dataSource.query(
      `SELECT EXTRACT(EPOCH FROM (locked_until - now()))::float8 AS seconds
         FROM login_failures WHERE key = $1 AND locked_until > now()`,
      [key],
    );
    return rows[0] ? Math.ceil(rows[0].seconds) : 0;
  }

  /**
   * Counts a wrong password in one atomic statement; the failure that reaches the limit starts the
   * lock. Returns true when the key was already locked before this failure: a burst of parallel
   * guesses that all got past the first check then learns nothing beyond the first few answers.
   */
  async recordFailure(key: string): Promise<boolean> {
    const { maxFailures, lockSeconds } = this.config.login;
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
    const failures = rows[0]?.failures ?? 0;
    if (failures === maxFailures) this.metrics.lockouts.inc();
    return failures > maxFailures;
  }

  async clear(key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_failures WHERE key = $1`, [key]);
  }

  /** When the key's lock ends, for the login-status report. */
  async lockedUntil(key: string): Promise<Date | null> {
    const rows: Array<{ locked_until: Date }> = await this.dataSource.query(
      `SELECT locked_until FROM login_failures WHERE key = $1 AND locked_until > now()`,
      [key],
    );
    return rows[0]?.locked_until ?? null;
  }
}
