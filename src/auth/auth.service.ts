import { Injectable } from '@nestjs/common';
import { timingSafeEqual, createHash } from 'node:crypto';
import { AccountMailService } from '../account-recovery/account-mail.service';
import { AuditLogService } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import { InvitationsService } from '../invitations/invitations.service';
import { MetricsService } from '../metrics/metrics.service';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { AccessPolicy } from '../common/policies/access-policy.service';
import { ErrorCode } from '../common/errors/error-codes';
import type { RequestMeta } from '../common/http/request-meta';
import { Page, PaginationQuery, toPage } from '../common/pagination/pagination';
import { bilingual } from '../common/pipes/validation-messages';
import { PasswordHasher } from '../common/security/password-hasher';
import { AppConfig } from '../config/app-config';
import { Transactions, Tx } from '../database/transactions';
import { USERNAME_PATTERN } from '../users/dto/account-fields';
import type { UpdateMeDto } from '../users/dto/update-user.dto';
import type { User } from '../users/user.entity';
import { UserResponse } from '../users/user.response';
import { UsersService } from '../users/users.service';
import { LoginResponse, SessionResponse, TokenPairResponse } from './dto/auth.responses';
import type { ChangePasswordDto } from './dto/change-password.dto';
import type { LoginDto } from './dto/login.dto';
import type { RegisterDto } from './dto/register.dto';
import { LoginLockoutService } from './login-lockout.service';
import type { BlockReason, LoginAccount } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { TokensService } from './tokens.service';
import { MfaChallengeResponse } from '../mfa/dto/mfa-challenge.response';
import { MfaTokensService } from '../mfa/mfa-tokens.service';

/** The answer a login gives for the first reason that blocks an account (a deleted one answers like an unknown one). */
const LOGIN_BLOCK_ERRORS: Record<Exclude<BlockReason, 'deleted'>, ErrorCode> = {
  disabled: ErrorCode.ACCOUNT_DISABLED,
  blacklisted: ErrorCode.ACCOUNT_BLACKLISTED,
  unverified: ErrorCode.EMAIL_NOT_VERIFIED,
};

function sameSecret(a: string, b: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}

