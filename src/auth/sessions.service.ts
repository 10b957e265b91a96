import { preparedQuery } from '../common/database/prepared';
import { inTransaction, withRetry } from '../common/database/transaction';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditLogService } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { RequestMeta } from '../common/http/request-meta';
import { AppConfig } from '../config/app-config';
import { AuthState, AuthStateCache } from './auth-state.cache';
import type { User } from '../users/user.entity';
import { USER_SELECT, userFromRow, UserRow } from '../users/user.row';
import { MetricsService } from '../metrics/metrics.service';
import { RefreshToken } from './entities/refresh-token.entity';
import { Session } from './entities/session.entity';

export type RevokeReason =
  'logout' | 'revoked' | 'password_changed' | 'password_reset' | 'disabled' | 'deleted' | 'blacklisted' | 'refresh_reuse';

export interface IssuedSession {
  sessionId: string;
  refreshToken: string;
}

/** A login's outcome: the session and the signed-in user, or the lock parallel guesses put on the identifier meanwhile. */
export type SignIn =
  | { lockedSeconds: 0; sessionId: string; refreshToken: string; user: User }
  | { lockedSeconds: number; user: null; sessionId?: undefined; refreshToken?: undefined };

export interface RotatedSession extends IssuedSession {
  userId: string;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Sessions and their refresh tokens. A session is what an access token names (`sid`); a revoked
 * session stops its access tokens on the very next request, because every request loads the
 * session joined to its user's state.
 */
@Injectable()
export class SessionsService {
  /** Encrypts remembered successor tokens; derived from JWT_SECRET, so nothing new to configure. */
  private readonly sealKey: Buffer;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditLogService,
    private readonly metrics: MetricsService,
    private readonly cache: AuthStateCache,
  ) {
    this.sealKey = Buffer.from(hkdfSync('sha256', config.jwt.secret, 'user-management-service', 'refresh-token-successor', 32));
  }

  /**
   * The per-request check: one indexed query over the session, its user's state and the user's
   * active blacklist entry (primary keys and a partial unique index), answered from the
   * per-process cache while it is known to be exact (AuthStateCache).
   */
  authenticate(sessionId: string, userId: string): Promise<AuthUser | null> {
    return this.cache.lookup(sessionId, userId, () => this.loadAuthState(sessionId, userId));
  }

  async loadAuthState(sessionId: string, userId: string): Promise<AuthState | null> {
    const rows = await preparedQuery<{ id: string; username: string; role: AuthUser['role']; expires_at: Date }>(
      this.dataSource,
      'auth-state',
      `SELECT u.id, u.username, u.role, s.expires_at
         FROM sessions s
         JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND s.user_id = $2
          AND s.revoked_at IS NULL AND s.expires_at > now()
          AND u.state = 1 AND u.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM black_list b WHERE b.user_id = u.id AND b.is_delete = 0)`,
      [sessionId, userId],
    );
    const row = rows[0];
    return row ? { user: { id: row.id, username: row.username, role: row.role, sessionId }, expiresAt: row.expires_at } : null;
  }

  async create(userId: string, meta: RequestMeta, manager: EntityManager): Promise<IssuedSession> {
    const expiresAt = this.refreshExpiry(new Date());
    const session = await manager.save(
      manager.create(Session, { userId, ip: meta.ip, userAgent: meta.userAgent, lastUsedAt: new Date(), expiresAt }),
    );
    const refreshToken = await this.issueRefreshToken(session.id, expiresAt, manager);
    return { sessionId: session.id, refreshToken };
  }

