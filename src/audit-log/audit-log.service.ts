import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { RequestMeta } from '../common/http/request-meta';
import { AuditDetails, AuditLog } from './audit-log.entity';
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
 * The only writer of the audit log. Pass the transaction's manager to record() so the record commits
 * with the change it describes.
 */
@Injectable()
export class AuditLogService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(entry: AuditEntry, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.insert(AuditLog, {
      operation: entry.operation,
      userId: entry.userId,
      operatorId: entry.operatorId,
      ip: entry.meta.ip,
      userAgent: entry.meta.userAgent,
      details: entry.details ?? null,
    });
  }

  /** When the user's state was last changed to `state`, from the log (null if never). */
  async lastStateChange(userId: string, state: number): Promise<Date | null> {
    const rows: Array<{ operate_time: Date }> = await this.dataSource.query(
      `SELECT operate_time FROM audit_logs
        WHERE user_id = $1 AND operation = $2 AND details->>'to' = $3
        ORDER BY seq DESC LIMIT 1`,
      [userId, AuditOperation.STATE_CHANGED, String(state)],
    );
    return rows[0]?.operate_time ?? null;
  }
}