@Injectable()
export class AuthService {
  constructor(
    private readonly transactions: Transactions,
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly tokens: TokensService,
    private readonly hasher: PasswordHasher,
    private readonly lockout: LoginLockoutService,
    private readonly audit: AuditLogService,
    private readonly invitations: InvitationsService,
    private readonly metrics: MetricsService,
    private readonly policy: AccessPolicy,
    private readonly accountMail: AccountMailService,
    private readonly mfaTokens: MfaTokensService,
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
            ? async (tx) => {
                const invitationId = await this.invitations.consume(invitation.code, tx);
                return { invitationId, details: { invitation_id: invitationId } };
              }
            : undefined,
      },
    );
    return UserResponse.from(user, user);
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
   * (a full argon2 verification, against a dummy hash when there is no such account). What blocks
   * the account (SessionsRepository's BLOCKS) is told only after a correct password.
   * `staffOnly` (the 001 API's admin login) turns away accounts with the user role like a wrong password.
   */
  async login(
    body: LoginDto,
    meta: RequestMeta,
    options: { staffOnly?: boolean; legacy?: boolean } = {},
  ): Promise<LoginResponse | MfaChallengeResponse> {
    const identifier = (body.username ?? body.email ?? '').trim();
    const account = await this.loginAccount(body.username, body.email);
    const lockKey = LoginLockoutService.loginKey(identifier, account);
    const lockedSeconds = await this.lockout.lockedFor(lockKey);
    if (lockedSeconds > 0) {
      this.metrics.logins.inc({ outcome: 'locked' });
      throw AppException.tooManyRequests(lockedSeconds);
    }

    const passwordOk = await this.hasher.verify(account?.passwordHash, body.password);
    const deleted = account?.blocks[0] === 'deleted';
    const roleOk = !options.staffOnly || (account !== null && account.role !== 'user');
    // A deleted account answers like an unknown one; the attempt is still audited against it.
    if (!account || deleted || !passwordOk || !roleOk) {
      // The failure that reaches the limit still answers 40102; failures past it (parallel guesses) meet the lock.
      const lockedBefore = await this.lockout.recordFailure(lockKey);
      await this.audit.record({
        operation: AuditOperation.LOGIN_FAILED,
        userId: account?.id ?? null,
        operatorId: account?.id ?? null,
        meta,
        details: { reason: !account ? 'unknown_account' : deleted ? 'deleted' : !passwordOk ? 'wrong_password' : 'role_not_allowed' },
      });
      this.metrics.logins.inc({ outcome: lockedBefore ? 'locked' : 'wrong_credentials' });
      if (lockedBefore) throw AppException.tooManyRequests(await this.lockout.lockedFor(lockKey));
      throw new AppException(ErrorCode.WRONG_CREDENTIALS);
    }

    const block = account.blocks[0] as Exclude<BlockReason, 'deleted'> | undefined;
    if (block !== undefined) {
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
        details: { reason: block },
      });
      this.metrics.logins.inc({ outcome: block });
      throw new AppException(LOGIN_BLOCK_ERRORS[block]);
    }

    // An enrolled account answers the second step's token instead (src/mfa finishes the sign-in).
    if (account.mfaMethods.length > 0) return this.secondStep(account, meta, lockKey, options.legacy === true);

    // Hashes made under weaker ARGON2_* settings are upgraded while we hold the password.
    const rehashed = this.hasher.needsRehash(account.passwordHash) ? await this.hasher.hash(body.password) : undefined;
    const signedIn = await this.transactions.run((tx) =>
      this.signInWithin(tx, { userId: account.id, meta, lockKey, amr: ['pwd'], rehashed }),
    );
    if (!('user' in signedIn)) {
      // Parallel guesses locked the key while this password was being checked: nothing was written.
      this.metrics.logins.inc({ outcome: 'locked' });
      throw AppException.tooManyRequests(signedIn.lockedSeconds);
    }
    this.metrics.logins.inc({ outcome: 'success' });
    return this.loginAnswer(signedIn, ['pwd']);
  }

  /** The source APIs' logins: a client of theirs cannot do the second step, so an enrolled account is refused (40307). */
  async legacyLogin(body: LoginDto, meta: RequestMeta, options: { staffOnly?: boolean } = {}): Promise<LoginResponse> {
    const answer = await this.login(body, meta, { ...options, legacy: true });
    if ('mfa_required' in answer) throw new AppException(ErrorCode.MFA_LEGACY_LOGIN_REFUSED);
    return answer;
  }

  /**
   * The password was right and the account has a second factor: answer an mfa_token bound to this
   * step (no session yet, the lockout key stays as it is until the second step succeeds), or, for a
   * source API's login, refuse with 40307 naming the canonical route.
   */
  private async secondStep(account: LoginAccount, meta: RequestMeta, lockKey: string, legacy: boolean): Promise<MfaChallengeResponse> {
    const lockedMeanwhile = await this.lockout.lockedFor(lockKey);
    if (lockedMeanwhile > 0) {
      this.metrics.logins.inc({ outcome: 'locked' });
      throw AppException.tooManyRequests(lockedMeanwhile);
    }
    if (legacy) {
      await this.audit.record({
        operation: AuditOperation.LOGIN_FAILED,
        userId: account.id,
        operatorId: account.id,
        meta,
        details: { reason: 'second_factor_required' },
      });
      this.metrics.logins.inc({ outcome: 'mfa_legacy_refused' });
      throw new AppException(ErrorCode.MFA_LEGACY_LOGIN_REFUSED);
    }
    const token = await this.mfaTokens.issue({ userId: account.id, lockKey, passwordHash: account.passwordHash });
    this.metrics.logins.inc({ outcome: 'mfa_required' });
    return MfaChallengeResponse.from(token, account.mfaMethods);
  }

  /**
   * A successful sign-in's writes, in the caller's transaction (the password login's own, or the second
   * step's): unless the lockout key (null for a passwordless passkey) got locked meanwhile, it clears its
   * failures, opens the session (with its `amr`) and its first refresh token, stamps last_login_at (and an
   * upgraded hash), and writes the audit record last (the audit chain head is the lock every audited write
   * shares, so it is held for the shortest time).
   */
  async signInWithin(
    tx: Tx,
    input: { userId: string; meta: RequestMeta; lockKey: string | null; amr: string[]; rehashed?: string },
  ): Promise<{ sessionId: string; refreshToken: string; user: User } | { lockedSeconds: number }> {
    const { userId, meta, lockKey, amr } = input;
    if (lockKey !== null) {
      const lockedSeconds = await this.lockout.lockedFor(lockKey, tx);
      if (lockedSeconds > 0) return { lockedSeconds };
      await this.lockout.clear(lockKey, tx);
    }
    const { sessionId, refreshToken } = await this.sessions.open(tx, userId, meta, amr);
    const user = await this.users.recordSignIn(tx, userId, input.rehashed);
    await this.audit.record(
      {
        operation: AuditOperation.LOGIN,
        userId,
        operatorId: userId,
        meta,
        details: amr.length === 1 && amr[0] === 'pwd' ? { session_id: sessionId } : { session_id: sessionId, amr },
      },
      tx,
    );
    return { sessionId, refreshToken, user };
  }

  /** The login answer for a signed-in session. */
  loginAnswer(signedIn: { sessionId: string; refreshToken: string; user: User }, amr: string[]): LoginResponse {
    return {
      ...this.tokenPair(signedIn.user.id, signedIn.sessionId, signedIn.refreshToken, amr),
      user: UserResponse.from(signedIn.user, signedIn.user),
    };
  }

  /**
   * The account a login names. Usernames are ASCII letters and digits: anything else names no
   * account, and must not reach PostgreSQL's lower(), which folds some non-ASCII letters (İ) onto ASCII ones.
   */
  private loginAccount(username: string | undefined, email: string | undefined): Promise<LoginAccount | null> {
    if (username !== undefined && !USERNAME_PATTERN.test(username.trim())) return Promise.resolve(null);
    return this.sessions.loginAccount({ username: username?.trim(), email: email?.trim().toLowerCase() });
  }

  async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPairResponse> {
    const rotated = await this.sessions.rotate(refreshToken, meta);
    return this.tokenPair(rotated.userId, rotated.sessionId, rotated.refreshToken, rotated.amr);
  }

  async logout(user: AuthUser, meta: RequestMeta): Promise<void> {
    await this.transactions.run(async (tx) => {
      await this.sessions.revoke(user.sessionId, 'logout', tx);
      await this.audit.record(
        { operation: AuditOperation.LOGOUT, userId: user.id, operatorId: user.id, meta, details: { session_id: user.sessionId } },
        tx,
      );
    });
  }

  async me(user: AuthUser): Promise<UserResponse> {
    const found = await this.users.findById(user.id);
    if (!found) throw new AppException(ErrorCode.UNAUTHENTICATED);
    return UserResponse.from(found, user);
  }

  updateMe(user: AuthUser, body: UpdateMeDto, meta: RequestMeta): Promise<UserResponse> {
    return this.users.update(user, user.id, body, meta);
  }

  /** Needs the current password (wrong guesses count towards a lockout); ends every other session. */
  async changePassword(user: AuthUser, body: ChangePasswordDto, meta: RequestMeta): Promise<void> {
    const lockKey = `password:${user.id}`;
    const locked = await this.lockout.lockedFor(lockKey);
    if (locked > 0) throw AppException.tooManyRequests(locked);
    const passwordHash = await this.users.passwordHashOf(user.id);
    if (!passwordHash || !(await this.hasher.verify(passwordHash, body.old_password))) {
      if (await this.lockout.recordFailure(lockKey)) throw AppException.tooManyRequests(await this.lockout.lockedFor(lockKey));
      throw AppException.validation([{ field: 'old_password', message: bilingual('the current password is incorrect') }]);
    }
    if (body.old_password === body.new_password) {
      throw AppException.validation([{ field: 'new_password', message: bilingual('the new password must differ from the current one') }]);
    }
    const lockedMeanwhile = await this.lockout.lockedFor(lockKey);
    if (lockedMeanwhile > 0) throw AppException.tooManyRequests(lockedMeanwhile);
    await this.lockout.clear(lockKey);
    const next = await this.hasher.hash(body.new_password);
    await this.transactions.run(async (tx) => {
      // Compare-and-swap on the hash that was verified: of two parallel changes only the first succeeds.
      if (!(await this.users.swapPasswordHash(tx, user.id, next, passwordHash)))
        throw AppException.validation([{ field: 'old_password', message: bilingual('the current password is incorrect') }]);
      await this.sessions.revokeAllForUser(user.id, 'password_changed', tx, user.sessionId);
      // The "password changed" notice, when mail can be sent.
      const owner = this.accountMail.available ? await this.users.findById(user.id, { tx }) : null;
      if (owner) await this.accountMail.sendPasswordChanged(tx, owner, meta.language);
      await this.audit.record({ operation: AuditOperation.PASSWORD_CHANGED, userId: user.id, operatorId: user.id, meta }, tx);
    });
    this.accountMail.flush();
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
    const session = await this.sessions.findById(sessionId);
    // Someone else's session is as unknown as a missing one.
    if (!session || session.revokedAt || !this.policy.can(user, 'session.revoke', session)) throw AppException.notFound();
    await this.transactions.run(async (tx) => {
      await this.sessions.revoke(sessionId, 'revoked', tx);
      await this.audit.record(
        { operation: AuditOperation.LOGOUT, userId: user.id, operatorId: user.id, meta, details: { session_id: sessionId } },
        tx,
      );
    });
  }

  private tokenPair(userId: string, sessionId: string, refreshToken: string, amr: string[]): TokenPairResponse {
    return {
      access_token: this.tokens.signAccessToken(userId, sessionId, amr),
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: this.config.jwt.accessTtl,
      refresh_expires_in: this.config.jwt.refreshTtl,
    };
  }
}
