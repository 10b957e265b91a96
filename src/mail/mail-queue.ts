import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { AppConfig } from '../config/app-config';
import type { Tx } from '../database/transactions';

export const MAIL_QUEUE = 'mail';
/** Deliveries one instance runs at once. */
const WORKERS = 4;

export interface MailJob {
  outboxId: string;
}

export type MailJobHandler = (job: MailJob, attempt: { retryCount: number; retryLimit: number }) => Promise<void>;

/**
 * The job queue under the outbox: pg-boss, in its own schema (`pgboss`) of our database, which it
 * creates and upgrades itself at start (advisory-locked, so several instances may start at once).
 * A job is created in the caller's transaction (pg-boss's `db` option on send), so it exists exactly
 * when the outbox row does. pg-boss hands each job to one worker (SELECT ... FOR UPDATE SKIP LOCKED),
 * retries with exponential backoff (retryDelay, doubling) and takes a job whose worker died back after
 * `expireInSeconds` (its maintenance runs on every instance, one at a time).
 */
@Injectable()
export class MailQueue implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MailQueue');
  private readonly boss: PgBoss;
  private readonly workerIds: string[] = [];
  private handler: MailJobHandler | null = null;
  private started = false;

  constructor(private readonly config: AppConfig) {
    this.boss = new PgBoss({
      connectionString: config.database.url,
      application_name: 'user-management-mail',
      max: 3,
      schema: 'pgboss',
      migrate: true,
      supervise: true,
      schedule: false,
      // Expiry of attempts whose instance died is done by this maintenance: as often as an attempt may last.
      maintenanceIntervalSeconds: Math.min(120, config.mail.sendTimeout),
    });
    this.boss.on('error', (error: Error) => this.logger.warn({ error: error.message }, 'mail queue error'));
  }

  /** Set by the delivery service before start. */
  setHandler(handler: MailJobHandler): void {
    this.handler = handler;
  }

  async onModuleInit(): Promise<void> {
    await this.boss.start();
    await this.boss.createQueue(MAIL_QUEUE);
    this.started = true;
  }

  /** The workers start once every module is ready (the delivery service has set the handler). */
  async onApplicationBootstrap(): Promise<void> {
    const handler = this.handler;
    if (!handler) return;
    for (let i = 0; i < WORKERS; i++) {
      let workerId = '';
      workerId = await this.boss.work<MailJob>(
        MAIL_QUEUE,
        { pollingIntervalSeconds: 1, includeMetadata: true, batchSize: 1 },
        async ([job]) => {
          try {
            await handler(job.data, { retryCount: job.retryCount, retryLimit: job.retryLimit });
          } finally {
            // pg-boss waits a polling interval after every fetch; a worker that just had a job looks again at once.
            this.boss.notifyWorker(workerId);
          }
        },
      );
      this.workerIds.push(workerId);
    }
  }

  /** Creates the job for an outbox row inside the caller's transaction. */
  async enqueue(tx: Tx, job: MailJob): Promise<void> {
    const { retryLimit, retryDelay, sendTimeout } = this.config.mail;
    await this.boss.send(MAIL_QUEUE, job, {
      retryLimit,
      retryDelay,
      retryBackoff: true,
      expireInSeconds: sendTimeout,
      db: { executeSql: async (text: string, values: unknown[]) => ({ rows: (await tx.query(text, values)) as unknown[] }) },
    });
  }

  /** After a commit: the local workers look now instead of at their next poll (the others still poll). */
  nudge(): void {
    for (const id of this.workerIds) this.boss.notifyWorker(id);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // In-flight deliveries get a moment; one cut short is retried after expiry on some instance.
    await this.boss.stop({ graceful: true, wait: true, timeout: 5000 });
  }
}
