import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Tx } from '../database/transactions';

export type MailStatus = 'pending' | 'sending' | 'retrying' | 'sent' | 'failed' | 'suppressed';

/** A message as the outbox keeps it. The sealed payload (it holds the link) never leaves this module. */
export interface OutboxRow {
  id: string;
  template: string;
  recipient: string;
  userId: string | null;
  language: string;
  status: MailStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  sentAt: Date | null;
  messageId: string | null;
}

interface RawRow {
  id: string;
  template: string;
  recipient: string;
  user_id: string | null;
  language: string;
  status: MailStatus;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  last_attempt_at: Date | null;
  sent_at: Date | null;
  message_id: string | null;
}

const COLUMNS =
  'id, template, recipient, user_id, language, status, attempts, last_error, created_at, last_attempt_at, sent_at, message_id';

function toRow(raw: RawRow): OutboxRow {
  return {
    id: raw.id,
    template: raw.template,
    recipient: raw.recipient,
    userId: raw.user_id,
    language: raw.language,
    status: raw.status,
    attempts: raw.attempts,
    lastError: raw.last_error,
    createdAt: new Date(raw.created_at),
    lastAttemptAt: raw.last_attempt_at ? new Date(raw.last_attempt_at) : null,
    sentAt: raw.sent_at ? new Date(raw.sent_at) : null,
    messageId: raw.message_id,
  };
}

/** The mail module's table: mail_outbox. */
@Injectable()
export class MailRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(
    tx: Tx,
    message: {
      template: string;
      recipient: string;
      userId: string | null;
      language: string;
      payloadEnc: string | null;
      status: MailStatus;
      lastError?: string;
    },
  ): Promise<string> {
    const rows: Array<{ id: string }> = await tx.query(
      `INSERT INTO mail_outbox (template, recipient, user_id, language, payload_enc, status, last_error)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        message.template,
        message.recipient,
        message.userId,
        message.language,
        message.payloadEnc,
        message.status,
        message.lastError ?? null,
      ],
    );
    return rows[0].id;
  }

  async lockRecipient(tx: Tx, recipient: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('mail:' || $1, 0))`, [recipient]);
  }

  /** Messages of this template to this address or this account since `seconds` ago (suppressed ones count too). */
  async countRecent(tx: Tx, template: string, recipient: string, userId: string | null, seconds: number): Promise<number> {
    const rows: Array<{ n: number }> = await tx.query(
      `SELECT count(*)::int AS n FROM mail_outbox
        WHERE template = $1 AND created_at > now() - make_interval(secs => $4)
          AND (recipient = $2 OR ($3::uuid IS NOT NULL AND user_id = $3::uuid))`,
      [template, recipient, userId, seconds],
    );
    return rows[0].n;
  }

  /**
   * Starts one delivery attempt: counts it and returns the message with its sealed payload. 'done' when
   * it is already sent or given up (a duplicate job finds nothing to do); 'busy' while another attempt
   * holds its lease (it began less than `leaseSeconds` ago: the queue is retrying a job whose worker may
   * still be sending). Committed at once, so an attempt that dies with its process is still counted.
   */
  async beginAttempt(id: string, leaseSeconds: number): Promise<(OutboxRow & { payloadEnc: string | null }) | 'done' | 'busy'> {
    const [rows]: [Array<RawRow & { payload_enc: string | null }>, number] = await this.dataSource.query(
      `UPDATE mail_outbox SET attempts = attempts + 1, status = 'sending', last_attempt_at = clock_timestamp()
        WHERE id = $1 AND (status IN ('pending', 'retrying')
                           OR (status = 'sending' AND last_attempt_at < clock_timestamp() - make_interval(secs => $2)))
        RETURNING ${COLUMNS}, payload_enc`,
      [id, leaseSeconds],
    );
    const raw = rows[0];
    if (raw) return { ...toRow(raw), payloadEnc: raw.payload_enc };
    const state: Array<{ status: MailStatus }> = await this.dataSource.query(`SELECT status FROM mail_outbox WHERE id = $1`, [id]);
    return state[0]?.status === 'sending' ? 'busy' : 'done';
  }

  /** Accepted by the server: the payload (with its token) is erased. */
  async markSent(id: string, messageId: string, acceptedAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE mail_outbox SET status = 'sent', sent_at = $3, message_id = $2, payload_enc = NULL, last_error = NULL WHERE id = $1`,
      [id, messageId, acceptedAt],
    );
  }

  /** A failed attempt (number `attempt`): retried later, or given up for good (then the payload is erased too). A later attempt's state wins. */
  async markFailed(id: string, attempt: number, error: string, final: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE mail_outbox SET status = $3::varchar, last_error = $2, payload_enc = CASE WHEN $3::varchar = 'failed' THEN NULL ELSE payload_enc END
        WHERE id = $1 AND status = 'sending' AND attempts = $4`,
      [id, error.slice(0, 500), final ? 'failed' : 'retrying', attempt],
    );
  }

  async list(
    offset: number,
    limit: number,
    filter: { status?: MailStatus; recipient?: string },
  ): Promise<{ rows: OutboxRow[]; count: number; total: number }> {
    const params: unknown[] = [filter.status ?? null, filter.recipient ?? null];
    const where = `($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR recipient = $2)`;
    const [rows, counts]: [RawRow[], Array<{ count: number; total: number }>] = await Promise.all([
      this.dataSource.query(`SELECT ${COLUMNS} FROM mail_outbox WHERE ${where} ORDER BY created_at DESC, id DESC OFFSET $3 LIMIT $4`, [
        ...params,
        offset,
        limit,
      ]),
      this.dataSource.query(
        `SELECT (SELECT count(*) FROM mail_outbox WHERE ${where})::int AS count, (SELECT count(*) FROM mail_outbox)::int AS total`,
        params,
      ),
    ]);
    return { rows: rows.map(toRow), count: counts[0].count, total: counts[0].total };
  }
}
