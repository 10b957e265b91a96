import { Injectable } from '@nestjs/common';
import { violatedUniqueConstraint } from '../common/database/errors';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { Page, PaginationQuery, toPage } from '../common/pagination/pagination';
import { AccessPolicy } from '../common/policies/access-policy.service';
import { ListUsersQuery } from '../users/dto/list-users.query';
import { UserResponse } from '../users/user.response';
import { ReadReplicas, Reader } from '../database/read-replicas';
import { UsersService } from '../users/users.service';
import type { CreateGroupDto, ListGroupsQuery, UpdateGroupDto } from './dto/group.dto';
import { Group } from './group.entity';
import { GroupResponse, MembershipResponse } from './group.response';
import { DeletedScope, GroupFields, GroupsRepository } from './groups.repository';

const NAME_TAKEN = { en: 'A group with this name already exists', zh: '同名分组已存在' };
const NOT_DELETED = { en: 'The group is not deleted', zh: '该分组未被删除' };

/**
 * Groups and their members. Role floors are on the routes (@Authenticated); the record-level rules
 * (deleted groups, who sees members, who manages them) are asked of the AccessPolicy.
 */
@Injectable()
export class GroupsService {
  constructor(
    private readonly repository: GroupsRepository,
    private readonly users: UsersService,
    private readonly policy: AccessPolicy,
    private readonly replicas: ReadReplicas,
  ) {}

  /** `deleted` (true/1 only deleted, all both) needs `group.read-deleted`. */
  async list(actor: AuthUser, query: ListGroupsQuery): Promise<Page<GroupResponse>> {
    const deleted: DeletedScope = query.deleted === 'true' || query.deleted === '1' ? 'only' : query.deleted === 'all' ? 'all' : 'none';
    if (deleted !== 'none') this.policy.assert(actor, 'group.read-deleted', null);
    // A list: a replica fit for this client answers it (ReadReplicas), its member counts included.
    return this.replicas.run(actor, async (reader) => {
      const { rows, count, total } = await this.repository.page({ name: query.name, deleted }, query, reader);
      return toPage(await this.withMemberCounts(rows, actor, reader), count, total, query);
    });
  }

  /** Any signed-in user; a deleted group exists only for those who may read deleted groups. */
  async get(actor: AuthUser, id: string): Promise<GroupResponse> {
    const group = await this.find(id, this.policy.can(actor, 'group.read-deleted', null));
    return (await this.withMemberCounts([group], actor))[0];
  }

  /** The 000 ids of these groups (for the 000 API, which shows integers), deleted ones included. */
  ids000(ids: string[]): Promise<Map<string, string>> {
    return this.repository.ids000(ids);
  }

  /** The canonical id behind a 000 id, or null. */
  idBy000(id000: string): Promise<string | null> {
    return this.repository.idBy000(id000);
  }

  async create(actor: AuthUser, body: CreateGroupDto): Promise<GroupResponse> {
    const id = await this.mapNameConflict(() =>
      this.repository.insert({
        name: body.name,
        location: body.location ?? null,
        contactPhone: body.contact_phone ?? null,
        description: body.description ?? null,
      }),
    );
    return this.get(actor, id);
  }

  async update(actor: AuthUser, id: string, body: UpdateGroupDto): Promise<GroupResponse> {
    await this.find(id);
    const set: GroupFields = {};
    if (body.name !== undefined) set.name = body.name;
    if (body.location !== undefined) set.location = body.location;
    if (body.contact_phone !== undefined) set.contactPhone = body.contact_phone;
    if (body.description !== undefined) set.description = body.description;
    if (Object.keys(set).length > 0) await this.mapNameConflict(() => this.repository.update(id, set));
    return this.get(actor, id);
  }

  /** Soft delete; memberships stay, so a restore brings the group back whole. */
  async remove(_actor: AuthUser, id: string): Promise<void> {
    await this.find(id);
    await this.repository.softDelete(id);
  }

  /** 40903 when the group is not deleted, or when another group took its name meanwhile. */
  async restore(actor: AuthUser, id: string): Promise<GroupResponse> {
    this.policy.assert(actor, 'group.read-deleted', null);
    const group = await this.find(id, true);
    if (!group.deletedAt) throw AppException.conflict(NOT_DELETED);
    await this.mapNameConflict(() => this.repository.restore(id));
    return this.get(actor, id);
  }

  /** Members: staff, or a member of the group (who sees fellow members' public card only). */
  async members(actor: AuthUser, id: string, page: PaginationQuery): Promise<Page<UserResponse>> {
    await this.find(id);
    this.policy.assert(actor, 'group.read-members', { isMember: await this.repository.isMember(id, actor.id) });
    return this.users.list(actor, Object.assign(new ListUsersQuery(), { page: page.page, limit: page.limit }), { group: id });
  }

  /** Idempotent: adding a member twice keeps one membership. 40401 for an unknown group or user. */
  async addMember(actor: AuthUser, groupId: string, userId: string): Promise<MembershipResponse> {
    this.policy.assert(actor, 'group.manage-members', null);
    await this.find(groupId);
    await this.findUser(userId);
    return MembershipResponse.from(await this.repository.addMember({ groupId, userId, addedBy: actor.id }));
  }

  /** Idempotent too: removing someone who is not a member succeeds. 40401 for an unknown group or user. */
  async removeMember(actor: AuthUser, groupId: string, userId: string): Promise<void> {
    this.policy.assert(actor, 'group.manage-members', null);
    await this.find(groupId);
    await this.findUser(userId);
    await this.repository.removeMember(groupId, userId);
  }

  /** The live groups a user belongs to: whoever may read that user (the user themself, staff). */
  async groupsOf(actor: AuthUser, userId: string, page: PaginationQuery): Promise<Page<GroupResponse>> {
    // Who may read that user is decided on the primary; the list itself is read on a fit replica.
    await this.users.findReadable(actor, userId);
    return this.replicas.run(actor, async (reader) => {
      const { rows, count, total } = await this.repository.pageOfMember(userId, page, reader);
      return toPage(await this.withMemberCounts(rows, actor, reader), count, total, page);
    });
  }

  private async withMemberCounts(groups: Group[], viewer: AuthUser, reader?: Reader): Promise<GroupResponse[]> {
    const counts = await this.repository.memberCounts(
      groups.map((group) => group.id),
      reader,
    );
    return groups.map((group) => GroupResponse.from(group, counts.get(group.id) ?? 0, viewer));
  }

  private async find(id: string, withDeleted = false): Promise<Group> {
    const group = await this.repository.findById(id, { withDeleted });
    if (!group) throw AppException.notFound();
    return group;
  }

  private async findUser(id: string): Promise<{ id: string; role: AuthUser['role'] }> {
    const user = await this.users.findById(id);
    if (!user) throw AppException.notFound({ en: 'User not found', zh: '用户不存在' });
    return user;
  }

  /** 40903 for the unique name among live groups; other errors unchanged. */
  private async mapNameConflict<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (violatedUniqueConstraint(error) === 'groups_name_lower_active_key') throw AppException.conflict(NAME_TAKEN);
      throw error;
    }
  }
}
