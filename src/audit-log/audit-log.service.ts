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
 * An entry brought in by an import: a source system's own log record (source and id000 set, its
 * operate_time kept, migration ImportedHistory) or the import's own `imported` record (source null).
 */
export interface ImportedAuditEntry {
  operation: AuditOperation;
  userId: string;
  operatorId: string | null;
  ip: string | null;
  details: AuditDetails | null;
  /** The source system's record: its system, its 000 id and its time. */
  source?: { system: '000' | '001' | '003'; id000: string | null; operateTime: Date };
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

  /** Many entries in one statement, in the caller's transaction (the chain trigger runs for each row, in order). */
  async recordImported(entries: ImportedAuditEntry[], tx: Tx): Promise<void> {
    if (entries.length > 0) await this.repository.insertImported(entries, tx);
  }

  /** Moves entries written here (source NULL) off the given 000 ids, to fresh ones; the import's ids win. */
  releaseId000s(ids: string[], tx: Tx): Promise<void> {
    return this.repository.releaseId000s(ids, tx);
  }

  /** Which of these 000 ids already hold an entry imported from 000. */
  importedId000s(ids: string[], tx?: Tx): Promise<Set<string>> {
    return this.repository.importedId000s(ids, tx);
  }

  /** Moves the 000 id sequence at least to `max`, so entries created afterwards get the next ids. */
  raiseId000Sequence(max: string, tx: Tx): Promise<void> {
    return this.repository.raiseId000Sequence(max, tx);
  }

  /**
   * When the user's state was last changed to `toState` (a STATE_CHANGED record with details.to;
   * e.g. 0 = disabled), or null when no record says so (say, an account created disabled).
   */
  lastStateChange(userId: string, toState: number): Promise<Date | null> {
    return this.repository.lastStateChange(userId, toState);
  }
}
