import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { Page, toPage } from '../common/pagination/pagination';
import { AccessPolicy } from '../common/policies/access-policy.service';
import { ReadReplicas } from '../database/read-replicas';
import { UsersService } from '../users/users.service';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogResponse, ChainVerificationResponse } from './audit-log.response';
import { AuditLogFilters, ListAuditLogsQuery } from './dto/list-audit-logs.query';

/**
 * Reads the audit log for the routes of every API: lists, single records and the chain check. The
 * whole log is a staff view by the floor on its routes (@Authenticated({ role: 'admin' })); which
 * fields of a record a viewer sees, AuditLogResponse.from decides.
 */
@Injectable()
export class AuditLogQueryService {
  constructor(
    private readonly repository: AuditLogRepository,
    private readonly users: UsersService,
    private readonly policy: AccessPolicy,
    private readonly replicas: ReadReplicas,
  ) {}

  /** The whole log, newest first; `count` matches the filters, `total` is the whole log. */
  async list(actor: AuthUser, query: ListAuditLogsQuery): Promise<Page<AuditLogResponse>> {
    const { rows, count, total } = await this.replicas.run(actor, (reader) => this.repository.page(query, query, undefined, reader));
    return toPage(
      rows.map((row) => AuditLogResponse.from(row, actor)),
      count,
      total,
      query,
    );
  }

  /**
   * One user's records, for whoever may read that user (the user themself, staff; deleted users'
   * records stay readable); `total` counts that user's records.
   */
  async listForUser(actor: AuthUser, userId: string, filters: AuditLogFilters): Promise<Page<AuditLogResponse>> {
    // Deleted users' records stay readable.
    await this.users.findReadable(actor, userId, { withDeleted: true });
    const query = Object.assign(new ListAuditLogsQuery(), filters, { user: userId });
    const { rows, count, total } = await this.replicas.run(actor, (reader) => this.repository.page(query, query, userId, reader));
    return toPage(
      rows.map((row) => AuditLogResponse.from(row, actor)),
      count,
      total,
      query,
    );
  }

  /** One record, read on a replica fit for this client (records never change: whose it is decides who sees it). */
  async get(actor: AuthUser, id: string): Promise<AuditLogResponse> {
    const row = await this.replicas.run(actor, (reader) => this.repository.findById(id, reader));
    if (!row) throw AppException.notFound();
    this.policy.assert(actor, 'audit.read', { userId: row.userId });
    return AuditLogResponse.from(row, actor);
  }

  /** The 000 ids of these records (for the 000 API, which shows integers), deleted ones included. */
  ids000(ids: string[]): Promise<Map<string, string>> {
    return this.repository.ids000(ids);
  }

  /** The canonical id behind a 000 id, or null. */
  idBy000(id000: string): Promise<string | null> {
    return this.repository.idBy000(id000);
  }

  /**
   * Checks every entry's hash and link to the one before, the sequence for gaps, and the chain head
   * the insert trigger keeps. Names the first broken entry. An audit read: on a replica fit for this
   * client (one that has replayed its writes), both queries on one connection.
   */
  async verifyChain(actor: AuthUser | null = null): Promise<ChainVerificationResponse> {
    const [broken, summary] = await this.replicas.run(actor, async (reader) => {
      const first = await this.repository.firstBrokenEntry(reader);
      return [first, await this.repository.chainSummary(reader)] as const;
    });
    const headSeq = Number(summary.head_seq);
    let firstBroken = broken ? { id: broken.id, seq: Number(broken.seq), reason: broken.reason } : null;
    // Entries removed from the end leave the head pointing past the last one.
    if (!firstBroken && (Number(summary.last_seq ?? 0) !== headSeq || (summary.last_hash ?? '0'.repeat(64)) !== summary.head_hash)) {
      firstBroken = { id: null, seq: Number(summary.last_seq ?? 0) + 1, reason: 'missing_entries' };
    }
    return { valid: firstBroken === null, checked: summary.checked, head_seq: headSeq, first_broken: firstBroken };
  }
}
