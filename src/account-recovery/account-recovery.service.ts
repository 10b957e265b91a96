import { Injectable } from '@nestjs/common';
import { AuditLogService } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import { SessionsService } from '../auth/sessions.service';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { RequestMeta } from '../common/http/request-meta';
import { AccessPolicy } from '../common/policies/access-policy.service';
import { PasswordHasher } from '../common/security/password-hasher';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import { UsersService } from '../users/users.service';
import { AccountMailService } from './account-mail.service';

/** The blocks that stop a reset mail (an unverified address may still reset: the link proves it). */
const NO_RESET_MAIL = new Set(['deleted', 'disabled', 'blacklisted']);

/**
 * Password reset and email verification over mailed links. Every mail is written to the outbox in the
 * transaction of the change that causes it and delivered asynchronously by the queue.
 */
@Injectable()
export class AccountRecoveryService {
  constructor(
    private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly accountMail: AccountMailService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLogService,
    private readonly policy: AccessPolicy,
  ) {}

  /**
   * POST /auth/password/forgot. The same answer, after the same kind of work, whatever the address:
   * one lookup, a lock on the address, a count of recent reset mails, and one outbox row (a message,
   * or a "suppressed" record for an unknown or blocked address). The per-address and per-account limit
   * counts outbox rows, so it holds however many instances run; past it nothing is written or sent.
   */
  async forgot(rawEmail: string, meta: RequestMeta): Promise<void> {
    this.accountMail.assertAvailable();
    const email = rawEmail.trim().toLowerCase();
    const account = await this.sessions.loginAccount({ email });
    const blocked = account?.blocks.find((block) => NO_RESET_MAIL.has(block));
    await this.transactions.run(async (tx) => {
      await this.accountMail.lockAddress(tx, email);
      const recent = await this.accountMail.resetRequestsLastHour(tx, email, account?.id ?? null);
      if (recent >= this.config.mail.resetMaxPerHour) return;
      if (!account) return this.accountMail.suppressReset(tx, email, null, 'unknown address');
      if (blocked) return this.accountMail.suppressReset(tx, email, account.id, `account ${blocked}`);
      const user = await this.users.findById(account.id, { tx });
      if (!user) return this.accountMail.suppressReset(tx, email, account.id, 'account deleted');
      await this.accountMail.sendPasswordReset(tx, user, meta.language);
    });
    this.accountMail.flush();
  }

  /**
   * POST /auth/password/reset. Sets the password, makes this and every other open reset token of the
   * user unusable, ends every session, tells the user by mail and writes the audit record, together.
   */
  async reset(token: string, newPassword: string, meta: RequestMeta): Promise<void> {
    // A cheap look first, so that wrong tokens cost no password hash.
    if (!(await this.accountMail.peek(token, 'password_reset'))) throw new AppException(ErrorCode.TOKEN_INVALID);
    const passwordHash = await this.hasher.hash(newPassword);
    await this.transactions.run(async (tx) => {
      const found = await this.accountMail.consume(tx, token, 'password_reset');
      if (!found) throw new AppException(ErrorCode.TOKEN_INVALID);
      const user = await this.users.findById(found.userId, { tx });
      if (!user) throw new AppException(ErrorCode.TOKEN_INVALID);
      await this.users.setPasswordByReset(tx, user.id, passwordHash);
      await this.sessions.revokeAllForUser(user.id, 'password_reset', tx);
      await this.accountMail.sendPasswordChanged(tx, user, meta.language);
      await this.audit.record(
        { operation: AuditOperation.PASSWORD_RESET, userId: user.id, operatorId: user.id, meta, details: { by: 'link' } },
        tx,
      );
    });
    this.accountMail.flush();
  }

  /** POST /auth/email/verify: the account's address becomes verified, or a pending new address replaces the old one. */
  async verifyEmail(token: string, meta: RequestMeta): Promise<void> {
    await this.transactions.run(async (tx) => {
      const found = await this.accountMail.consume(tx, token, 'email_verify');
      if (!found?.email) throw new AppException(ErrorCode.TOKEN_INVALID);
      const { outcome, previous } = await this.users.confirmEmail(tx, found.userId, found.email);
      if (outcome === 'stale') throw new AppException(ErrorCode.TOKEN_INVALID);
      await this.audit.record(
        outcome === 'changed'
          ? {
              operation: AuditOperation.EMAIL_CHANGED,
              userId: found.userId,
              operatorId: found.userId,
              meta,
              details: { from: previous, to: found.email },
            }
          : {
              operation: AuditOperation.EMAIL_VERIFIED,
              userId: found.userId,
              operatorId: found.userId,
              meta,
              details: { email: found.email },
            },
        tx,
      );
    });
  }

  /**
   * POST /auth/email/verify/resend: a new link (the older ones stop working) to the pending new address,
   * or to the account's address while it is unverified. 40903 when there is nothing to verify.
   */
  async resendVerification(actor: AuthUser, meta: RequestMeta): Promise<void> {
    this.accountMail.assertAvailable();
    if (this.config.mail.verification === 'off') throw new AppException(ErrorCode.CONFLICT);
    await this.transactions.run(async (tx) => {
      const user = await this.users.findById(actor.id, { tx, lock: true });
      if (!user) throw new AppException(ErrorCode.UNAUTHENTICATED);
      const address = user.pendingEmail ?? (user.emailVerifiedAt ? null : user.email);
      if (!address) throw new AppException(ErrorCode.CONFLICT);
      await this.accountMail.sendVerification(tx, user, address, meta.language);
    });
    this.accountMail.flush();
  }

  /** POST /users/:id/password-reset: staff send the user a reset link (also how imported accounts without a usable password start). */
  async sendResetByStaff(actor: AuthUser, id: string, meta: RequestMeta): Promise<void> {
    const target = await this.users.findReadable(actor, id);
    if (target.deletedAt) throw AppException.notFound();
    this.policy.assert(actor, 'user.send-password-reset', target);
    this.accountMail.assertAvailable();
    await this.transactions.run(async (tx) => {
      const user = await this.users.findById(id, { tx, lock: true });
      if (!user) throw AppException.notFound();
      await this.accountMail.sendPasswordReset(tx, user, meta.language);
      await this.audit.record(
        { operation: AuditOperation.PASSWORD_RESET_LINK_SENT, userId: user.id, operatorId: actor.id, meta, details: { to: user.email } },
        tx,
      );
    });
    this.accountMail.flush();
  }
}
