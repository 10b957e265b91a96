import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { Tx } from '../database/transactions';
import { MetricsService } from '../metrics/metrics.service';
import { LoginFailuresRepository } from './login-failures.repository';

/**
 * Per-account lockout after LOGIN_MAX_FAILURES wrong passwords within LOGIN_LOCK_SECONDS. Counted
 * per key as typed (lower-cased), whether or not an account has that name, so a lockout reveals
 * nothing. Kept in PostgreSQL, so every instance sees the same counters.
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    private readonly failures: LoginFailuresRepository,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** The identifier as typed, trimmed and lower-cased; usernames and emails only match ASCII-insensitively. */
  static loginKey(identifier: string): string {
    return `login:${identifier.trim().toLowerCase()}`.slice(0, 300);
  }

  /** Seconds until the key unlocks, or 0 when it is not locked. */
  lockedFor(key: string, tx?: Tx): Promise<number> {
    return this.failures.lockedSeconds(key, tx);
  }

  /**
   * Counts a wrong password; the failure that reaches the limit starts the lock. Returns true when
   * the key was already locked before this failure: a burst of parallel guesses that all got past
   * the first check then learns nothing beyond the first few answers.
   */
  async recordFailure(key: string): Promise<boolean> {
    const { maxFailures, lockSeconds } = this.config.login;
    const failures = await this.failures.countFailure(key, maxFailures, lockSeconds);
    if (failures === maxFailures) this.metrics.lockouts.inc();
    return failures > maxFailures;
  }

  clear(key: string, tx?: Tx): Promise<void> {
    return this.failures.clear(key, tx);
  }

  /** When the key's lock ends, for the login-status report. */
  lockedUntil(key: string): Promise<Date | null> {
    return this.failures.lockedUntil(key);
  }
}
