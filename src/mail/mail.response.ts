import { ApiProperty } from '@nestjs/swagger';
import { MAIL_LANGUAGES, MAIL_TEMPLATES } from './mail-templates';
import type { OutboxRow } from './mail.repository';

export const MAIL_STATUSES = ['pending', 'sending', 'retrying', 'sent', 'failed', 'suppressed'] as const;

/** A message of the outbox as a superadmin sees it: never its payload, link or token. */
export class MailMessageResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: MAIL_TEMPLATES, example: 'password-reset' })
  template!: string;

  @ApiProperty({ format: 'email', maxLength: 254 })
  recipient!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  user_id!: string | null;

  @ApiProperty({ enum: MAIL_LANGUAGES })
  language!: string;

  @ApiProperty({
    enum: MAIL_STATUSES,
    description:
      'pending (queued), sending (an attempt is under way), retrying (the last attempt failed; another follows with backoff), sent (the SMTP server accepted it), ' +
      'failed (given up after MAIL_RETRY_LIMIT retries), suppressed (a reset asked for an unknown, blocked or rate-limited address: nothing is sent)',
  })
  status!: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: 1000, description: 'Delivery attempts made so far' })
  attempts!: number;

  @ApiProperty({ nullable: true, type: String, maxLength: 500, description: 'The last failure (or why a message was suppressed)' })
  last_error!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  last_attempt_at!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When the SMTP server accepted it' })
  sent_at!: string | null;

  static from(row: OutboxRow): MailMessageResponse {
    const response = new MailMessageResponse();
    response.id = row.id;
    response.template = row.template;
    response.recipient = row.recipient;
    response.user_id = row.userId;
    response.language = row.language;
    response.status = row.status;
    response.attempts = row.attempts;
    response.last_error = row.lastError;
    response.created_at = row.createdAt.toISOString();
    response.last_attempt_at = row.lastAttemptAt?.toISOString() ?? null;
    response.sent_at = row.sentAt?.toISOString() ?? null;
    return response;
  }
}
