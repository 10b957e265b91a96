import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { escapeLike } from '../common/database/errors';
import type { Reader } from '../database/read-replicas';
import type { Tx } from '../database/transactions';
import { GroupMember } from './group-member.entity';
import { Group } from './group.entity';

/** Which groups a list covers: live ones (the default), deleted ones only, or both. */
export type DeletedScope = 'none' | 'only' | 'all';

export interface GroupSlice {
  offset: number;
  limit: number;
}

export interface GroupPage {
  rows: Group[];
  /** Rows matching the filters, over all pages. */
  count: number;
  /** Rows in the collection without filters. */
  total: number;
}

export type GroupFields = Partial<Pick<Group, 'name' | 'location' | 'contactPhone' | 'description'>>;

/** The SQL of the groups and group_members tables; errors are the database's own (unique violations included). */
@Injectable()
export class GroupsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private groups(tx?: Tx | Reader) {
    return (tx ?? this.dataSource.manager).getRepository(Group);
  }

  private members(tx?: Tx) {
    return (tx ?? this.dataSource.manager).getRepository(GroupMember);
  }

  /** A page of groups by name; `count` matches the name filter, `total` is the scope without it. `reader`: a replica (ReadReplicas) or the primary. */
  async page(filter: { name?: string; deleted: DeletedScope }, slice: GroupSlice, reader?: Reader): Promise<GroupPage> {
    const scope = (qb: SelectQueryBuilder<Group>): SelectQueryBuilder<Group> => {
      qb.withDeleted().where('true');
      if (filter.deleted === 'none') qb.andWhere('g.deletedAt IS NULL');
      if (filter.deleted === 'only') qb.andWhere('g.deletedAt IS NOT NULL');
      return qb;
    };
    const filtered = scope(this.groups(reader).createQueryBuilder('g'));
    if (filter.name) filtered.andWhere(`lower(g.name) LIKE :name ESCAPE '\\'`, { name: `%${escapeLike(filter.name.toLowerCase())}%` });
    const [[rows, count], total] = await Promise.all([
      filtered.orderBy('g.name', 'ASC').addOrderBy('g.id', 'ASC').offset(slice.offset).limit(slice.limit).getManyAndCount(),
      scope(this.groups(reader).createQueryBuilder('g')).getCount(),
    ]);
    return { rows, count, total };
  }

  /** The live groups a user belongs to, by name; `count` and `total` are the same number. */
  async pageOfMember(userId: string, slice: GroupSlice, reader?: Reader): Promise<GroupPage> {
    const [rows, count] = await this.groups(reader)
      .createQueryBuilder('g')
      .innerJoin(GroupMember, 'gm', 'gm.group_id = g.id AND gm.user_id = :userId', { userId })
      .where('g.deletedAt IS NULL')
      .orderBy('g.name', 'ASC')
      .addOrderBy('g.id', 'ASC')
      .offset(slice.offset)
      .limit(slice.limit)
      .getManyAndCount();
    return { rows, count, total: count };
  }

  findById(id: string, options: { withDeleted?: boolean } = {}): Promise<Group | null> {
    return this.groups().findOne({ where: { id }, withDeleted: options.withDeleted ?? false });
  }

  /** The 000 ids (the 000 API's integers, as pg's bigint strings) of these groups, deleted ones included. */
  async ids000(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; id_000: string }> = await this.dataSource.query(
      `SELECT id, id_000 FROM groups WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.id_000]));
  }

  /** The canonical id of the record with this 000 id (deleted ones included), or null. */
  async idBy000(id000: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM groups WHERE id_000 = $1::bigint`, [id000]);
    return rows[0]?.id ?? null;
  }

  /** Inserts a group and answers its id. */
  async insert(fields: Required<GroupFields>, tx?: Tx): Promise<string> {
    const inserted = await this.groups(tx).insert(fields);
    return (inserted.identifiers[0] as { id: string }).id;
  }

  async update(id: string, fields: GroupFields, tx?: Tx): Promise<void> {
    await this.groups(tx).update({ id }, fields);
  }

  async softDelete(id: string, tx?: Tx): Promise<void> {
    await this.groups(tx).softDelete({ id });
  }

  async restore(id: string, tx?: Tx): Promise<void> {
    await this.groups(tx).restore({ id });
  }

  /**
   * Member counts for a page of groups in one query (no N+1). Deleted users do not count: the join
   * reads users.deleted_at, the one column of another module's table this count depends on.
   */
  async memberCounts(groupIds: string[], reader: Reader = this.dataSource.manager): Promise<Map<string, number>> {
    if (groupIds.length === 0) return new Map();
    const rows: Array<{ group_id: string; members: number }> = await reader.query(
      `SELECT gm.group_id, count(*)::int AS members
         FROM group_members gm JOIN users u ON u.id = gm.user_id AND u.deleted_at IS NULL
        WHERE gm.group_id = ANY($1::uuid[])
        GROUP BY gm.group_id`,
      [groupIds],
    );
    return new Map(rows.map((row) => [row.group_id, row.members]));
  }

  isMember(groupId: string, userId: string): Promise<boolean> {
    return this.members().exists({ where: { groupId, userId } });
  }

  /** Adds a membership unless it exists (the first one is kept) and answers the stored one. */
  async addMember(member: Pick<GroupMember, 'groupId' | 'userId' | 'addedBy'>, tx?: Tx): Promise<GroupMember> {
    const manager = tx ?? this.dataSource.manager;
    await manager.createQueryBuilder().insert().into(GroupMember).values(member).orIgnore().execute();
    return this.members(tx).findOneOrFail({ where: { groupId: member.groupId, userId: member.userId } });
  }

  async removeMember(groupId: string, userId: string, tx?: Tx): Promise<void> {
    await this.members(tx).delete({ groupId, userId });
  }
}
