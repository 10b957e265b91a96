import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { preparedQuery } from '../common/database/prepared';
import { AppConfig, type Role } from '../config/app-config';
import type { Tx } from '../database/transactions';
import { RefreshToken } from './entities/refresh-token.entity';
import { Session } from './entities/session.entity';

/**
 * THE definition of "this account may hold a session": every reason that blocks it, as a condition
 * over the users row `u`, in order of precedence (the first one is the answer a login gives). The
 * per-request check, refresh, login and the login-status report are all built from this list, so a
 * new reason (an unverified email, a pending second factor) is one line here plus its test.
 * `unverified` is in force only with EMAIL_VERIFICATION=required: the SQL below is built once per
 * process from the configuration (`blockSql`), so the other modes run exactly the statements they ran before.
 */
const BLOCKS = [
  ['deleted', 'u.deleted_at IS NOT NULL'],
  ['disabled', 'u.state <> 1'],
  ['blacklisted', 'EXISTS (SELECT 1 FROM black_list b WHERE b.user_id = u.id AND b.is_delete = 0)'],
  ['unverified', 'u.email_verified_at IS NULL', { onlyWhen: 'email-verification-required' }],
] as const;

export type BlockReason = (typeof BLOCKS)[number][0];

/** The SQL built from BLOCKS for this process's configuration. */
export function blockSql(emailVerificationRequired: boolean): { accountBlocks: string; sessionUsable: string } {
  const blocks = BLOCKS.filter((block) => block.length === 2 || emailVerificationRequired);
  /** Every reason that blocks the account, in precedence order (an empty array: usable). */
  const accountBlocks = `array_remove(ARRAY[${blocks.map(([reason, condition]) => `CASE WHEN ${condition} THEN '${reason}' END`).join(', ')}], NULL)::text[]`;
  /** The same list as plain conjuncts, for the hot path: the planner sees simple predicates and an anti-join. */
  const accountUsable = blocks.map(([, condition]) => `NOT (${condition})`).join(' AND ');
  /** A session is usable while it is neither revoked nor expired and its account has no block. */
  return { accountBlocks, sessionUsable: `s.revoked_at IS NULL AND s.expires_at > now() AND ${accountUsable}` };
}

/**
 * The second factor (src/mfa owns its tables): the methods an account has enrolled, which a login asks
 * for after the password, and whether a role listed in MFA_REQUIRED_ROLES (the text[] parameter named)
 * still lacks one. Not a block: such a session is usable for enrolment only (the guard decides with this
 * flag, read by the same per-request statement).
 */
const HAS_TOTP = 'EXISTS (SELECT 1 FROM mfa_totp t WHERE t.user_id = u.id AND t.confirmed_at IS NOT NULL)';
const HAS_PASSKEY = 'EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = u.id)';
const MFA_METHODS = `array_remove(ARRAY[CASE WHEN ${HAS_TOTP} THEN 'totp' END, CASE WHEN ${HAS_PASSKEY} THEN 'webauthn' END], NULL)::text[]`;
const mfaEnrolmentPending = (requiredRoles: string): string =>
  `(u.role::text = ANY(${requiredRoles}::text[]) AND NOT ${HAS_TOTP} AND NOT ${HAS_PASSKEY})`;

export type MfaMethod = 'totp' | 'webauthn';

/** What the per-request check answers for a usable session. */
export interface UsableSession {
  id: string;
  username: string;
  role: Role;
  /** How the session signed in (RFC 8176 values: pwd, otp, webauthn). */
  amr: string[];
  /** The role must enrol a second factor (MFA_REQUIRED_ROLES) and the account has none yet. */
  mfaEnrolmentPending: boolean;
  /** The primary's WAL position after this session's last write, or null (read-your-writes on replicas). */
  writeLsn: string | null;
}

export type RevokeReason =
  'logout' | 'revoked' | 'password_changed' | 'password_reset' | 'disabled' | 'deleted' | 'blacklisted' | 'refresh_reuse' | 'mfa_reset';

/** The account a login names, with what the login decides on. */
export interface LoginAccount {
  id: string;
  username: string;
  role: Role;
  passwordHash: string;
  blocks: BlockReason[];
  /** Second-factor methods enrolled (empty: the password is enough). */
  mfaMethods: MfaMethod[];
}

