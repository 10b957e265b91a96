import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { Tx } from '../database/transactions';
import { MetricsService } from '../metrics/metrics.service';
import { LoginFailuresRepository } from './login-failures.repository';

/**
 * Per-account lockout after LOGIN_MAX_FAILURES wrong passwords within LOGIN_LOCK_SECONDS. Counted
 * per account when the identifier names one (its username or its email, in any case: one counter),
 * and per identifier as typed (lower-cased) when it names none, so an unknown name locks the same
 * way and a lockout reveals nothing. Kept in PostgreSQL, so every instance sees the same counters.
 */
@Injectable()
export class LoginLockoutService {
  constructor(
    private readonly failures: LoginFailuresRepository,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * The one place that decides what a login failure counts against: the account the identifier
   * names (found by the login lookup, deleted ones included), else the identifier as typed, trimmed
   * and lower-cased (usernames and emails only match ASCII-insensitively).
   */
  static loginKey(identifier: string, account: { id: string } | null): string {
    return account ? `login-account:${account.id}` : `login:${identifier.trim().toLowerCase()}`.slice(0, 300);
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
