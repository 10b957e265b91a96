import { Injectable, Logger } from '@nestjs/common';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { Language } from '../common/i18n/language';
import { Page, PaginationQuery, toPage } from '../common/pagination/pagination';
import { AppConfig } from '../config/app-config';
import type { Tx } from '../database/transactions';
import { MailQueue } from './mail-queue';
import { MailLanguage, MailTemplate, MailTemplates } from './mail-templates';
import { MailTransport } from './mail-transport';
import { MailRepository, MailStatus } from './mail.repository';
import { MailMessageResponse } from './mail.response';

/** A message to send: the template, the recipient and the values its placeholders take. */
export interface MailRequest {
  template: MailTemplate;
  to: string;
  userId: string | null;
  language: MailLanguage;
  vars: Record<string, string>;
  /** The link the message carries (shown in the development log line). */
  link?: string;
}

interface SealedPayload {
  vars: Record<string, string>;
  link: string | null;
}

/** The user's language_preference, else the request's Accept-Language. */
export function mailLanguage(preference: string | null | undefined, requested: Language | undefined): MailLanguage {
  if (preference === 'zh-CN' || preference === 'en') return preference;
  return requested === 'zh' ? 'zh-CN' : 'en';
}

/**
 * The outbox. `enqueue` writes the message and its job in the caller's transaction (so a rolled-back
 * change sends nothing and a committed one loses nothing); the queue's workers deliver it. The payload
 * holds the link, so the token: it is sealed (AES-256-GCM, key derived from JWT_SECRET) and erased once
 * the message is sent or given up; the admin listing never shows it.
 */
@Injectable()
export class MailService {
  private readonly logger = new Logger('Mail');
  private readonly sealKey: Buffer;
  private readonly domain: string;

  constructor(
    private readonly config: AppConfig,
    private readonly repository: MailRepository,
    private readonly queue: MailQueue,
    private readonly templates: MailTemplates,
    private readonly transport: MailTransport,
  ) {
    this.sealKey = Buffer.from(hkdfSync('sha256', config.jwt.secret, 'user-management-service', 'mail-outbox-payload', 32));
    this.domain = new URL(config.mail.publicUrl).hostname || 'localhost';
    this.queue.setHandler((job, attempt) => this.deliver(job.outboxId, attempt.retryCount >= attempt.retryLimit));
  }

  /** 50302 in production without SMTP_URL: the mail flows say so instead of pretending. */
  assertAvailable(): void {
    if (!this.transport.configured) throw new AppException(ErrorCode.MAIL_NOT_CONFIGURED);
  }

  get available(): boolean {
    return this.transport.configured;
  }

  /** A link under PUBLIC_URL. */
  link(path: string, query: Record<string, string> = {}): string {
    const search = new URLSearchParams(query).toString();
    return `${this.config.mail.publicUrl}${path}${search ? `?${search}` : ''}`;
  }

  async enqueue(tx: Tx, request: MailRequest): Promise<string> {
    const payload: SealedPayload = { vars: request.vars, link: request.link ?? null };
    const id = await this.repository.insert(tx, {
      template: request.template,
      recipient: request.to,
      userId: request.userId,
      language: request.language,
      payloadEnc: this.seal(JSON.stringify(payload)),
      status: 'pending',
    });
    await this.queue.enqueue(tx, { outboxId: id });
    return id;
  }

  /** A request that sends nothing but is recorded (and counted by rate limits): unknown or blocked addresses. */
  async suppress(tx: Tx, template: MailTemplate, to: string, userId: string | null, reason: string): Promise<void> {
    await this.repository.insert(tx, {
      template,
      recipient: to,
      userId,
      language: 'en',
      payloadEnc: null,
      status: 'suppressed',
      lastError: reason,
    });
  }

  /** How many messages of this template went (or were asked) to this address or account in the last `seconds`. */
  countRecent(tx: Tx, template: MailTemplate, to: string, userId: string | null, seconds: number): Promise<number> {
    return this.repository.countRecent(tx, template, to, userId, seconds);
  }

  /** Serialises, across instances, the requests that count and then write messages to one address. */
  lockRecipient(tx: Tx, to: string): Promise<void> {
    return this.repository.lockRecipient(tx, to);
  }

  /** Call after the enqueuing transaction committed: the local workers pick the message up at once. */
  flush(): void {
    this.queue.nudge();
  }

  /**
   * One delivery attempt (the queue gives each job to one worker). The attempt is counted before the
   * send; on success the row is marked sent and its payload erased. SMTP itself is at-least-once: a
   * crash after the server accepted but before `markSent` makes the retry send again, with the same
   * Message-ID. An error is rethrown so that the queue retries (with backoff) until its retry limit.
   */
  async deliver(outboxId: string, lastAttempt: boolean): Promise<void> {
    const row = await this.repository.beginAttempt(outboxId, this.config.mail.sendTimeout);
    if (row === 'done') return;
    // Another worker's attempt may still be under way: try again later (the queue's backoff) rather than send twice.
    if (row === 'busy') throw new Error('another delivery attempt of this message is still under way');
    if (!row.payloadEnc) return;
    const messageId = `<${row.id}@${this.domain}>`;
    const attempt = row.attempts;
    // The send and its "sent" mark run to their end even past the deadline below: a late acceptance is still recorded,
    // and the row's lease keeps any retry from sending again until MAIL_SEND_TIMEOUT after this attempt began.
    const sending = (async (): Promise<void> => {
      const payload = JSON.parse(this.unseal(row.payloadEnc as string)) as SealedPayload;
      const rendered = this.templates.render(row.template as MailTemplate, row.language as MailLanguage, payload.vars);
      await this.transport.send({ ...rendered, to: row.recipient, messageId, link: payload.link });
      await this.repository.markSent(row.id, messageId, new Date());
    })();
    const failed = async (error: unknown): Promise<never> => {
      const message = error instanceof Error ? error.message : String(error);
      await this.repository.markFailed(row.id, attempt, message, lastAttempt);
      this.logger.warn({ mail: row.id, attempt, final: lastAttempt, error: message }, 'mail delivery failed');
      throw error;
    };
    let timer: NodeJS.Timeout | undefined;
    const deadlineMs = Math.floor(this.config.mail.sendTimeout * 800);
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), deadlineMs);
    });
    try {
      const outcome = await Promise.race([sending.then(() => 'done' as const), deadline]);
      if (outcome === 'late') {
        // Still under way: a failure later is recorded then; the queue retries, and waits for the lease.
        sending.catch((error: unknown) => failed(error).catch(() => undefined));
        throw new Error(`no answer from the SMTP server within ${deadlineMs} ms`);
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('no answer from the SMTP server')) throw error;
      await failed(error);
    } finally {
      clearTimeout(timer);
    }
  }

  async list(page: PaginationQuery, filter: { status?: MailStatus; recipient?: string }): Promise<Page<MailMessageResponse>> {
    const { rows, count, total } = await this.repository.list(page.offset, page.limit, filter);
    return toPage(rows.map(MailMessageResponse.from), count, total, page);
  }

  private seal(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  private unseal(sealed: string): string {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
