import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { Language } from '../common/i18n/language';
import { AppConfig } from '../config/app-config';
import type { Tx } from '../database/transactions';
import { mailLanguage, MailService } from '../mail/mail.service';
import { AccountToken, AccountTokensRepository, TokenPurpose } from './account-tokens.repository';

/** Who a mail goes to, as far as these messages need. */
export interface MailedUser {
  id: string;
  username: string;
  email: string;
  languagePreference: string | null;
}

/** SHA-256 of a token, hex: what the database keeps. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The account mails and their tokens, written in the caller's transaction: a token is 256 bits from
 * the CSPRNG, stored hashed, and goes out only inside the sealed outbox payload of its message.
 */
@Injectable()
export class AccountMailService {
  constructor(
    private readonly config: AppConfig,
    private readonly mail: MailService,
    private readonly tokens: AccountTokensRepository,
  ) {}

  get verificationMode(): 'off' | 'optional' | 'required' {
    return this.config.mail.verification;
  }

  /** Whether registration and email changes go through a verification link. */
  get verifies(): boolean {
    return this.config.mail.verification !== 'off' && this.mail.available;
  }

  /** Whether mail can be sent at all (not in production without SMTP_URL). */
  get available(): boolean {
    return this.mail.available;
  }

  assertAvailable(): void {
    this.mail.assertAvailable();
  }

  /** The link to confirm `email` (the account's address, or a new one it asked for); older open links stop working. */
  async sendVerification(tx: Tx, user: MailedUser, email: string, requested: Language | undefined): Promise<void> {
    await this.tokens.useAll(tx, user.id, 'email_verify');
    const token = await this.issue(tx, user.id, 'email_verify', email, this.config.mail.verifyTtl);
    const link = this.mail.link('/verify-email', { token });
    await this.mail.enqueue(tx, {
      template: 'email-verify',
      to: email,
      userId: user.id,
      language: mailLanguage(user.languagePreference, requested),
      vars: { username: user.username, email, link, ttl_hours: String(Math.round(this.config.mail.verifyTtl / 3600)) },
      link,
    });
  }

  async sendPasswordReset(tx: Tx, user: MailedUser, requested: Language | undefined): Promise<void> {
    const token = await this.issue(tx, user.id, 'password_reset', null, this.config.mail.resetTtl);
    const link = this.mail.link('/reset-password', { token });
    await this.mail.enqueue(tx, {
      template: 'password-reset',
      to: user.email,
      userId: user.id,
      language: mailLanguage(user.languagePreference, requested),
      vars: { username: user.username, link, ttl_minutes: String(Math.round(this.config.mail.resetTtl / 60)) },
      link,
    });
  }

  /** To the old address: a change to `newEmail` was asked for. */
  async sendEmailChangeNotice(tx: Tx, user: MailedUser, newEmail: string, requested: Language | undefined): Promise<void> {
    await this.mail.enqueue(tx, {
      template: 'email-change-notice',
      to: user.email,
      userId: user.id,
      language: mailLanguage(user.languagePreference, requested),
      vars: { username: user.username, new_email: newEmail },
    });
  }

  async sendPasswordChanged(tx: Tx, user: MailedUser, requested: Language | undefined): Promise<void> {
    await this.mail.enqueue(tx, {
      template: 'password-changed',
      to: user.email,
      userId: user.id,
      language: mailLanguage(user.languagePreference, requested),
      vars: { username: user.username, forgot_link: this.mail.link('/forgot-password') },
    });
  }

  /** Reset requests to this address or account within the last hour (the limit holds across instances: it is the outbox). */
  async resetRequestsLastHour(tx: Tx, email: string, userId: string | null): Promise<number> {
    return this.mail.countRecent(tx, 'password-reset', email, userId, 3600);
  }

  suppressReset(tx: Tx, email: string, userId: string | null, reason: string): Promise<void> {
    return this.mail.suppress(tx, 'password-reset', email, userId, reason);
  }

  lockAddress(tx: Tx, email: string): Promise<void> {
    return this.mail.lockRecipient(tx, email);
  }

  /** The open token a link carries, without using it (null: wrong, used or expired). */
  peek(token: string, purpose: TokenPurpose): Promise<AccountToken | null> {
    return this.tokens.findUsable(tokenHash(token), purpose);
  }

  /** The open token a link carries, locked and used up in `tx` (with every other open token of that purpose of its user). */
  async consume(tx: Tx, token: string, purpose: TokenPurpose): Promise<AccountToken | null> {
    const found = await this.tokens.findUsable(tokenHash(token), purpose, tx);
    if (found) await this.tokens.useAll(tx, found.userId, purpose);
    return found;
  }

  /** After the enqueuing transaction committed. */
  flush(): void {
    this.mail.flush();
  }

  private async issue(tx: Tx, userId: string, purpose: TokenPurpose, email: string | null, ttlSeconds: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.tokens.insert(tx, { userId, purpose, tokenHash: tokenHash(token), email, ttlSeconds });
    return token;
  }
}
