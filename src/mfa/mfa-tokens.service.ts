import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { Tx } from '../database/transactions';
import { MfaTokensRepository, PendingMfaStep } from './mfa-tokens.repository';

/** How long the second step may take after the password step. */
export const MFA_TOKEN_TTL_SECONDS = 300;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The `mfa_token` a login of an enrolled account answers instead of tokens: opaque (not a JWT, so it
 * can never pass as a bearer token), stored only as its SHA-256, single use, 5 minutes, and bound to
 * that password step: the account, the lockout key the password was typed under, and the password
 * hash it was checked against (a password change in between voids it).
 */
@Injectable()
export class MfaTokensService {
  constructor(private readonly tokens: MfaTokensRepository) {}

  async issue(step: { userId: string; lockKey: string; passwordHash: string }): Promise<string> {
    const token = `mfa_${randomBytes(32).toString('base64url')}`;
    await this.tokens.insert({
      tokenHash: sha256(token),
      userId: step.userId,
      lockKey: step.lockKey,
      passwordHashTag: sha256(step.passwordHash),
      ttlSeconds: MFA_TOKEN_TTL_SECONDS,
    });
    return token;
  }

  /** The pending step this token names, locked in `tx`; null when unknown, used or expired. */
  lockUsable(tx: Tx, token: string): Promise<PendingMfaStep | null> {
    return this.tokens.lockUsable(tx, sha256(token));
  }

  markUsed(tx: Tx, step: PendingMfaStep): Promise<void> {
    return this.tokens.markUsed(tx, step.tokenHash);
  }
}
