import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { escapeLike, violatedUniqueConstraint } from '../common/database/errors';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { Page, PaginationQuery, toPage } from '../common/pagination/pagination';
import { hasAtLeast, requireRole } from '../common/policies/roles';
import { ListUsersQuery } from '../users/dto/list-users.query';
import { UserResponse } from '../users/user.response';
import { UsersService } from '../users/users.service';
import type { CreateGroupDto, ListGroupsQuery, UpdateGroupDto } from './dto/group.dto';
import { GroupMember } from './group-member.entity';
import { Group } from './group.entity';
import { GroupResponse, MembershipResponse } from './group.response';

const NAME_TAKEN = { en: 'A group with this name already exists', zh: '同名分组已存在' };
const NOT_DELETED = { en: 'The group is not deleted', zh: '该分组未被删除' };

@Injectable()
export class GroupsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
  ) {}

  private get groups() {
    return this.dataSource.getRepository(Group);
  }

  async list(actor: AuthUser, query: ListGroupsQuery): Promise<Page<GroupResponse>> {
    const deleted = query.deleted === 'true' || query.deleted === '1' ? 'only' : query.deleted === 'all' ? 'all' : 'none';
    if (deleted !== 'none') requireRole(actor, 'superadmin');
    const scope = (qb: SelectQueryBuilder<Group>): SelectQueryBuilder<Group> => {
      qb.withDeleted();
      if (deleted === 'none') qb.andWhere('g.deletedAt IS NULL');
      if (deleted === 'only') qb.andWhere('g.deletedAt IS NOT NULL');
      return qb;
    };
    const filtered = scope(this.groups.createQueryBuilder('g').where('true'));
    if (query.name) filtered.andWhere(`lower(g.name) LIKE :name ESCAPE '\\'`, { name: `%${escapeLike(query.name.toLowerCase())}%` });
    const [[rows, count], total] = await Promise.all([
      filtered.orderBy('g.name', 'ASC').addOrderBy('g.id', 'ASC').offset(query.offset).limit(query.limit).getManyAndCount(),
      scope(this.groups.createQueryBuilder('g').where('true')).getCount(),
    ]);
    return toPage(await this.withMemberCounts(rows, actor), count, total, query);
  }

  async get(actor: AuthUser, id: string): Promise<GroupResponse> {
    const group = await this.find(id, actor.role === 'superadmin');
    return (await this.withMemberCounts([group], actor))[0];
  }

  async create(actor: AuthUser, body: CreateGroupDto): Promise<GroupResponse> {
    requireRole(actor, 'admin');
    try {
      const inserted = await this.groups.insert({
        name: body.name,
        location: body.location ?? null,
        contactPhone: body.contact_phone ?? null,
        description: body.description ?? null,
      });
      return this.get(actor, (inserted.identifiers[0] as { id: string }).id);
    } catch (error) {
      throw this.nameConflict(error) ?? error;
    }
  }

  async update(actor: AuthUser, id: string, body: UpdateGroupDto): Promise<GroupResponse> {
    requireRole(actor, 'admin');
    await this.find(id);
    const set: Partial<Group> = {};
    if (body.name !== undefined) set.name = body.name;
    if (body.location !== undefined) set.location = body.location;
    if (body.contact_phone !== undefined) set.contactPhone = body.contact_phone;
    if (body.description !== undefined) set.description = body.description;
    if (Object.keys(set).length > 0) {
      try {
        await this.groups.update({ id }, set);
      } catch (error) {
        throw this.nameConflict(error) ?? error;
      }
    }
    return this.get(actor, id);
  }

  /** Soft delete; memberships stay, so a restore brings the group back whole. */
  async remove(actor: AuthUser, id: string): Promise<void> {
    requireRole(actor, 'admin');
    await this.find(id);
    await this.groups.softDelete({ id });
  }

  /** 40903 when the group is not deleted, or when another group took its name meanwhile. */
  async restore(actor: AuthUser, id: string): Promise<GroupResponse> {
    requireRole(actor, 'superadmin');
    const group = await this.find(id, true);
    if (!group.deletedAt) throw AppException.conflict(NOT_DELETED);
    try {
      await this.groups.restore({ id });
    } catch (error) {
      throw this.nameConflict(error) ?? error;
    }
    return this.get(actor, id);
  }

  /** Members: admin+ or a member of the group. A member sees fellow members' public card only. */
  async members(actor: AuthUser, id: string, page: PaginationQuery): Promise<Page<UserResponse>> {
    await this.find(id);
    if (!hasAtLeast(actor.role, 'admin') && !(await this.isMember(id, actor.id))) throw AppException.forbidden();
    return this.users.list(actor, Object.assign(new ListUsersQuery(), { page: page.page, limit: page.limit }), { group: id });
  }

  /** Idempotent: adding a member twice keeps one membership. 40401 for an unknown group or user. */
  async addMember(actor: AuthUser, groupId: string, userId: string): Promise<MembershipResponse> {
    requireRole(actor, 'admin');
    await this.find(groupId);
    await this.findUser(userId);
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(GroupMember)
      .values({ groupId, userId, addedBy: actor.id })
      .orIgnore()
      .execute();
    const member = await this.dataSource.getRepository(GroupMember).findOneOrFail({ where: { groupId, userId } });
    return MembershipResponse.from(member);
  }

  /** Idempotent too: removing someone who is not a member succeeds. 40401 for an unknown group or user. */
  async removeMember(actor: AuthUser, groupId: string, userId: string): Promise<void> {
    requireRole(actor, 'admin');
    await this.find(groupId);
    await this.findUser(userId);
    await this.dataSource.getRepository(GroupMember).delete({ groupId, userId });
  }

  /** The groups a user belongs to: the user themself or admin+. */
  async groupsOf(actor: AuthUser, userId: string, page: PaginationQuery): Promise<Page<GroupResponse>> {
    if (actor.id !== userId && !hasAtLeast(actor.role, 'admin')) throw AppException.forbidden();
    await this.findUser(userId);
    const memberOf = (qb: SelectQueryBuilder<Group>): SelectQueryBuilder<Group> =>
      qb.innerJoin(GroupMember, 'gm', 'gm.group_id = g.id AND gm.user_id = :userId', { userId }).where('g.deletedAt IS NULL');
    const [rows, count] = await memberOf(this.groups.createQueryBuilder('g'))
      .orderBy('g.name', 'ASC')
      .addOrderBy('g.id', 'ASC')
      .offset(page.offset)
      .limit(page.limit)
      .getManyAndCount();
    return toPage(await this.withMemberCounts(rows, actor), count, count, page);
  }

  async isMember(groupId: string, userId: string): Promise<boolean> {
    return this.dataSource.getRepository(GroupMember).exists({ where: { groupId, userId } });
  }

  /** Member counts for a page of groups in one query (no N+1); deleted users do not count. */
  private async withMemberCounts(groups: Group[], actor: AuthUser): Promise<GroupResponse[]> {
    if (groups.length === 0) return [];
    const rows: Array<{ group_id: string; members: number }> = await this.dataSource.query(
      `SELECT gm.group_id, count(*)::int AS members
         FROM group_members gm JOIN users u ON u.id = gm.user_id AND u.deleted_at IS NULL
        WHERE gm.group_id = ANY($1::uuid[])
        GROUP BY gm.group_id`,
      [groups.map((group) => group.id)],
    );
    const counts = new Map(rows.map((row) => [row.group_id, row.members]));
    return groups.map((group) => GroupResponse.from(group, counts.get(group.id) ?? 0, actor.role === 'superadmin'));
  }

  private async find(id: string, withDeleted = false): Promise<Group> {
    const group = await this.groups.findOne({ where: { id }, withDeleted });
    if (!group) throw AppException.notFound();
    return group;
  }

  private async findUser(id: string): Promise<void> {
    if (!(await this.users.findById(id))) throw AppException.notFound({ en: 'User not found', zh: '用户不存在' });
  }

  private nameConflict(error: unknown): AppException | undefined {
    return violatedUniqueConstraint(error) === 'groups_name_lower_active_key' ? AppException.conflict(NAME_TAKEN) : undefined;
  }
}
