import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { AppConfig } from '../config/app-config';
import type { RenderedMail } from './mail-templates';

export interface OutgoingMail extends RenderedMail {
  to: string;
  /** Stable per outbox row, so a resend after a crash carries the same Message-ID (receivers may de-duplicate on it). */
  messageId: string;
  /** Only for the development log line. */
  link: string | null;
}

/**
 * Where messages go: SMTP through nodemailer (SMTP_URL), or, outside production without SMTP_URL,
 * one JSON log line per message (subject, recipient, link). That log line is the only place a link,
 * and so a token, is ever logged, and it exists only in that development mode.
 */
@Injectable()
export class MailTransport implements OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  private readonly smtp: Transporter | null;

  constructor(private readonly config: AppConfig) {
    const timeoutMs = Math.max(1000, Math.floor((config.mail.sendTimeout * 1000) / 3));
    this.smtp = config.mail.smtpUrl
      ? createTransport({
          url: config.mail.smtpUrl,
          // One connection per message: no pooled connection can hold a message past its attempt's deadline.
          pool: false,
          connectionTimeout: timeoutMs,
          greetingTimeout: timeoutMs,
          socketTimeout: timeoutMs,
        } as Parameters<typeof createTransport>[0])
      : null;
  }

  get configured(): boolean {
    return this.config.mail.transport !== 'none';
  }

  async send(mail: OutgoingMail): Promise<void> {
    if (this.smtp) {
      await this.smtp.sendMail({
        from: this.config.mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
      });
      return;
    }
    if (this.config.mail.transport !== 'log') throw new Error('mail delivery is not configured (SMTP_URL)');
    // Development without SMTP_URL: the message is this one line.
    this.logger.log({ mail: { to: mail.to, subject: mail.subject, link: mail.link } }, 'mail (no SMTP_URL: logged, not sent)');
  }

  onModuleDestroy(): void {
    this.smtp?.close();
  }
}
