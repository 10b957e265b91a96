import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Transporter } from 'nodemailer';
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
 *
 * nodemailer is loaded with the first message, not at start-up: it stays out of the bundle and out of
 * the memory of an instance that sends no mail (docs/architecture.md, Memory).
 */
@Injectable()
export class MailTransport implements OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  private smtp: Promise<Transporter> | null = null;

  constructor(private readonly config: AppConfig) {}

  private transporter(smtpUrl: string): Promise<Transporter> {
    this.smtp ??= import('nodemailer').then(({ createTransport }) => {
      const timeoutMs = Math.max(1000, Math.floor((this.config.mail.sendTimeout * 1000) / 3));
      return createTransport({
        url: smtpUrl,
        // One connection per message: no pooled connection can hold a message past its attempt's deadline.
        pool: false,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      } as Parameters<typeof createTransport>[0]);
    });
    return this.smtp;
  }

  get configured(): boolean {
    return this.config.mail.transport !== 'none';
  }

  async send(mail: OutgoingMail): Promise<void> {
    if (this.config.mail.smtpUrl) {
      const smtp = await this.transporter(this.config.mail.smtpUrl);
      await smtp.sendMail({
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

  async onModuleDestroy(): Promise<void> {
    (await this.smtp?.catch(() => null))?.close();
  }
}
