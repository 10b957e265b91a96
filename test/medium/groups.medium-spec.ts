import type { AuthUser } from '../../src/common/decorators/auth.decorators';
import { ErrorCode } from '../../src/common/errors/error-codes';
import { PaginationQuery } from '../../src/common/pagination/pagination';
import { ListGroupsQuery } from '../../src/groups/dto/group.dto';
import { GroupsService } from '../../src/groups/groups.service';
import { createMedium, errorCodeOf, Medium } from '../support/medium';

const page = (): PaginationQuery => Object.assign(new PaginationQuery(), { page: 1, limit: 100 });

describe('GroupsService (medium)', () => {
  let medium: Medium;
  let groups: GroupsService;
  let superadmin: AuthUser;
  let admin: AuthUser;
  let member: AuthUser;
  let outsider: AuthUser;

  beforeAll(async () => {
    medium = await createMedium();
    groups = medium.get(GroupsService);
    [superadmin, admin, member, outsider] = await Promise.all([
      medium.user({ role: 'superadmin' }),
      medium.user({ role: 'admin' }),
      medium.user(),
      medium.user(),
    ]);
  });
  afterAll(() => medium?.dispose());

  const newGroup = async (name = `Group ${Math.random().toString(36).slice(2)}`) => groups.create(admin, { name });

  describe('members', () => {
    it('shows the members to staff and to members, refuses other users (40301)', async () => {
      const group = await newGroup();
      await groups.addMember(admin, group.id, member.id);
      for (const viewer of [admin, superadmin, member]) {
        const list = await groups.members(viewer, group.id, page());
        expect(list.data.map((user) => user.id)).toEqual([member.id]);
      }
      expect(await errorCodeOf(groups.members(outsider, group.id, page()))).toBe(ErrorCode.FORBIDDEN_ROLE);
    });

    it('answers 40401 for an unknown group before deciding who may see it', async () => {
      expect(await errorCodeOf(groups.members(outsider, '00000000-0000-4000-8000-000000000001', page()))).toBe(ErrorCode.NOT_FOUND);
    });

    it('lets staff add and remove members, idempotently; users may not', async () => {
      const group = await newGroup();
      const first = await groups.addMember(admin, group.id, outsider.id);
      const again = await groups.addMember(superadmin, group.id, outsider.id);
      expect(again).toEqual(first);
      expect(first.added_by).toBe(admin.id);
      expect((await groups.get(member, group.id)).member_count).toBe(1);
      expect(await errorCodeOf(groups.addMember(member, group.id, member.id))).toBe(ErrorCode.FORBIDDEN_ROLE);
      expect(await errorCodeOf(groups.removeMember(member, group.id, outsider.id))).toBe(ErrorCode.FORBIDDEN_ROLE);
      await groups.removeMember(admin, group.id, outsider.id);
      await groups.removeMember(admin, group.id, outsider.id);
      expect((await groups.get(member, group.id)).member_count).toBe(0);
      expect(await errorCodeOf(groups.addMember(admin, group.id, '00000000-0000-4000-8000-000000000002'))).toBe(ErrorCode.NOT_FOUND);
    });

    it('does not count deleted users as members', async () => {
      const group = await newGroup();
      const gone = await medium.user();
      await groups.addMember(admin, group.id, gone.id);
      await groups.addMember(admin, group.id, member.id);
      expect((await groups.get(admin, group.id)).member_count).toBe(2);
      await medium.sql(`UPDATE users SET deleted_at = now() WHERE id = $1`, [gone.id]);
      expect((await groups.get(admin, group.id)).member_count).toBe(1);
    });
  });

  describe("a user's groups", () => {
    it('shows them to the user themself and to staff, not to other users', async () => {
      const group = await newGroup();
      await groups.addMember(admin, group.id, member.id);
      const own = await groups.groupsOf(member, member.id, page());
      expect(own.data.map((g) => g.id)).toContain(group.id);
      expect((await groups.groupsOf(admin, member.id, page())).count).toBe(own.count);
      expect(await errorCodeOf(groups.groupsOf(outsider, member.id, page()))).toBe(ErrorCode.FORBIDDEN_ROLE);
      expect(await errorCodeOf(groups.groupsOf(admin, '00000000-0000-4000-8000-000000000003', page()))).toBe(ErrorCode.NOT_FOUND);
    });
  });

  describe('deleted groups', () => {
    it('exist only for superadmins, who see deleted_at; others get 40401', async () => {
      const group = await newGroup();
      expect(group).not.toHaveProperty('deleted_at');
      expect(await groups.get(superadmin, group.id)).toHaveProperty('deleted_at', null);
      await groups.remove(admin, group.id);
      expect((await groups.get(superadmin, group.id)).deleted_at).toEqual(expect.any(String));
      expect(await errorCodeOf(groups.get(admin, group.id))).toBe(ErrorCode.NOT_FOUND);
      expect(await errorCodeOf(groups.get(member, group.id))).toBe(ErrorCode.NOT_FOUND);
    });

    it('lists deleted groups and restores them only for superadmins', async () => {
      const group = await newGroup();
      await groups.remove(admin, group.id);
      const deleted = Object.assign(new ListGroupsQuery(), { page: 1, limit: 100, deleted: 'true' });
      expect((await groups.list(superadmin, deleted)).data.map((g) => g.id)).toContain(group.id);
      expect(await errorCodeOf(groups.list(admin, deleted))).toBe(ErrorCode.FORBIDDEN_ROLE);
      expect(await errorCodeOf(groups.restore(admin, group.id))).toBe(ErrorCode.FORBIDDEN_ROLE);
      expect((await groups.restore(superadmin, group.id)).deleted_at).toBeNull();
      expect(await errorCodeOf(groups.restore(superadmin, group.id))).toBe(ErrorCode.CONFLICT);
    });

    it('refuses a name another live group has, case-insensitively (40903)', async () => {
      const group = await newGroup();
      expect(await errorCodeOf(groups.create(admin, { name: group.name.toUpperCase() }))).toBe(ErrorCode.CONFLICT);
    });
  });
});
