import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Tx } from '../database/transactions';

export interface TotpRow {
  secretEnc: string;
  confirmedAt: Date | null;
  lastStep: number | null;
}

export interface PasskeyRow {
  id: string;
  userId: string;
  credentialId: string;
  publicKey: Buffer;
  counter: number;
  transports: string[];
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type ChallengePurpose = 'register' | 'second_factor' | 'passwordless';

interface PasskeyDbRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Buffer;
  counter: string;
  transports: string[];
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

const toPasskey = (row: PasskeyDbRow): PasskeyRow => ({
  id: row.id,
  userId: row.user_id,
  credentialId: row.credential_id,
  publicKey: row.public_key,
  counter: Number(row.counter),
  transports: row.transports,
  name: row.name,
  createdAt: row.created_at,
  lastUsedAt: row.last_used_at,
});

/** The second factor's tables: mfa_totp, mfa_recovery_codes, passkeys, webauthn_challenges. */
@Injectable()
export class MfaRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async totp(userId: string, tx: Tx = this.dataSource.manager, lock = false): Promise<TotpRow | null> {
    const rows: Array<{ secret_enc: string; confirmed_at: Date | null; last_step: string | null }> = await tx.query(
      `SELECT secret_enc, confirmed_at, last_step FROM mfa_totp WHERE user_id = $1${lock ? ' FOR UPDATE' : ''}`,
      [userId],
    );
    const row = rows[0];
    return row
      ? { secretEnc: row.secret_enc, confirmedAt: row.confirmed_at, lastStep: row.last_step === null ? null : Number(row.last_step) }
      : null;
  }

