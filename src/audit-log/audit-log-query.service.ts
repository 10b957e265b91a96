import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { Page, toPage } from '../common/pagination/pagination';
import { hasAtLeast, requireRole } from '../common/policies/roles';
import { UsersService } from '../users/users.service';
import { AuditLog } from './audit-log.entity';
import { AuditLogResponse, ChainVerificationResponse } from './audit-log.response';
import { AuditLogFilters, ListAuditLogsQuery } from './dto/list-audit-logs.query';

/** Reads the audit log for the routes of every API: lists, single records and the chain check. */
@Injectable()
export class AuditLogQueryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
  ) {}

  /** The whole log, newest first (admin+); `count` matches the filters, `total` is the whole log. */
  async list(actor: AuthUser, query: ListAuditLogsQuery): Promise<Page<AuditLogResponse>> {
    requireRole(actor, 'admin');
    return this.page(query);
  }

  /**
   * One user's records: the user themself or admin+ (deleted users' records stay readable); `total`
   * counts that user's records. A user reading their own records does not see the address and
   * browser of staff who acted on them.
   */
  async listForUser(actor: AuthUser, userId: string, filters: AuditLogFilters): Promise<Page<AuditLogResponse>> {
    if (actor.id !== userId) requireRole(actor, 'admin');
    if (!(await this.users.findById(userId, { withDeleted: true }))) throw AppException.notFound();
    const page = await this.page(Object.assign(new ListAuditLogsQuery(), filters, { user: userId }), userId);
    if (hasAtLeast(actor.role, 'admin')) return page;
    const data = page.data.map((record) => (record.operator === actor.id ? record : { ...record, ip: null, user_agent: null }));
    return { ...page, data };
  }

  private async page(query: ListAuditLogsQuery, collectionUser?: string): Promise<Page<AuditLogResponse>> {
    const repository = this.dataSource.getRepository(AuditLog);
    const filtered = this.applyFilters(repository.createQueryBuilder('a'), query);
    const [[rows, count], total] = await Promise.all([
      filtered.orderBy('a.seq', 'DESC').offset(query.offset).limit(query.limit).getManyAndCount(),
      collectionUser ? repository.count({ where: { userId: collectionUser } }) : repository.count(),
    ]);
    return toPage(rows.map(AuditLogResponse.from), count, total, query);
  }

  async get(actor: AuthUser, id: string): Promise<AuditLogResponse> {
    requireRole(actor, 'admin');
    const row = await this.dataSource.getRepository(AuditLog).findOne({ where: { id } });
    if (!row) throw AppException.notFound();
    return AuditLogResponse.from(row);
  }

  private applyFilters(qb: SelectQueryBuilder<AuditLog>, query: ListAuditLogsQuery): SelectQueryBuilder<AuditLog> {
    qb.where('true');
    if (query.user !== undefined) qb.andWhere('a.userId = :user', { user: query.user });
    if (query.operator !== undefined) qb.andWhere('a.operatorId = :operator', { operator: query.operator });
    if (query.operation !== undefined) qb.andWhere('a.operation = :operation', { operation: query.operation });
    if (query.ip !== undefined) qb.andWhere('a.ip = :ip', { ip: query.ip });
    if (query.from !== undefined) qb.andWhere('a.operateTime >= :from', { from: new Date(query.from) });
    if (query.to !== undefined) qb.andWhere('a.operateTime < :to', { to: new Date(query.to) });
    return qb;
  }

  /**
   * Recomputes every entry's hash with the same database function the insert trigger uses and checks
   * each link to the entry before, the sequence for gaps, and the chain head. Names the first broken entry.
   */
  async verifyChain(actor: AuthUser): Promise<ChainVerificationResponse> {
    requireRole(actor, 'admin');
    const [broken]: Array<{ id: string | null; seq: string; reason: string }> = await this.dataSource.query(`
      WITH chain AS (
        SELECT id, seq, hash, prev_hash,
               audit_entry_hash(seq, id, user_id, operator_id, operation, ip, user_agent, details, operate_time, prev_hash) AS computed,
               lag(hash) OVER (ORDER BY seq) AS previous_hash,
               lag(seq) OVER (ORDER BY seq) AS previous_seq
          FROM audit_logs
      )
      SELECT id, seq,
             CASE WHEN seq <> coalesce(previous_seq, 0) + 1 THEN 'missing_entries'
                  WHEN computed <> hash THEN 'hash_mismatch'
                  ELSE 'broken_link' END AS reason
        FROM chain
       WHERE seq <> coalesce(previous_seq, 0) + 1
          OR computed <> hash
          OR prev_hash <> coalesce(previous_hash, repeat('0', 64))
       ORDER BY seq
       LIMIT 1`);
    const [summary]: Array<{ checked: number; last_seq: string | null; last_hash: string | null; head_seq: string; head_hash: string }> =
      await this.dataSource.query(`
        SELECT (SELECT count(*)::int FROM audit_logs) AS checked,
               last.seq AS last_seq, last.hash AS last_hash, head.seq AS head_seq, head.hash AS head_hash
          FROM audit_chain_head head
          LEFT JOIN LATERAL (SELECT seq, hash FROM audit_logs ORDER BY seq DESC LIMIT 1) last ON true`);
    const headSeq = Number(summary.head_seq);
    let firstBroken = broken ? { id: broken.id, seq: Number(broken.seq), reason: broken.reason } : null;
    // Entries removed from the end leave the head pointing past the last one.
    if (!firstBroken && (Number(summary.last_seq ?? 0) !== headSeq || (summary.last_hash ?? '0'.repeat(64)) !== summary.head_hash)) {
      firstBroken = { id: null, seq: Number(summary.last_seq ?? 0) + 1, reason: 'missing_entries' };
    }
    return { valid: firstBroken === null, checked: summary.checked, head_seq: headSeq, first_broken: firstBroken };
  }
}
