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
}
