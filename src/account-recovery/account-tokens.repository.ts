import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Tx } from '../database/transactions';

export type TokenPurpose = 'password_reset' | 'email_verify';

export interface AccountToken {
  id: string;
  userId: string;
  email: string | null;
}

/** The account-recovery module's table: account_tokens (SHA-256 hashes of single-use tokens). */
@Injectable()
export class AccountTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(
    tx: Tx,
    token: { userId: string; purpose: TokenPurpose; tokenHash: string; email: string | null; ttlSeconds: number },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO account_tokens (user_id, purpose, token_hash, email, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [token.userId, token.purpose, token.tokenHash, token.email, token.ttlSeconds],
    );
  }

  /**
   * The unused, unexpired token with this hash, locked for the transaction that uses it (or, without
   * `tx`, only looked at). The stored hash is compared again in constant time after the indexed lookup.
   */
  async findUsable(tokenHash: string, purpose: TokenPurpose, tx?: Tx): Promise<AccountToken | null> {
    const runner = tx ?? this.dataSource.manager;
    const rows: Array<{ id: string; user_id: string; email: string | null; token_hash: string }> = await runner.query(
      `SELECT id, user_id, email, token_hash FROM account_tokens
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()${tx ? ' FOR UPDATE' : ''}`,
      [tokenHash, purpose],
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash, 'hex'), Buffer.from(tokenHash, 'hex'))) return null;
    return { id: row.id, userId: row.user_id, email: row.email };
  }

  /** Makes every open token of this purpose of the user unusable. */
  async useAll(tx: Tx, userId: string, purpose: TokenPurpose): Promise<void> {
    await tx.query(`UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, [userId, purpose]);
  }
}
