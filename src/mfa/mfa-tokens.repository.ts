import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Tx } from '../database/transactions';

/** A login's pending second step, as the verification sees it (locked until its transaction ends). */
export interface PendingMfaStep {
  tokenHash: string;
  userId: string;
  lockKey: string;
  passwordHashTag: string;
}

/** The mfa_tokens table: one row per password step of an enrolled account. */
@Injectable()
export class MfaTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(row: { tokenHash: string; userId: string; lockKey: string; passwordHashTag: string; ttlSeconds: number }): Promise<void> {
    // Expired rows of anyone are swept on the way (indexed by expires_at), so the table stays small.
    await this.dataSource.query(`DELETE FROM mfa_tokens WHERE expires_at < now() - interval '1 hour'`);
    await this.dataSource.query(
      `INSERT INTO mfa_tokens (token_hash, user_id, lock_key, password_hash_tag, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [row.tokenHash, row.userId, row.lockKey, row.passwordHashTag, row.ttlSeconds],
    );
  }

  /** The unused, unexpired step with this hash, locked: a second verification with the same token waits, then finds it used. */
  async lockUsable(tx: Tx, tokenHash: string): Promise<PendingMfaStep | null> {
    const rows: Array<{ token_hash: string; user_id: string; lock_key: string; password_hash_tag: string }> = await tx.query(
      `SELECT token_hash, user_id, lock_key, password_hash_tag FROM mfa_tokens
        WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
          FOR UPDATE`,
      [tokenHash],
    );
    const row = rows[0];
    return row ? { tokenHash: row.token_hash, userId: row.user_id, lockKey: row.lock_key, passwordHashTag: row.password_hash_tag } : null;
  }

  async markUsed(tx: Tx, tokenHash: string): Promise<void> {
    await tx.query(`UPDATE mfa_tokens SET used_at = now() WHERE token_hash = $1`, [tokenHash]);
  }
}