  /** A new pending secret (replacing an earlier pending one); false when TOTP is already confirmed. */
  async savePendingTotp(userId: string, secretEnc: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO mfa_totp (user_id, secret_enc) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc, created_at = now(), last_step = NULL
        WHERE mfa_totp.confirmed_at IS NULL
       RETURNING user_id`,
      [userId, secretEnc],
    );
    return rows.length > 0;
  }

  /** Confirms the pending secret at this step; false when nothing is pending (a parallel confirmation won). */
  async confirmTotp(tx: Tx, userId: string, step: number): Promise<boolean> {
    const result: [unknown[], number] = await tx.query(
      `UPDATE mfa_totp SET confirmed_at = now(), last_step = $2 WHERE user_id = $1 AND confirmed_at IS NULL`,
      [userId, step],
    );
    return result[1] > 0;
  }

  /** Records the step a code was accepted for; false when a code of this step or a later one was already used (replay). */
  async advanceStep(tx: Tx, userId: string, step: number): Promise<boolean> {
    const result: [unknown[], number] = await tx.query(
      `UPDATE mfa_totp SET last_step = $2 WHERE user_id = $1 AND (last_step IS NULL OR last_step < $2)`,
      [userId, step],
    );
    return result[1] > 0;
  }

  async deleteTotp(tx: Tx, userId: string): Promise<boolean> {
    const result: [unknown[], number] = await tx.query(`DELETE FROM mfa_totp WHERE user_id = $1`, [userId]);
    await tx.query(`DELETE FROM mfa_recovery_codes WHERE user_id = $1`, [userId]);
    return result[1] > 0;
  }

  async replaceRecoveryCodes(tx: Tx, userId: string, codeHashes: string[]): Promise<void> {
    await tx.query(`DELETE FROM mfa_recovery_codes WHERE user_id = $1`, [userId]);
    await tx.query(`INSERT INTO mfa_recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])`, [userId, codeHashes]);
  }

  /** Spends one unused recovery code; false when there is no such unused code. */
  async useRecoveryCode(tx: Tx, userId: string, codeHash: string): Promise<boolean> {
    // TypeORM answers an UPDATE with [rows, affected].
    const result: [unknown[], number] = await tx.query(
      `UPDATE mfa_recovery_codes SET used_at = now()
        WHERE id = (SELECT id FROM mfa_recovery_codes WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL LIMIT 1 FOR UPDATE)`,
      [userId, codeHash],
    );
    return result[1] > 0;
  }

  async unusedRecoveryCodes(userId: string): Promise<number> {
    const rows: Array<{ count: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS count FROM mfa_recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
    return rows[0]?.count ?? 0;
  }

  async passkeys(userId: string): Promise<PasskeyRow[]> {
    const rows: PasskeyDbRow[] = await this.dataSource.query(`SELECT * FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
    return rows.map(toPasskey);
  }

  async passkeyByCredentialId(credentialId: string, tx: Tx = this.dataSource.manager): Promise<PasskeyRow | null> {
    const rows: PasskeyDbRow[] = await tx.query(`SELECT * FROM passkeys WHERE credential_id = $1 FOR UPDATE`, [credentialId]);
    return rows[0] ? toPasskey(rows[0]) : null;
  }

  async insertPasskey(
    tx: Tx,
    passkey: { userId: string; credentialId: string; publicKey: Buffer; counter: number; transports: string[]; name: string },
  ): Promise<PasskeyRow | null> {
    const rows: PasskeyDbRow[] = await tx.query(
      `INSERT INTO passkeys (user_id, credential_id, public_key, counter, transports, name) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (credential_id) DO NOTHING RETURNING *`,
      [passkey.userId, passkey.credentialId, passkey.publicKey, passkey.counter, passkey.transports, passkey.name],
    );
    return rows[0] ? toPasskey(rows[0]) : null;
  }

  /**
   * Stores the authenticator's new signature counter and the time of use, only if the counter moved
   * forward (or both are 0: authenticators without a counter): false for a cloned authenticator.
   */
  async advanceCounter(tx: Tx, id: string, counter: number): Promise<boolean> {
    const result: [unknown[], number] = await tx.query(
      `UPDATE passkeys SET counter = $2, last_used_at = now() WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0))`,
      [id, counter],
    );
    return result[1] > 0;
  }

  async deletePasskey(tx: Tx, userId: string, id: string): Promise<boolean> {
    const result: [unknown[], number] = await tx.query(`DELETE FROM passkeys WHERE id = $1 AND user_id = $2`, [id, userId]);
    return result[1] > 0;
  }

  async deleteAllPasskeys(tx: Tx, userId: string): Promise<number> {
    const result: [unknown[], number] = await tx.query(`DELETE FROM passkeys WHERE user_id = $1`, [userId]);
    return result[1];
  }

  async insertChallenge(challenge: {
    challenge: string;
    purpose: ChallengePurpose;
    userId: string | null;
    mfaTokenHash: string | null;
    ttlSeconds: number;
  }): Promise<void> {
    await this.dataSource.query(`DELETE FROM webauthn_challenges WHERE expires_at < now() - interval '1 hour'`);
    await this.dataSource.query(
      `INSERT INTO webauthn_challenges (challenge, purpose, user_id, mfa_token_hash, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [challenge.challenge, challenge.purpose, challenge.userId, challenge.mfaTokenHash, challenge.ttlSeconds],
    );
  }

  /** Spends a challenge (single use): true when it existed for this purpose, user and mfa step, and had not expired. */
  async consumeChallenge(
    challenge: string,
    purpose: ChallengePurpose,
    userId: string | null,
    mfaTokenHash: string | null,
  ): Promise<boolean> {
    // Autocommit, never in the caller's transaction: a failed ceremony must not bring its challenge back.
    // TypeORM answers a DELETE with [rows, affected].
    const [rows]: [Array<{ ok: boolean }>, number] = await this.dataSource.query(
      `DELETE FROM webauthn_challenges WHERE challenge = $1
       RETURNING (purpose = $2 AND user_id IS NOT DISTINCT FROM $3::uuid AND mfa_token_hash IS NOT DISTINCT FROM $4 AND expires_at > now()) AS ok`,
      [challenge, purpose, userId, mfaTokenHash],
    );
    return rows[0]?.ok === true;
  }
}
