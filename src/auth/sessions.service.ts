import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { AuditLogService } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { RequestMeta } from '../common/http/request-meta';
import { AppConfig } from '../config/app-config';
import { Transactions, Tx } from '../database/transactions';
import { MetricsService } from '../metrics/metrics.service';
import type { Session } from './entities/session.entity';
import { BlockReason, LoginAccount, LoginIdentifier, RevokeReason, SessionsRepository } from './sessions.repository';

export type { RevokeReason } from './sessions.repository';

export interface IssuedSession {
  sessionId: string;
  refreshToken: string;
}

export interface RotatedSession extends IssuedSession {
  userId: string;
  amr: string[];
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Sessions and their refresh tokens. A session is what an access token names (`sid`); whether it
 * is still usable is decided by one definition (SessionsRepository's blockSql), read from the
 * database on every request, so a revocation committed by any instance ends its tokens at once.
 */
@Injectable()
export class SessionsService {
  /** Encrypts remembered successor tokens; derived from JWT_SECRET, so nothing new to configure. */
  private readonly sealKey: Buffer;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly transactions: Transactions,
    private readonly config: AppConfig,
    private readonly audit: AuditLogService,
    private readonly metrics: MetricsService,
  ) {
    this.sealKey = Buffer.from(hkdfSync('sha256', config.jwt.secret, 'user-management-service', 'refresh-token-successor', 32));
  }

  /** The per-request check: the signed-in user when the session is usable, else null. */
  async authenticate(sessionId: string, userId: string): Promise<AuthUser | null> {
    const user = await this.sessions.usableSession(sessionId, userId, this.config.mfa.requiredRoles);
    return user
      ? {
          id: user.id,
          username: user.username,
          role: user.role,
          sessionId,
          amr: user.amr,
          mfaEnrolmentPending: user.mfaEnrolmentPending,
          writeLsn: user.writeLsn,
        }
      : null;
  }

  /** Whether MFA_REQUIRED_ROLES wants this account to enrol a second factor it lacks. */
  mfaEnrolmentPending(userId: string): Promise<boolean> {
    return this.sessions.mfaEnrolmentPending(userId, this.config.mfa.requiredRoles);
  }

  /** After a client's write: where its reads may be served from (see ReadReplicas). */
  recordWrite(sessionId: string): Promise<void> {
    return this.sessions.recordWrite(sessionId);
  }

  /** The account a login names, with its hash and every reason that blocks it (see blockSql). */
  loginAccount(identifier: LoginIdentifier): Promise<LoginAccount | null> {
    return this.sessions.loginAccount(identifier);
  }

  /** Every reason that blocks this account's sessions and sign-in now, by the same definition. */
  blocksOf(userId: string): Promise<BlockReason[]> {
    return this.sessions.blocksOf(userId);
  }

  /** Opens a session with its first refresh token, inside the caller's transaction (a login); `amr` says how it signed in. */
  async open(tx: Tx, userId: string, meta: RequestMeta, amr: string[] = ['pwd']): Promise<IssuedSession> {
    const sessionId = randomUUID();
    const expiresAt = this.refreshExpiry(new Date());
    await this.sessions.insertSession(tx, { id: sessionId, userId, ip: meta.ip, userAgent: meta.userAgent, expiresAt, amr });
    const refreshToken = await this.issueRefreshToken(tx, sessionId, expiresAt);
    return { sessionId, refreshToken };
  }

  /** JWT_REFRESH_TTL from now, but never past the session's SESSION_MAX_AGE. */
  private refreshExpiry(sessionCreatedAt: Date): Date {
    const sliding = Date.now() + this.config.jwt.refreshTtl * 1000;
    const absolute = sessionCreatedAt.getTime() + this.config.jwt.sessionMaxAge * 1000;
    return new Date(Math.min(sliding, absolute));
  }

  /**
   * Exchanges a refresh token for a new one (rotation). Used again within the grace window (two tabs
   * refreshing at once) it answers the same successor token, so there is still one chain; used again
   * later, it is reuse: the whole session is revoked and the event audited.
   */
  async rotate(refreshToken: string, meta: RequestMeta): Promise<RotatedSession> {
    const outcome = await this.transactions.run(async (tx) => {
      const token = await this.sessions.lockRefreshToken(tx, hashToken(refreshToken));
      if (!token || !token.usable) return { kind: 'invalid' as const };

      if (token.usedSecondsAgo !== null && token.usedSecondsAgo > this.config.jwt.refreshReuseGraceSeconds) {
        await this.sessions.revoke(token.sessionId, 'refresh_reuse', tx);
        this.metrics.refreshReuse.inc();
        await this.audit.record(
          {
            operation: AuditOperation.REFRESH_TOKEN_REUSE,
            userId: token.userId,
            operatorId: null,
            meta,
            details: { session_id: token.sessionId },
          },
          tx,
        );
        return { kind: 'reused' as const };
      }

      const expiresAt = this.refreshExpiry(token.sessionCreatedAt);
      await this.sessions.touchSession(tx, token.sessionId, expiresAt);
      const sameSuccessor = token.usedSecondsAgo !== null ? await this.unusedSuccessor(tx, token.successorEnc) : null;
      if (sameSuccessor)
        return { kind: 'ok' as const, userId: token.userId, sessionId: token.sessionId, amr: token.amr, refreshToken: sameSuccessor };

      const next = await this.issueRefreshToken(tx, token.sessionId, expiresAt, token.id);
      await this.sessions.markRefreshTokenUsed(tx, token.id, this.seal(next));
      return { kind: 'ok' as const, userId: token.userId, sessionId: token.sessionId, amr: token.amr, refreshToken: next };
    });
    if (outcome.kind !== 'ok') throw new AppException(ErrorCode.UNAUTHENTICATED);
    return { userId: outcome.userId, sessionId: outcome.sessionId, amr: outcome.amr, refreshToken: outcome.refreshToken };
  }

  /** The remembered successor, if it has not been exchanged itself (then the chain has moved on). */
  private async unusedSuccessor(tx: Tx, sealed: string | null): Promise<string | null> {
    const successor = sealed ? this.unseal(sealed) : null;
    if (!successor) return null;
    return (await this.sessions.isUnusedRefreshToken(tx, hashToken(successor))) ? successor : null;
  }

  private seal(token: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  private unseal(sealed: string): string | null {
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  /** Revokes one session; false when it was not active. */
  revoke(sessionId: string, reason: RevokeReason, tx?: Tx): Promise<boolean> {
    return this.sessions.revoke(sessionId, reason, tx);
  }

  revokeAllForUser(userId: string, reason: RevokeReason, tx?: Tx, exceptSessionId?: string): Promise<void> {
    return this.sessions.revokeAllForUser(userId, reason, tx, exceptSessionId);
  }

  /** A user's active sessions, newest first; the collection takes no filters, so count and total agree. */
  async listActive(userId: string, offset: number, limit: number): Promise<{ rows: Session[]; count: number; total: number }> {
    const { rows, count } = await this.sessions.listActive(userId, offset, limit);
    return { rows, count, total: count };
  }

  findById(sessionId: string): Promise<Session | null> {
    return this.sessions.findById(sessionId);
  }

  private async issueRefreshToken(tx: Tx, sessionId: string, expiresAt: Date, parentId: string | null = null): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.sessions.insertRefreshToken(tx, { sessionId, parentId, tokenHash: hashToken(token), expiresAt });
    return token;
  }
}
