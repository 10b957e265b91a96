import { randomUUID } from 'node:crypto';
import { createUserWithRole, registerUser, signInRoles, TestUser, uniqueUsername } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

describe('Groups', () => {
  let service: RunningService;
  let superadmin: TestUser;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    service = await startService();
    ({ superadmin, admin, user } = await signInRoles(service.http));
  });
  afterAll(() => service?.dispose());

  const newGroup = async (overrides: Record<string, unknown> = {}): Promise<any> => {
    const response = await service.http.post(
      '/api/v1/groups',
      { name: `Group ${uniqueUsername('g')}`, location: 'Floor 3', contact_phone: '13800000000', ...overrides },
      { token: admin.token },
    );
    expectEnvelope(response, 201);
    return response.body.data;
  };

  describe('create, read, update', () => {
    it('lets an admin create a group (201) with member_count 0', async () => {
      const group = await newGroup({ description: 'Heart doctors' });
      expect(group).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          location: 'Floor 3',
          contact_phone: '13800000000',
          description: 'Heart doctors',
          member_count: 0,
          created_at: expect.any(String),
        }),
      );
    });

    it('refuses a duplicate name, case-insensitively (40903)', async () => {
      const group = await newGroup();
      expectEnvelope(await service.http.post('/api/v1/groups', { name: group.name.toUpperCase() }, { token: admin.token }), 409, 40903);
    });

    it('refuses users (40301), anonymous callers (40101) and bad input (40001)', async () => {
      expectEnvelope(await service.http.post('/api/v1/groups', { name: 'Nope group' }, { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.post('/api/v1/groups', { name: 'Nope group' }), 401, 40101);
      expectEnvelope(await service.http.post('/api/v1/groups', { name: '' }, { token: admin.token }), 400, 40001);
      expectEnvelope(
        await service.http.post('/api/v1/groups', { name: 'x', contact_phone: 'call me' }, { token: admin.token }),
        400,
        40001,
      );
      expectEnvelope(await service.http.post('/api/v1/groups', { name: 'x'.repeat(101) }, { token: admin.token }), 400, 40001);
    });

    it('lists and reads groups for any signed-in user, filtered by name', async () => {
      const tag = uniqueUsername('t');
      await newGroup({ name: `${tag} one` });
      await newGroup({ name: `${tag} two` });
      const list = await service.http.get(`/api/v1/groups?name=${tag.toUpperCase()}`, { token: user.token });
      expectEnvelope(list, 200);
      expect(list.body.data.count).toBe(2);
      expect(list.body.data.total).toBeGreaterThanOrEqual(2);
      expect(list.body.data.data.map((group: { name: string }) => group.name)).toEqual([`${tag} one`, `${tag} two`]);
      const one = await service.http.get(`/api/v1/groups/${list.body.data.data[0].id}`, { token: user.token });
      expectEnvelope(one, 200);
      expectEnvelope(await service.http.get('/api/v1/groups'), 401, 40101);
      expectEnvelope(await service.http.get(`/api/v1/groups/${randomUUID()}`, { token: user.token }), 404, 40401);
      expectEnvelope(await service.http.get('/api/v1/groups?limit=500', { token: user.token }), 400, 40001);
    });

    it('lets an admin update a group; 40903 on a taken name, 40401 for an unknown one, 40301 for users', async () => {
      const [group, other] = await Promise.all([newGroup(), newGroup()]);
      const updated = await service.http.patch(
        `/api/v1/groups/${group.id}`,
        { location: null, description: 'New' },
        { token: admin.token },
      );
      expectEnvelope(updated, 200);
      expect(updated.body.data).toEqual(expect.objectContaining({ location: null, description: 'New', name: group.name }));
      expectEnvelope(await service.http.patch(`/api/v1/groups/${group.id}`, { name: other.name }, { token: admin.token }), 409, 40903);
      expectEnvelope(await service.http.patch(`/api/v1/groups/${randomUUID()}`, { name: 'x' }, { token: admin.token }), 404, 40401);
      expectEnvelope(await service.http.patch(`/api/v1/groups/${group.id}`, { name: 'x' }, { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.patch(`/api/v1/groups/${group.id}`, { name: null }, { token: admin.token }), 400, 40001);
    });
  });

  describe('membership', () => {
    it('adds members idempotently, counts them, lists them, and removes them', async () => {
      const group = await newGroup();
      const [a, b] = await Promise.all([registerUser(service.http), registerUser(service.http)]);
      const added = await service.http.put(`/api/v1/groups/${group.id}/users/${a.id}`, undefined, { token: admin.token });
      expectEnvelope(added, 200);
      expect(added.body.data).toEqual(expect.objectContaining({ group_id: group.id, user_id: a.id, added_by: admin.id }));
      expectEnvelope(await service.http.put(`/api/v1/groups/${group.id}/users/${a.id}`, undefined, { token: admin.token }), 200);
      expectEnvelope(await service.http.put(`/api/v1/groups/${group.id}/users/${b.id}`, undefined, { token: superadmin.token }), 200);
      expect((await service.http.get(`/api/v1/groups/${group.id}`, { token: user.token })).body.data.member_count).toBe(2);

      const members = await service.http.get(`/api/v1/groups/${group.id}/users`, { token: admin.token });
      expectEnvelope(members, 200);
      expect(members.body.data.count).toBe(2);
      expect(members.body.data.total).toBe(2);
      expect(members.body.data.data.map((m: { id: string }) => m.id).sort()).toEqual([a.id, b.id].sort());

      expectEnvelope(await service.http.delete(`/api/v1/groups/${group.id}/users/${a.id}`, { token: admin.token }), 200);
      expectEnvelope(await service.http.delete(`/api/v1/groups/${group.id}/users/${a.id}`, { token: admin.token }), 200);
      expect((await service.http.get(`/api/v1/groups/${group.id}`, { token: user.token })).body.data.member_count).toBe(1);
    });

    it('answers 40401 for an unknown group or user, 40301 for users, 40001 for malformed ids', async () => {
      const group = await newGroup();
      expectEnvelope(
        await service.http.put(`/api/v1/groups/${randomUUID()}/users/${user.id}`, undefined, { token: admin.token }),
        404,
        40401,
      );
      expectEnvelope(
        await service.http.put(`/api/v1/groups/${group.id}/users/${randomUUID()}`, undefined, { token: admin.token }),
        404,
        40401,
      );
      expectEnvelope(await service.http.delete(`/api/v1/groups/${group.id}/users/${randomUUID()}`, { token: admin.token }), 404, 40401);
      expectEnvelope(await service.http.put(`/api/v1/groups/${group.id}/users/${user.id}`, undefined, { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.delete(`/api/v1/groups/${group.id}/users/${user.id}`, { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.put(`/api/v1/groups/${group.id}/users/bad`, undefined, { token: admin.token }), 400, 40001);
      expectEnvelope(await service.http.put(`/api/v1/groups/${group.id}/users/${user.id}`), 401, 40101);
    });

    it('shows the members to a member (public card only) but not to a non-member', async () => {
      const group = await newGroup();
      const [member, other, outsider] = await Promise.all([
        registerUser(service.http),
        registerUser(service.http),
        registerUser(service.http),
      ]);
      await service.http.put(`/api/v1/groups/${group.id}/users/${member.id}`, undefined, { token: admin.token });
      await service.http.put(`/api/v1/groups/${group.id}/users/${other.id}`, undefined, { token: admin.token });
      const asMember = await service.http.get(`/api/v1/groups/${group.id}/users`, { token: member.token });
      expectEnvelope(asMember, 200);
      const card = asMember.body.data.data.find((m: { id: string }) => m.id === other.id);
      expect(Object.keys(card).sort()).toEqual(['id', 'profile', 'source_ids', 'username']);
      expect(card).not.toHaveProperty('email');
      const self = asMember.body.data.data.find((m: { id: string }) => m.id === member.id);
      expect(self.email).toBe(member.email);
      expectEnvelope(await service.http.get(`/api/v1/groups/${group.id}/users`, { token: outsider.token }), 403, 40301);
      expectEnvelope(await service.http.get(`/api/v1/groups/${randomUUID()}/users`, { token: admin.token }), 404, 40401);
    });

    it("lists a user's groups for the user themself and admin+, and filters GET /users by group", async () => {
      const [g1, g2] = await Promise.all([newGroup(), newGroup()]);
      const member = await registerUser(service.http);
      await service.http.put(`/api/v1/groups/${g1.id}/users/${member.id}`, undefined, { token: admin.token });
      await service.http.put(`/api/v1/groups/${g2.id}/users/${member.id}`, undefined, { token: admin.token });
      const mine = await service.http.get(`/api/v1/users/${member.id}/groups`, { token: member.token });
      expectEnvelope(mine, 200);
      expect(mine.body.data.count).toBe(2);
      expect(mine.body.data.data.every((group: { member_count: number }) => group.member_count === 1)).toBe(true);
      expectEnvelope(await service.http.get(`/api/v1/users/${member.id}/groups`, { token: admin.token }), 200);
      expectEnvelope(await service.http.get(`/api/v1/users/${member.id}/groups`, { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.get(`/api/v1/users/${randomUUID()}/groups`, { token: admin.token }), 404, 40401);

      const filtered = await service.http.get(`/api/v1/users?group=${g1.id}`, { token: admin.token });
      expect(filtered.body.data.data.map((row: { id: string }) => row.id)).toEqual([member.id]);
    });
  });

  describe('delete and restore', () => {
    it('soft-deletes a group (admin+) and restores it whole (superadmin)', async () => {
      const group = await newGroup();
      const member = await registerUser(service.http);
      await service.http.put(`/api/v1/groups/${group.id}/users/${member.id}`, undefined, { token: admin.token });
      expectEnvelope(await service.http.delete(`/api/v1/groups/${group.id}`, { token: admin.token }), 200);
      expectEnvelope(await service.http.get(`/api/v1/groups/${group.id}`, { token: admin.token }), 404, 40401);
      expect((await service.http.get(`/api/v1/users/${member.id}/groups`, { token: member.token })).body.data.count).toBe(0);
      const deletedList = await service.http.get('/api/v1/groups?deleted=true&limit=100', { token: superadmin.token });
      expect(deletedList.body.data.data.map((g: { id: string }) => g.id)).toContain(group.id);
      expectEnvelope(await service.http.get('/api/v1/groups?deleted=true', { token: admin.token }), 403, 40301);

      expectEnvelope(await service.http.post(`/api/v1/groups/${group.id}/restore`, undefined, { token: admin.token }), 403, 40301);
      const restored = await service.http.post(`/api/v1/groups/${group.id}/restore`, undefined, { token: superadmin.token });
      expectEnvelope(restored, 200);
      expect(restored.body.data.member_count).toBe(1);
      expectEnvelope(await service.http.post(`/api/v1/groups/${group.id}/restore`, undefined, { token: superadmin.token }), 409, 40903);
    });

    it('frees the name of a deleted group, and refuses a restore while the name is taken (40903)', async () => {
      const group = await newGroup();
      await service.http.delete(`/api/v1/groups/${group.id}`, { token: admin.token });
      await newGroup({ name: group.name });
      expectEnvelope(await service.http.post(`/api/v1/groups/${group.id}/restore`, undefined, { token: superadmin.token }), 409, 40903);
    });

    it('refuses users (40301) and unknown groups (40401)', async () => {
      const group = await newGroup();
      expectEnvelope(await service.http.delete(`/api/v1/groups/${group.id}`, { token: user.token }), 403, 40301);
      expectEnvelope(await service.http.delete(`/api/v1/groups/${randomUUID()}`, { token: admin.token }), 404, 40401);
      expectEnvelope(await service.http.post(`/api/v1/groups/${randomUUID()}/restore`, undefined, { token: superadmin.token }), 404, 40401);
    });
  });

  it('counts only members who are not deleted', async () => {
    const group = await newGroup();
    const [kept, gone] = await Promise.all([registerUser(service.http), createUserWithRole(service.http, 'user', superadmin.token)]);
    await service.http.put(`/api/v1/groups/${group.id}/users/${kept.id}`, undefined, { token: admin.token });
    await service.http.put(`/api/v1/groups/${group.id}/users/${gone.id}`, undefined, { token: admin.token });
    await service.http.delete(`/api/v1/users/${gone.id}`, { token: superadmin.token });
    expect((await service.http.get(`/api/v1/groups/${group.id}`, { token: admin.token })).body.data.member_count).toBe(1);
  });
});
