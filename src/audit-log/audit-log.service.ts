import { Injectable } from '@nestjs/common';
import type { RequestMeta } from '../common/http/request-meta';
import type { Tx } from '../database/transactions';
import type { AuditDetails } from './audit-log.entity';
import { AuditLogRepository } from './audit-log.repository';
import { AuditOperation } from './audit-operation';

export interface AuditEntry {
  operation: AuditOperation;
  /** The user the record is about. */
  userId: string | null;
  /** The acting user (the user themself for login and logout). */
  operatorId: string | null;
  meta: RequestMeta;
  details?: AuditDetails;
}

/**
 * The only writer of the audit log, and what other modules read it through. Pass the caller's
 * transaction to record() so the record commits with the change it describes.
 */
@Injectable()
export class AuditLogService {
  constructor(private readonly repository: AuditLogRepository) {}

  async record(entry: AuditEntry, tx?: Tx): Promise<void> {
    await this.repository.insert(
      {
        operation: entry.operation,
        userId: entry.userId,
        operatorId: entry.operatorId,
        ip: entry.meta.ip,
        userAgent: entry.meta.userAgent,
        details: entry.details ?? null,
      },
      tx,
    );
  }

  /**
   * When the user's state was last changed to `toState` (a STATE_CHANGED record with details.to;
   * e.g. 0 = disabled), or null when no record says so (say, an account created disabled).
   */
  lastStateChange(userId: string, toState: number): Promise<Date | null> {
    return this.repository.lastStateChange(userId, toState);
  }
}