  /**
   * A successful login's writes, in one statement (so one round trip, and atomic without a
   * transaction): unless the identifier got locked meanwhile (parallel guesses while this password
   * was being checked), it clears the identifier's failures, opens the session with its first
   * refresh token, stamps last_login_at (and an upgraded hash), writes the audit record
   * AuditLogService.record would, and returns the signed-in user with their occupation.
   */
  async signIn(userId: string, meta: RequestMeta, lockKey: string, rehashed?: string): Promise<SignIn> {
    const sessionId = randomUUID();
    const refreshToken = randomBytes(32).toString('base64url');
    const expiresAt = this.refreshExpiry(new Date());
    const rows = await withRetry(() =>
      preparedQuery<UserRow & { locked_seconds: number | null }>(
        this.dataSource,
        'sign-in',
        `WITH locked AS (
           SELECT locked_until FROM login_failures WHERE key = $1 AND locked_until > now()
         ), cleared AS (
           DELETE FROM login_failures WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM locked)
         ), session AS (
           INSERT INTO sessions (id, user_id, ip, user_agent, last_used_at, expires_at)
           SELECT $2::uuid, $3::uuid, $4::varchar, $5::varchar, now(), $6::timestamptz WHERE NOT EXISTS (SELECT 1 FROM locked)
           RETURNING id
         ), token AS (
           INSERT INTO refresh_tokens (session_id, token_hash, expires_at) SELECT id, $7::char(64), $6::timestamptz FROM session
         ), audit AS (
           INSERT INTO audit_logs (user_id, operator_id, operation, ip, user_agent, details)
           SELECT $3::uuid, $3::uuid, $8::smallint, $4::varchar, $5::varchar, jsonb_build_object('session_id', id) FROM session
         ), u AS (
           UPDATE users SET last_login_at = now(), password_hash = coalesce($9::varchar, password_hash)
            WHERE id = $3::uuid AND EXISTS (SELECT 1 FROM session)
           RETURNING *
         )
         SELECT (SELECT EXTRACT(EPOCH FROM (locked_until - now()))::float8 FROM locked) AS locked_seconds, signed_in.*
           FROM (SELECT 1) AS one
           LEFT JOIN (${USER_SELECT.replace('FROM users u', 'FROM u')}) AS signed_in ON true`,
        [lockKey, sessionId, userId, meta.ip, meta.userAgent, expiresAt, hashToken(refreshToken), AuditOperation.LOGIN, rehashed ?? null],
      ),
    );
    const row = rows[0];
    if (row.locked_seconds !== null || row.id === null)
      return { lockedSeconds: Math.max(1, Math.ceil(row.locked_seconds ?? 1)), user: null };
    return { lockedSeconds: 0, sessionId, refreshToken, user: userFromRow(row) };
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
    const outcome = await inTransaction(this.dataSource, async (manager) => {
      const rows: Array<{
        id: string;
        session_id: string;
        used_seconds_ago: number | null;
        successor_enc: string | null;
        expired: boolean;
        user_id: string;
        session_created_at: Date;
        session_revoked: boolean;
        user_active: boolean;
      }> = await manager.query(
        `SELECT rt.id, rt.session_id, rt.successor_enc,
                EXTRACT(EPOCH FROM (now() - rt.used_at))::float8 AS used_seconds_ago,
                (rt.expires_at <= now() OR s.expires_at <= now()) AS expired,
                s.user_id, s.created_at AS session_created_at, (s.revoked_at IS NOT NULL) AS session_revoked,
                (u.state = 1 AND u.deleted_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM black_list b WHERE b.user_id = u.id AND b.is_delete = 0)) AS user_active
           FROM refresh_tokens rt
           JOIN sessions s ON s.id = rt.session_id
           JOIN users u ON u.id = s.user_id
          WHERE rt.token_hash = $1
          FOR UPDATE OF rt`,
        [hashToken(refreshToken)],
      );
      const token = rows[0];
      if (!token || token.session_revoked || token.expired || !token.user_active) return { kind: 'invalid' as const };

      if (token.used_seconds_ago !== null && token.used_seconds_ago > this.config.jwt.refreshReuseGraceSeconds) {
        await this.revoke(token.session_id, 'refresh_reuse', manager);
        this.metrics.refreshReuse.inc();
        await this.audit.record(
          {
            operation: AuditOperation.REFRESH_TOKEN_REUSE,
            userId: token.user_id,
            operatorId: null,
            meta,
            details: { session_id: token.session_id },
          },
          manager,
        );
        return { kind: 'reused' as const };
      }

      const expiresAt = this.refreshExpiry(new Date(token.session_created_at));
      await manager.update(Session, { id: token.session_id }, { lastUsedAt: () => 'now()', expiresAt });
      const sameSuccessor = token.used_seconds_ago !== null ? await this.unusedSuccessor(token.successor_enc, manager) : null;
      if (sameSuccessor) return { kind: 'ok' as const, userId: token.user_id, sessionId: token.session_id, refreshToken: sameSuccessor };

      const next = await this.issueRefreshToken(token.session_id, expiresAt, manager, token.id);
      await manager.update(RefreshToken, { id: token.id }, { usedAt: () => 'coalesce(used_at, now())', successorEnc: this.seal(next) });
      return { kind: 'ok' as const, userId: token.user_id, sessionId: token.session_id, refreshToken: next };
    });
    if (outcome.kind !== 'ok') throw new AppException(ErrorCode.UNAUTHENTICATED);
    return { userId: outcome.userId, sessionId: outcome.sessionId, refreshToken: outcome.refreshToken };
  }

  /** The remembered successor, if it has not been exchanged itself (then the chain has moved on). */
  private async unusedSuccessor(sealed: string | null, manager: EntityManager): Promise<string | null> {
    const successor = sealed ? this.open(sealed) : null;
    if (!successor) return null;
    const rows: unknown[] = await manager.query(`SELECT 1 FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NULL`, [
      hashToken(successor),
    ]);
    return rows.length > 0 ? successor : null;
  }

  private seal(token: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  private open(sealed: string): string | null {
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
  async revoke(sessionId: string, reason: RevokeReason, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const result: [unknown[], number] = await manager.query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [sessionId, reason],
    );
    return result[1] > 0;
  }

  async revokeAllForUser(
    userId: string,
    reason: RevokeReason,
    manager: EntityManager = this.dataSource.manager,
    exceptSessionId?: string,
  ): Promise<void> {
    await manager.query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3::uuid)`,
      [userId, reason, exceptSessionId ?? null],
    );
  }

  /** A user's active sessions, newest first. */
  async listActive(userId: string, offset: number, limit: number): Promise<{ rows: Session[]; count: number; total: number }> {
    const active = this.dataSource
      .getRepository(Session)
      .createQueryBuilder('s')
      .where('s.userId = :userId', { userId })
      .andWhere('s.revokedAt IS NULL')
      .andWhere('s.expiresAt > now()');
    const [rows, count] = await active
      .orderBy('s.lastUsedAt', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .offset(offset)
      .limit(limit)
      .getManyAndCount();
    // The collection is the caller's active sessions and takes no filters, so count and total agree.
    return { rows, count, total: count };
  }

  async findOwned(userId: string, sessionId: string): Promise<Session | null> {
    return this.dataSource.getRepository(Session).findOne({ where: { id: sessionId, userId } });
  }

  private async issueRefreshToken(
    sessionId: string,
    expiresAt: Date,
    manager: EntityManager,
    parentId: string | null = null,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await manager.insert(RefreshToken, { sessionId, parentId, tokenHash: hashToken(token), expiresAt });
    return token;
  }
}
