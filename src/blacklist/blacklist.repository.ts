import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import type { Role } from '../config/app-config';
import type { Reader } from '../database/read-replicas';
import type { Tx } from '../database/transactions';
import { User } from '../users/user.entity';
import { BlacklistEntry } from './blacklist-entry.entity';

/** The black_list table. */
@Injectable()
export class BlacklistRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get entries() {
    return this.dataSource.getRepository(BlacklistEntry);
  }

  /** Inserts an active entry; the partial unique index black_list_active_user_key refuses a second one. */
  async insert(tx: Tx, entry: { userId: string; reason: string; operatorId: string }): Promise<string> {
    const inserted = await tx.insert(BlacklistEntry, entry);
    return (inserted.identifiers[0] as { id: string }).id;
  }

  /** Marks an active entry removed; false when it was not active. */
  async markRemoved(tx: Tx, id: string, removedBy: string): Promise<boolean> {
    const result: [unknown[], number] = await tx.query(
      `UPDATE black_list SET is_delete = 1, removed_at = now(), removed_by = $2 WHERE id = $1 AND is_delete = 0`,
      [id, removedBy],
    );
    return result[1] > 0;
  }

  findById(id: string): Promise<BlacklistEntry | null> {
    return this.entries.findOne({ where: { id } });
  }

  /** The 000 ids (the 000 API's integers, as pg's bigint strings) of these entries, deleted ones included. */
  async ids000(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; id_000: string }> = await this.dataSource.query(
      `SELECT id, id_000 FROM black_list WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.id_000]));
  }

  /** The canonical id of the record with this 000 id (deleted ones included), or null. */
  async idBy000(id000: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM black_list WHERE id_000 = $1::bigint`, [id000]);
    return rows[0]?.id ?? null;
  }

  findActiveFor(userId: string): Promise<BlacklistEntry | null> {
    return this.entries.findOne({ where: { userId, isDelete: 0 } });
  }

  /** A page of the entries of users with one of `roles`; `count` with the filters, `total` without. `reader`: a replica (ReadReplicas) or the primary. */
  async page(
    roles: Role[],
    filters: { isDelete: number; user?: string },
    offset: number,
    limit: number,
    reader: Reader = this.dataSource.manager,
  ): Promise<{ rows: BlacklistEntry[]; count: number; total: number }> {
    const entries = reader.getRepository(BlacklistEntry);
    const visible = (qb: SelectQueryBuilder<BlacklistEntry>): SelectQueryBuilder<BlacklistEntry> =>
      qb.innerJoin(User, 'u', 'u.id = b.user_id').where('u.role IN (:...roles)', { roles });
    if (roles.length === 0) return { rows: [], count: 0, total: 0 };
    const filtered = visible(entries.createQueryBuilder('b')).andWhere('b.isDelete = :isDelete', { isDelete: filters.isDelete });
    if (filters.user !== undefined) filtered.andWhere('b.userId = :user', { user: filters.user });
    const [[rows, count], total] = await Promise.all([
      filtered.orderBy('b.joinTime', 'DESC').addOrderBy('b.id', 'DESC').offset(offset).limit(limit).getManyAndCount(),
      visible(entries.createQueryBuilder('b')).getCount(),
    ]);
    return { rows, count, total };
  }
}