/** How a login names its account: by username, by email, or both (then both must match). */
export interface LoginIdentifier {
  username?: string;
  email?: string;
}

/** A refresh token as rotation sees it, locked until the transaction ends. */
export interface RefreshTokenState {
  id: string;
  sessionId: string;
  userId: string;
  sessionCreatedAt: Date;
  usedSecondsAgo: number | null;
  successorEnc: string | null;
  amr: string[];
  /** The token, the session and the account are all still good. */
  usable: boolean;
}

/** Sessions and refresh tokens: the auth module's tables. */
@Injectable()
export class SessionsRepository {
  private readonly sql: { accountBlocks: string; sessionUsable: string };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.sql = blockSql(config.mail.verification === 'required');
  }

  /**
   * The per-request check: the session's user when the session is usable (one indexed read, prepared),
   * with its amr, whether MFA_REQUIRED_ROLES (`mfaRequiredRoles`) still wants a factor enrolled, and the
   * primary's WAL position of the session's last write (read-your-writes on replicas).
   */
  async usableSession(sessionId: string, userId: string, mfaRequiredRoles: readonly string[] = []): Promise<UsableSession | null> {
    const rows = await preparedQuery<{
      id: string;
      username: string;
      role: Role;
      amr: string[];
      mfa_pending: boolean;
      write_lsn: string | null;
    }>(
      this.dataSource,
      'session-usable',
      `SELECT u.id, u.username, u.role, s.amr, ${mfaEnrolmentPending('$3')} AS mfa_pending, s.write_lsn::text AS write_lsn
         FROM sessions s
         JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND s.user_id = $2 AND ${this.sql.sessionUsable}`,
      [sessionId, userId, mfaRequiredRoles],
    );
    const row = rows[0];
    return row
      ? { id: row.id, username: row.username, role: row.role, amr: row.amr, mfaEnrolmentPending: row.mfa_pending, writeLsn: row.write_lsn }
      : null;
  }

  /** Whether MFA_REQUIRED_ROLES wants this account to enrol a second factor it lacks (the login-status report). */
  async mfaEnrolmentPending(userId: string, mfaRequiredRoles: readonly string[]): Promise<boolean> {
    const rows: Array<{ pending: boolean }> = await this.dataSource.query(
      `SELECT ${mfaEnrolmentPending('$2')} AS pending FROM users u WHERE u.id = $1`,
      [userId, mfaRequiredRoles],
    );
    return rows[0]?.pending ?? false;
  }

  /** Read-your-writes with replicas: the primary's WAL position now, after the client's write committed. */
  async recordWrite(sessionId: string): Promise<void> {
    await preparedQuery(this.dataSource, 'session-write-lsn', `UPDATE sessions SET write_lsn = pg_current_wal_lsn() WHERE id = $1`, [
      sessionId,
    ]);
  }

  /**
   * The account a login names, with its hash and blocks, in one prepared query. Never matches on a
   * missing field (no "first row" trap); usernames match case-insensitively, emails as stored (lower-case).
   */
  async loginAccount(identifier: LoginIdentifier): Promise<LoginAccount | null> {
    const { username, email } = identifier;
    const [variant, match, values] =
      username !== undefined && email !== undefined
        ? ['both', 'lower(u.username) = lower($1) AND u.email = $2', [username, email]]
        : username !== undefined
          ? ['username', 'lower(u.username) = lower($1)', [username]]
          : email !== undefined
            ? ['email', 'u.email = $1', [email]]
            : [null, null, []];
    if (variant === null) return null;
    const rows = await preparedQuery<{
      id: string;
      username: string;
      role: Role;
      password_hash: string;
      blocks: BlockReason[];
      mfa_methods: MfaMethod[];
    }>(
      this.dataSource,
      `login-account-${variant}`,
      `SELECT u.id, u.username, u.role, u.password_hash, ${this.sql.accountBlocks} AS blocks, ${MFA_METHODS} AS mfa_methods FROM users u WHERE ${match}`,
      values,
    );
    const row = rows[0];
    return row
      ? {
          id: row.id,
          username: row.username,
          role: row.role,
          passwordHash: row.password_hash,
          blocks: row.blocks,
          mfaMethods: row.mfa_methods,
        }
      : null;
  }

  /** Every reason that blocks this account now (the login-status report). */
  async blocksOf(userId: string): Promise<BlockReason[]> {
    const rows: Array<{ blocks: BlockReason[] }> = await this.dataSource.query(
      `SELECT ${this.sql.accountBlocks} AS blocks FROM users u WHERE u.id = $1`,
      [userId],
    );
    return rows[0]?.blocks ?? [];
  }

  async insertSession(
    tx: Tx,
    session: { id: string; userId: string; ip: string | null; userAgent: string | null; expiresAt: Date; amr: string[] },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO sessions (id, user_id, ip, user_agent, last_used_at, expires_at, amr) VALUES ($1, $2, $3, $4, now(), $5, $6)`,
      [session.id, session.userId, session.ip, session.userAgent, session.expiresAt, session.amr],
    );
  }

  async insertRefreshToken(
    tx: Tx,
    token: { sessionId: string; tokenHash: string; expiresAt: Date; parentId: string | null },
  ): Promise<void> {
    await tx.insert(RefreshToken, token);
  }

  /** The refresh token with this hash, locked for the rotation that asks. */
  async lockRefreshToken(tx: Tx, tokenHash: string): Promise<RefreshTokenState | null> {
    const rows: Array<{
      id: string;
      session_id: string;
      user_id: string;
      session_created_at: Date;
      used_seconds_ago: number | null;
      successor_enc: string | null;
      amr: string[];
      usable: boolean;
    }> = await tx.query(
      `SELECT rt.id, rt.session_id, rt.successor_enc, s.user_id, s.amr, s.created_at AS session_created_at,
              EXTRACT(EPOCH FROM (now() - rt.used_at))::float8 AS used_seconds_ago,
              (rt.expires_at > now() AND ${this.sql.sessionUsable}) AS usable
         FROM refresh_tokens rt
         JOIN sessions s ON s.id = rt.session_id
         JOIN users u ON u.id = s.user_id
        WHERE rt.token_hash = $1
          FOR UPDATE OF rt`,
      [tokenHash],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      sessionId: row.session_id,
      userId: row.user_id,
      sessionCreatedAt: new Date(row.session_created_at),
      usedSecondsAgo: row.used_seconds_ago,
      successorEnc: row.successor_enc,
      amr: row.amr,
      usable: row.usable,
    };
  }

  async isUnusedRefreshToken(tx: Tx, tokenHash: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM refresh_tokens WHERE token_hash = $1 AND used_at IS NULL`, [tokenHash]);
    return rows.length > 0;
  }

  async markRefreshTokenUsed(tx: Tx, tokenId: string, successorEnc: string): Promise<void> {
    await tx.query(`UPDATE refresh_tokens SET used_at = coalesce(used_at, now()), successor_enc = $2 WHERE id = $1`, [
      tokenId,
      successorEnc,
    ]);
  }

  async touchSession(tx: Tx, sessionId: string, expiresAt: Date): Promise<void> {
    await tx.query(`UPDATE sessions SET last_used_at = now(), expires_at = $2 WHERE id = $1`, [sessionId, expiresAt]);
  }

  /** Revokes one session; false when it was not active. */
  async revoke(sessionId: string, reason: RevokeReason, tx: Tx = this.dataSource.manager): Promise<boolean> {
    const result: [unknown[], number] = await tx.query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [sessionId, reason],
    );
    return result[1] > 0;
  }

  async revokeAllForUser(userId: string, reason: RevokeReason, tx: Tx = this.dataSource.manager, exceptSessionId?: string): Promise<void> {
    await tx.query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE user_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3::uuid)`,
      [userId, reason, exceptSessionId ?? null],
    );
  }

  /** A user's active sessions, newest first. */
  async listActive(userId: string, offset: number, limit: number): Promise<{ rows: Session[]; count: number }> {
    const [rows, count] = await this.dataSource
      .getRepository(Session)
      .createQueryBuilder('s')
      .where('s.userId = :userId', { userId })
      .andWhere('s.revokedAt IS NULL')
      .andWhere('s.expiresAt > now()')
      .orderBy('s.lastUsedAt', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .offset(offset)
      .limit(limit)
      .getManyAndCount();
    return { rows, count };
  }

  async findById(sessionId: string): Promise<Session | null> {
    return this.dataSource.getRepository(Session).findOne({ where: { id: sessionId } });
  }
}
