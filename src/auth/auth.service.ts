import { preparedQuery } from '../common/database/prepared';
import { inTransaction } from '../common/database/transaction';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { timingSafeEqual, createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditLogService } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import { InvitationsService } from '../invitations/invitations.service';
import { MetricsService } from '../metrics/metrics.service';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { RequestMeta } from '../common/http/request-meta';
import { Page, PaginationQuery, toPage } from '../common/pagination/pagination';
import { bilingual } from '../common/pipes/validation-messages';
import { PasswordHasher } from '../common/security/password-hasher';
import { AppConfig } from '../config/app-config';
import { USERNAME_PATTERN } from '../users/dto/account-fields';
import type { UpdateMeDto } from '../users/dto/update-user.dto';
import { USER_STATE, User } from '../users/user.entity';
import { UserResponse } from '../users/user.response';
import { UsersService } from '../users/users.service';
import { LoginResponse, SessionResponse, TokenPairResponse } from './dto/auth.responses';
import type { ChangePasswordDto } from './dto/change-password.dto';
import type { LoginDto } from './dto/login.dto';
import type { RegisterDto } from './dto/register.dto';
import { LoginLockoutService } from './login-lockout.service';
import { SessionsService } from './sessions.service';
import { TokensService } from './tokens.service';

/** The account a login names, as the login needs it. */
interface LoginAccount {
  id: string;
  username: string;
  role: AuthUser['role'];
  state: number;
  deletedAt: Date | null;
  passwordHash: string;
  blacklisted: boolean;
}

