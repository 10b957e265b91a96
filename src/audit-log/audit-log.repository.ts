import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import type { Reader } from '../database/read-replicas';
import type { Tx } from '../database/transactions';
import { AuditLog } from './audit-log.entity';
import { AuditOperation } from './audit-operation';
import type { ImportedAuditEntry } from './audit-log.service';

/** What a list of audit records is narrowed by (every field optional). */
export interface AuditLogFilter {
  user?: string;
  operator?: string;
  operation?: number;
  ip?: string;
  /** ISO-8601, inclusive. */
  from?: string;
  /** ISO-8601, exclusive. */
  to?: string;
}

/** The first entry whose hash or link does not hold, as the database recomputes them. */
export interface BrokenEntryRow {
  id: string | null;
  seq: string;
  reason: string;
}

/** The number of entries, the last entry and the chain head the insert trigger keeps. */
export interface ChainSummaryRow {
  checked: number;
  last_seq: string | null;
  last_hash: string | null;
  head_seq: string;
  head_hash: string;
}

/**
 * The SQL of the audit_logs table, for AuditLogService (the only writer) and the read routes. The
 * database refuses UPDATE and DELETE on the table; a trigger assigns seq, operate_time and the hashes.
 */
@Injectable()
export class AuditLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private records(tx?: Tx | Reader) {
    return (tx ?? this.dataSource.manager).getRepository(AuditLog);
  }

  async insert(values: Pick<AuditLog, 'operation' | 'userId' | 'operatorId' | 'ip' | 'userAgent' | 'details'>, tx?: Tx): Promise<void> {
    await this.records(tx).insert(values);
  }

  /** One statement for many imported entries; source, id_000 and operate_time as given (migration ImportedHistory). */
  async insertImported(entries: ImportedAuditEntry[], tx: Tx): Promise<void> {
    const rows = entries.map((entry) => ({
      operation: entry.operation,
      user_id: entry.userId,
      operator_id: entry.operatorId,
      ip: entry.ip,
      details: entry.details,
      source: entry.source?.system ?? null,
      id_000: entry.source?.id000 ?? null,
      operate_time: entry.source?.operateTime.toISOString() ?? null,
    }));
    // One lock of the chain's head and one INSERT for the batch (migration 1795248000000), not the trigger's per row.
    await tx.query(`SELECT audit_logs_append_batch($1::jsonb)`, [JSON.stringify(rows)]);
  }

  async releaseId000s(ids: string[], tx: Tx): Promise<void> {
    if (ids.length === 0) return;
    await tx.query(
      `UPDATE audit_logs SET id_000 = nextval('audit_logs_id_000_seq') WHERE id_000 = ANY($1::bigint[]) AND source IS DISTINCT FROM '000'`,
      [ids],
    );
  }

  async importedId000s(ids: string[], tx?: Tx): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await (tx ?? this.dataSource.manager).query(
      `SELECT id_000::text AS id FROM audit_logs WHERE id_000 = ANY($1::bigint[]) AND source = '000'`,
      [ids],
    );
    return new Set(rows.map((row) => row.id));
  }

  async raiseId000Sequence(max: string, tx: Tx): Promise<void> {
    await tx.query(
      `SELECT setval('audit_logs_id_000_seq', greatest((SELECT last_value FROM audit_logs_id_000_seq), $1::bigint, (SELECT coalesce(max(id_000), 1) FROM audit_logs)))`,
      [max],
    );
  }

  /** Newest first. `count` matches the filters; `total` is the whole log, or `totalOfUser`'s records when given. */
  async page(
    filter: AuditLogFilter,
    slice: { offset: number; limit: number },
    totalOfUser?: string,
    reader: Reader = this.dataSource.manager,
  ): Promise<{ rows: AuditLog[]; count: number; total: number }> {
    const [[rows, count], total] = await Promise.all([
      this.filtered(filter, reader).orderBy('a.seq', 'DESC').offset(slice.offset).limit(slice.limit).getManyAndCount(),
      totalOfUser ? this.records(reader).count({ where: { userId: totalOfUser } }) : this.records(reader).count(),
    ]);
    return { rows, count, total };
  }

  findById(id: string, reader?: Reader): Promise<AuditLog | null> {
    return this.records(reader).findOne({ where: { id } });
  }

  /** The 000 ids (the 000 API's integers, as pg's bigint strings) of these records, deleted ones included. */
  async ids000(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; id_000: string }> = await this.dataSource.query(
      `SELECT id, id_000 FROM audit_logs WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.id_000]));
  }

  /** The canonical id of the record with this 000 id (deleted ones included), or null. */
  async idBy000(id000: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM audit_logs WHERE id_000 = $1::bigint`, [id000]);
    return rows[0]?.id ?? null;
  }

  /** When the user's state was last changed to `toState` (details.to), or null. */
  async lastStateChange(userId: string, toState: number): Promise<Date | null> {
    const rows: Array<{ operate_time: Date }> = await this.dataSource.query(
      `SELECT operate_time FROM audit_logs
        WHERE user_id = $1 AND operation = $2 AND details->>'to' = $3
        ORDER BY seq DESC LIMIT 1`,
      [userId, AuditOperation.STATE_CHANGED, String(toState)],
    );
    return rows[0]?.operate_time ?? null;
  }

  /**
   * Recomputes every entry's hash with the same database function the insert trigger uses and checks
   * each link to the entry before and the sequence for gaps: the first entry that fails, or null.
   */
  async firstBrokenEntry(reader: Reader = this.dataSource.manager): Promise<BrokenEntryRow | null> {
    const [broken]: BrokenEntryRow[] = await reader.query(`
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
    return broken ?? null;
  }

  async chainSummary(reader: Reader = this.dataSource.manager): Promise<ChainSummaryRow> {
    const [summary]: ChainSummaryRow[] = await reader.query(`
      SELECT (SELECT count(*)::int FROM audit_logs) AS checked,
             last.seq AS last_seq, last.hash AS last_hash, head.seq AS head_seq, head.hash AS head_hash
        FROM audit_chain_head head
        LEFT JOIN LATERAL (SELECT seq, hash FROM audit_logs ORDER BY seq DESC LIMIT 1) last ON true`);
    return summary;
  }

  private filtered(filter: AuditLogFilter, reader?: Reader): SelectQueryBuilder<AuditLog> {
    const qb = this.records(reader).createQueryBuilder('a').where('true');
    if (filter.user !== undefined) qb.andWhere('a.userId = :user', { user: filter.user });
    if (filter.operator !== undefined) qb.andWhere('a.operatorId = :operator', { operator: filter.operator });
    if (filter.operation !== undefined) qb.andWhere('a.operation = :operation', { operation: filter.operation });
    if (filter.ip !== undefined) qb.andWhere('a.ip = :ip', { ip: filter.ip });
    if (filter.from !== undefined) qb.andWhere('a.operateTime >= :from', { from: new Date(filter.from) });
    if (filter.to !== undefined) qb.andWhere('a.operateTime < :to', { to: new Date(filter.to) });
    return qb;
  }
}
