import { Injectable, OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { Semaphore } from '../concurrency/semaphore';
import { hashFormat, verifyImported } from './imported-hashes';

/**
 * argon2id at no less than OWASP's minimum (m=19456 KiB, t=2, p=1). Hashing runs on libuv's
 * thread pool, so it never blocks the event loop, and at most ARGON2_CONCURRENCY hashes (one per
 * core by default) run at once: more would only share the same cores, each holding its 19 MiB,
 * and keep the pool's threads from other work.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private dummyHash = '';
  private readonly slots: Semaphore;

  constructor(private readonly config: AppConfig) {
    this.slots = new Semaphore(config.argon2.concurrency);
  }

  async onModuleInit(): Promise<void> {
    // Verified against when the account does not exist, so both paths cost the same.
    this.dummyHash = await this.hash(randomBytes(16).toString('hex'));
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() =>
      argon2.hash(password, {
        type: argon2.argon2id,
        memoryCost: this.config.argon2.memoryCost,
        timeCost: this.config.argon2.timeCost,
        parallelism: this.config.argon2.parallelism,
      }),
    );
  }

  /**
   * True when the hash is weaker than the configured parameters (not argon2id, an older version,
   * less memory or fewer passes): rehash it at the next login. Never downgrades: during a rolling
   * change of ARGON2_*, an instance still on the old settings leaves stronger hashes alone.
   */
  needsRehash(hash: string): boolean {
    // An imported hash of another format (Django, bcrypt) is replaced by argon2id at the first successful login.
    const format = hashFormat(hash);
    if (format !== null && format !== 'argon2' && format !== 'unusable') return true;
    const parsed = /^\$(argon2(?:id|i|d))\$v=(\d+)\$([^$]+)\$/.exec(hash);
    if (!parsed) return false;
    const params = Object.fromEntries(parsed[3].split(',').map((pair) => pair.split('=') as [string, string]));
    return (
      parsed[1] !== 'argon2id' ||
      Number(parsed[2]) < 19 ||
      Number(params.m) < this.config.argon2.memoryCost ||
      Number(params.t) < this.config.argon2.timeCost
    );
  }

  /**
   * Always does one full verification, against the dummy hash when there is no account or the account
   * has an unusable (`!...`) or unknown hash, so no format tells whether an account exists. Imported
   * formats (imported-hashes.ts) are verified in constant time, under the same concurrency limit.
   */
  async verify(hash: string | null | undefined, password: string): Promise<boolean> {
    const format = hash ? hashFormat(hash) : null;
    try {
      if (hash && format !== null && format !== 'argon2' && format !== 'unusable') {
        return await this.slots.run(() => verifyImported(format, hash, password));
      }
      const ok = await this.slots.run(() => argon2.verify(format === 'argon2' && hash ? hash : this.dummyHash, password));
      return ok && format === 'argon2';
    } catch {
      return false;
    }
  }
}