function sameSecret(a: string, b: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockoutService,
    private readonly audit: AuditLogService,
    private readonly invitations: InvitationsService,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Registration. `is_admin: 1` needs the static ADMIN_INVITATION_CODE or a database invitation; the
   * database code's use is counted in the same transaction as the account, so a code with one use
   * left makes exactly one admin. Wrong codes count towards a per-client lock (guessing is limited).
   */
  async register(body: RegisterDto, meta: RequestMeta): Promise<UserResponse> {
    const asAdmin = body.is_admin === 1 || body.is_admin === true;
    const invitation = asAdmin ? await this.checkInvitation(body.invitation, meta) : null;
    const user = await this.users.create(
      {
        username: body.username,
        email: body.email,
        password: body.password,
        phone_number: body.phone_number,
        profile: body.profile,
        role: asAdmin ? 'admin' : 'user',
      },
      {
        actor: null,
        meta,
        details: invitation === 'static' ? { invitation: 'static' } : undefined,
        inTransaction:
          invitation && invitation !== 'static'
            ? async (manager, created) => {
                const invitationId = await this.invitations.consume(invitation.code, manager);
                await manager.update(User, { id: created.id }, { invitationId });
                created.invitationId = invitationId;
                return { invitation_id: invitationId };
              }
            : undefined,
      },
    );
    return UserResponse.from(user, 'full');
  }

  /**
   * 'static' for the configured code, the database code to consume, or 40002 (a missing code included).
   * Wrong codes count towards a per-client lock (LOGIN_MAX_FAILURES in LOGIN_LOCK_SECONDS), so guessing is limited.
   */
  private async checkInvitation(code: string | undefined, meta: RequestMeta): Promise<'static' | { code: string }> {
    const guessKey = `invitation:${meta.ip ?? 'unknown'}`;
    const locked = await this.lockout.lockedFor(guessKey);
    if (locked > 0) throw AppException.tooManyRequests(locked);
    const staticCode = this.config.adminInvitationCode;
    if (code && staticCode && sameSecret(code, staticCode)) return 'static';
    const state = code ? await this.invitations.check(code) : 'unknown';
    if (code && state === 'usable') return { code };
    // Only codes that match nothing count as guesses; a real but spent code does not.
    if (state === 'unknown' && (await this.lockout.recordFailure(guessKey)))
      throw AppException.tooManyRequests(await this.lockout.lockedFor(guessKey));
    throw new AppException(ErrorCode.INVITATION_INVALID);
  }

  /**
   * Login by username or email. Every wrong credential gets the same answer after the same work
   * (a full argon2 verification, against a dummy hash when there is no such account). Disabled or
   * blacklisted state is told only after a correct password.
   */
  async login(body: LoginDto, meta: RequestMeta, options: { requireRole?: 'admin' } = {}): Promise<LoginResponse> {
    const identifier = (body.username ?? body.email ?? '').trim();
    const lockKey = LoginLockoutService.loginKey(identifier);
    const { lockedSeconds, account } = await this.loginCandidate(lockKey, body.username, body.email);
    if (lockedSeconds > 0) {
      this.metrics.logins.inc({ outcome: 'locked' });
      throw AppException.tooManyRequests(lockedSeconds);
    }

    const passwordOk = await this.hasher.verify(account?.passwordHash, body.password);
    const roleOk = !options.requireRole || (account !== null && account.role !== 'user');
    // A deleted account answers like an unknown one; the attempt is still audited against it.
    if (!account || account.deletedAt || !passwordOk || !roleOk) {
      // The failure that reaches the limit still answers 40102; failures past it (parallel guesses) meet the lock.
      const lockedBefore = await this.lockout.recordFailure(lockKey);
      await this.audit.record({
        operation: AuditOperation.LOGIN_FAILED,
        userId: account?.id ?? null,
        operatorId: account?.id ?? null,
        meta,
        details: {
          reason: !account ? 'unknown_account' : account.deletedAt ? 'deleted' : !passwordOk ? 'wrong_password' : 'role_not_allowed',
        },
      });
      this.metrics.logins.inc({ outcome: lockedBefore ? 'locked' : 'wrong_credentials' });
      if (lockedBefore) throw AppException.tooManyRequests(await this.lockout.lockedFor(lockKey));
      throw new AppException(ErrorCode.WRONG_CREDENTIALS);
    }

    const block =
      account.state !== USER_STATE.NORMAL ? ErrorCode.ACCOUNT_DISABLED : account.blacklisted ? ErrorCode.ACCOUNT_BLACKLISTED : null;
    if (block !== null) {
      // Parallel guesses may have locked the key while this password was being checked.
      const lockedMeanwhile = await this.lockout.lockedFor(lockKey);
      if (lockedMeanwhile > 0) {
        this.metrics.logins.inc({ outcome: 'locked' });
        throw AppException.tooManyRequests(lockedMeanwhile);
      }
      await this.lockout.clear(lockKey);
      await this.audit.record({
        operation: AuditOperation.LOGIN_FAILED,
        userId: account.id,
        operatorId: account.id,
        meta,
        details: { reason: block === ErrorCode.ACCOUNT_DISABLED ? 'disabled' : 'blacklisted' },
      });
      this.metrics.logins.inc({ outcome: block === ErrorCode.ACCOUNT_DISABLED ? 'disabled' : 'blacklisted' });
      throw new AppException(block);
    }

    // Hashes made under weaker ARGON2_* settings are upgraded while we hold the password.
    const rehashed = this.hasher.needsRehash(account.passwordHash) ? await this.hasher.hash(body.password) : undefined;
    const signedIn = await this.sessions.signIn(account.id, meta, lockKey, rehashed);
    if (signedIn.user === null) {
      // Parallel guesses locked the key while this password was being checked: nothing was written.
      this.metrics.logins.inc({ outcome: 'locked' });
      throw AppException.tooManyRequests(signedIn.lockedSeconds);
    }
    this.metrics.logins.inc({ outcome: 'success' });
    return {
      ...this.tokenPair(account.id, signedIn.sessionId, signedIn.refreshToken),
      user: UserResponse.from(signedIn.user, 'full'),
    };
  }

  /**
   * Everything a login decides on before the password, in one query: whether the identifier is
   * locked, and the account it names with its hash, state and blacklist standing. Never matches on a
   * missing field (no "first row" trap).
   */
  private async loginCandidate(
    lockKey: string,
    username: string | undefined,
    email: string | undefined,
  ): Promise<{ lockedSeconds: number; account: LoginAccount | null }> {
    let match = 'false';
    let variant = 'none';
    const values: unknown[] = [lockKey];
    // Usernames are ASCII letters and digits. Anything else names no account, and must not reach
    // PostgreSQL's lower(), which folds some non-ASCII letters (İ) onto ASCII ones.
    if (username !== undefined && email === undefined && USERNAME_PATTERN.test(username.trim())) {
      values.push(username.trim());
      match = 'lower(u.username) = lower($2)';
      variant = 'username';
    } else if (email !== undefined && username === undefined) {
      values.push(email.trim().toLowerCase());
      match = 'u.email = $2';
      variant = 'email';
    } else if (username !== undefined && email !== undefined && USERNAME_PATTERN.test(username.trim())) {
      values.push(username.trim(), email.trim().toLowerCase());
      match = 'lower(u.username) = lower($2) AND u.email = $3';
      variant = 'both';
    }
    const rows = await preparedQuery<{
      locked_seconds: number | null;
      id: string | null;
      username: string;
      role: AuthUser['role'];
      state: number;
      deleted_at: Date | null;
      password_hash: string;
      blacklisted: boolean;
    }>(
      this.dataSource,
      `login-candidate-${variant}`,
      `SELECT EXTRACT(EPOCH FROM (lf.locked_until - now()))::float8 AS locked_seconds,
              u.id, u.username, u.role, u.state, u.deleted_at, u.password_hash,
              EXISTS (SELECT 1 FROM black_list b WHERE b.user_id = u.id AND b.is_delete = 0) AS blacklisted
         FROM (SELECT 1) AS one
         LEFT JOIN login_failures lf ON lf.key = $1 AND lf.locked_until > now()
         LEFT JOIN users u ON ${match}`,
      values,
    );
    const row = rows[0];
    const lockedSeconds = row?.locked_seconds ? Math.ceil(row.locked_seconds) : 0;
    if (!row?.id) return { lockedSeconds, account: null };
    return {
      lockedSeconds,
      account: {
        id: row.id,
        username: row.username,
        role: row.role,
        state: row.state,
        deletedAt: row.deleted_at,
        passwordHash: row.password_hash,
        blacklisted: row.blacklisted,
      },
    };
  }

  /** The account a login names, with its hash. Never matches on a missing field (no "first row" trap). */
  private async findLoginAccount(
    username: string | undefined,
    email: string | undefined,
  ): Promise<(User & { passwordHash: string }) | null> {
    if (username === undefined && email === undefined) return null;
    const qb = this.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .withDeleted()
      .select(['u.id', 'u.username', 'u.role', 'u.state', 'u.deletedAt'])
      .addSelect('u.passwordHash')
      .where('true');
    // Usernames are ASCII letters and digits. Anything else names no account, and must not reach
    // PostgreSQL's lower(), which folds some non-ASCII letters (İ) onto ASCII ones.
    if (username !== undefined && !USERNAME_PATTERN.test(username.trim())) return null;
    if (username !== undefined) qb.andWhere('lower(u.username) = lower(:username)', { username: username.trim() });
    if (email !== undefined) qb.andWhere('u.email = :email', { email: email.trim().toLowerCase() });
    return (await qb.getOne()) as (User & { passwordHash: string }) | null;
  }

  async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPairResponse> {
    const rotated = await this.sessions.rotate(refreshToken, meta);
    return this.tokenPair(rotated.userId, rotated.sessionId, rotated.refreshToken);
  }

  async logout(user: AuthUser, meta: RequestMeta): Promise<void> {
    await inTransaction(this.dataSource, async (manager) => {
      await this.sessions.revoke(user.sessionId, 'logout', manager);
      await this.audit.record(
        { operation: AuditOperation.LOGOUT, userId: user.id, operatorId: user.id, meta, details: { session_id: user.sessionId } },
        manager,
      );
    });
  }

  async me(user: AuthUser): Promise<UserResponse> {
    const found = await this.users.findById(user.id);
    if (!found) throw new AppException(ErrorCode.UNAUTHENTICATED);
    return UserResponse.from(found, 'full');
  }

  updateMe(user: AuthUser, body: UpdateMeDto, meta: RequestMeta): Promise<UserResponse> {
    return this.users.update(user, user.id, body, meta);
  }

  /** Needs the current password (wrong guesses count towards a lockout); ends every other session. */
  async changePassword(user: AuthUser, body: ChangePasswordDto, meta: RequestMeta): Promise<void> {
    const lockKey = `password:${user.id}`;
    const locked = await this.lockout.lockedFor(lockKey);
    if (locked > 0) throw AppException.tooManyRequests(locked);
    const account = await this.findLoginAccount(user.username, undefined);
    if (!account || !(await this.hasher.verify(account.passwordHash, body.old_password))) {
      if (await this.lockout.recordFailure(lockKey)) throw AppException.tooManyRequests(await this.lockout.lockedFor(lockKey));
      throw AppException.validation([{ field: 'old_password', message: bilingual('the current password is incorrect') }]);
    }
    if (body.old_password === body.new_password) {
      throw AppException.validation([{ field: 'new_password', message: bilingual('the new password must differ from the current one') }]);
    }
    const lockedMeanwhile = await this.lockout.lockedFor(lockKey);
    if (lockedMeanwhile > 0) throw AppException.tooManyRequests(lockedMeanwhile);
    await this.lockout.clear(lockKey);
    const passwordHash = await this.hasher.hash(body.new_password);
    await inTransaction(this.dataSource, async (manager) => {
      // Compare-and-swap on the hash that was verified: of two parallel changes only the first succeeds.
      const [, changed]: [unknown[], number] = await manager.query(
        `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1 AND password_hash = $3`,
        [user.id, passwordHash, account.passwordHash],
      );
      if (changed === 0)
        throw AppException.validation([{ field: 'old_password', message: bilingual('the current password is incorrect') }]);
      await this.sessions.revokeAllForUser(user.id, 'password_changed', manager, user.sessionId);
      await this.audit.record({ operation: AuditOperation.PASSWORD_CHANGED, userId: user.id, operatorId: user.id, meta }, manager);
    });
  }

  async listSessions(user: AuthUser, page: PaginationQuery): Promise<Page<SessionResponse>> {
    const { rows, count, total } = await this.sessions.listActive(user.id, page.offset, page.limit);
    return toPage(
      rows.map((session) => SessionResponse.from(session, user.sessionId)),
      count,
      total,
      page,
    );
  }

  async revokeSession(user: AuthUser, sessionId: string, meta: RequestMeta): Promise<void> {
    const session = await this.sessions.findOwned(user.id, sessionId);
    if (!session || session.revokedAt) throw AppException.notFound();
    await inTransaction(this.dataSource, async (manager) => {
      await this.sessions.revoke(sessionId, 'revoked', manager);
      await this.audit.record(
        { operation: AuditOperation.LOGOUT, userId: user.id, operatorId: user.id, meta, details: { session_id: sessionId } },
        manager,
      );
    });
  }

  private tokenPair(userId: string, sessionId: string, refreshToken: string): TokenPairResponse {
    return {
      access_token: this.tokens.signAccessToken(userId, sessionId),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: this.config.jwt.accessTtl,
      refresh_expires_in: this.config.jwt.refreshTtl,
    };
  }
}
