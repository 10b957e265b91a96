import type { Role } from '../../src/config/app-config';
import { AccessRules, Action, Actor, can, Checks, manageableBlacklistRoles } from '../../src/common/policies/access.policy';

const ROLES: Role[] = ['user', 'admin', 'superadmin'];
const actor = (role: Role, id = `${role}-actor`): Actor => ({ id, role });
const target = (role: Role, id = `${role}-target`) => ({ id, role });
const superadminOnly: AccessRules = { deleteMinRole: 'superadmin' };
const adminMay: AccessRules = { deleteMinRole: 'admin' };

/** [for a user actor, for an admin, for a superadmin]. */
type ByActor = [boolean, boolean, boolean];

/**
 * The whole table, one entry per action (the Record type makes a new action fail to compile until it
 * is listed here): each case is a target and what each actor role gets.
 */
const TABLE: { [A in Action]: Array<{ name: string; target: (self: Actor) => Checks[A]; expected: ByActor; rules?: AccessRules }> } = {
  'route.enter': ROLES.map((floor) => ({
    name: `floor ${floor}`,
    target: () => ({ floor }),
    expected: [floor === 'user', floor !== 'superadmin', true],
  })),
  'user.read': [
    { name: 'another user', target: () => target('user'), expected: [false, true, true] },
    { name: 'another admin', target: () => target('admin'), expected: [false, true, true] },
    { name: 'another superadmin', target: () => target('superadmin'), expected: [false, true, true] },
    { name: 'oneself', target: (self) => self, expected: [true, true, true] },
  ],
  'user.read-others': [{ name: 'any', target: () => null, expected: [false, true, true] }],
  'user.read-deleted': [{ name: 'any', target: () => null, expected: [false, false, true] }],
  'user.update': [
    { name: 'another user', target: () => target('user'), expected: [false, true, true] },
    { name: 'another admin', target: () => target('admin'), expected: [false, false, true] },
    { name: 'another superadmin', target: () => target('superadmin'), expected: [false, false, true] },
    { name: 'oneself', target: (self) => self, expected: [true, true, true] },
  ],
  'user.change-role': [
    { name: 'another user', target: () => target('user'), expected: [false, false, true] },
    { name: 'another admin', target: () => target('admin'), expected: [false, false, true] },
    { name: 'another superadmin', target: () => target('superadmin'), expected: [false, false, true] },
    { name: 'oneself', target: (self) => self, expected: [false, false, false] },
  ],
  'user.change-state': [
    { name: 'another user', target: () => target('user'), expected: [false, true, true] },
    { name: 'another admin', target: () => target('admin'), expected: [false, false, true] },
    { name: 'another superadmin', target: () => target('superadmin'), expected: [false, false, true] },
    { name: 'oneself', target: (self) => self, expected: [false, false, false] },
  ],
  'user.reset-password': [
    { name: 'another user', target: () => target('user'), expected: [false, true, true] },
    { name: 'another admin', target: () => target('admin'), expected: [false, false, true] },
    { name: 'another superadmin', target: () => target('superadmin'), expected: [false, false, true] },
    { name: 'oneself', target: (self) => self, expected: [false, false, false] },
  ],
  'user.send-password-reset': [
    { name: 'another user', target: () => target('user'), expected: [false, true, true] },
    { name: 'another admin', target: () => target('admin'), expected: [false, false, true] },
    { name: 'another superadmin', target: () => target('superadmin'), expected: [false, false, true] },
    { name: 'oneself', target: (self) => self, expected: [false, false, false] },
  ],
  'mfa.reset': [
    { name: 'another user', target: () => target('user'), expected: [false, true, true] },
    { name: 'another admin', target: () => target('admin'), expected: [false, false, true] },
    { name: 'another superadmin', target: () => target('superadmin'), expected: [false, false, true] },
    { name: 'oneself', target: (self) => self, expected: [false, false, false] },
  ],
  'user.delete': [
    { name: 'another user', target: () => target('user'), expected: [false, false, true] },
    { name: 'another admin', target: () => target('admin'), expected: [false, false, true] },
    { name: 'another superadmin', target: () => target('superadmin'), expected: [false, false, true] },
    { name: 'oneself', target: (self) => self, expected: [false, false, false] },
    { name: 'another user, admins may delete', target: () => target('user'), expected: [false, true, true], rules: adminMay },
    { name: 'another admin, admins may delete', target: () => target('admin'), expected: [false, false, true], rules: adminMay },
    { name: 'oneself, admins may delete', target: (self) => self, expected: [false, false, false], rules: adminMay },
  ],
  'user.restore': [
    { name: 'another user', target: () => target('user'), expected: [false, false, true] },
    { name: 'another admin', target: () => target('admin'), expected: [false, false, true] },
    { name: 'another superadmin', target: () => target('superadmin'), expected: [false, false, true] },
    { name: 'oneself', target: (self) => self, expected: [false, false, false] },
    { name: 'another user, admins may restore', target: () => target('user'), expected: [false, true, true], rules: adminMay },
    { name: 'another admin, admins may restore', target: () => target('admin'), expected: [false, false, true], rules: adminMay },
  ],
  'user.assign-role': [
    { name: 'role user', target: () => ({ role: 'user' }), expected: [false, true, true] },
    { name: 'role admin', target: () => ({ role: 'admin' }), expected: [false, false, true] },
    { name: 'role superadmin', target: () => ({ role: 'superadmin' }), expected: [false, false, true] },
  ],
  'user.read-login-status': [
    { name: 'another user', target: () => target('user'), expected: [false, true, true] },
    { name: 'another admin', target: () => target('admin'), expected: [false, true, true] },
    { name: 'another superadmin', target: () => target('superadmin'), expected: [false, true, true] },
    { name: 'oneself', target: (self) => self, expected: [false, true, true] },
  ],
  'blacklist.manage': [
    { name: "a user's entry", target: () => ({ role: 'user' }), expected: [false, true, true] },
    { name: "an admin's entry", target: () => ({ role: 'admin' }), expected: [false, false, true] },
    { name: "a superadmin's entry", target: () => ({ role: 'superadmin' }), expected: [false, false, false] },
  ],
  'group.read-deleted': [{ name: 'any', target: () => null, expected: [false, false, true] }],
  'group.read-members': [
    { name: 'a group one belongs to', target: () => ({ isMember: true }), expected: [true, true, true] },
    { name: 'a group one does not belong to', target: () => ({ isMember: false }), expected: [false, true, true] },
  ],
  'group.manage-members': [{ name: 'any', target: () => null, expected: [false, true, true] }],
  'audit.read': [
    { name: 'a record about oneself', target: (self) => ({ userId: self.id }), expected: [true, true, true] },
    { name: 'a record about another user', target: () => ({ userId: 'someone-else' }), expected: [false, true, true] },
    { name: 'a record about nobody', target: () => ({ userId: null }), expected: [false, true, true] },
  ],
  'audit.read-client': [
    { name: 'a record of what one did', target: (self) => ({ operatorId: self.id }), expected: [true, true, true] },
    { name: 'a record of what someone else did', target: () => ({ operatorId: 'someone-else' }), expected: [false, true, true] },
    { name: 'a record without operator', target: () => ({ operatorId: null }), expected: [false, true, true] },
  ],
  'session.revoke': [
    { name: 'one of one’s own sessions', target: (self) => ({ userId: self.id }), expected: [true, true, true] },
    { name: "someone else's session", target: () => ({ userId: 'someone-else' }), expected: [false, false, false] },
  ],
  'invitation.manage': [{ name: 'any', target: () => null, expected: [false, false, true] }],
  'import.run': [{ name: 'any', target: () => null, expected: [false, false, true] }],
};

describe('can(): the access table', () => {
  const cases = (Object.keys(TABLE) as Action[]).flatMap((action) =>
    (TABLE[action] as Array<{ name: string; target: (self: Actor) => unknown; expected: ByActor; rules?: AccessRules }>).flatMap((row) =>
      ROLES.map((role, index) => [action, row.name, role, row.expected[index], row] as const),
    ),
  );

  it.each(cases)('%s on %s: a %s -> %s', (action, _name, role, expected, row) => {
    const me = actor(role);
    expect(can(me, action, row.target(me) as never, row.rules)).toBe(expected);
  });

  it('covers every action with a case for every actor role', () => {
    for (const action of Object.keys(TABLE) as Action[]) expect(TABLE[action].length).toBeGreaterThan(0);
  });

  it('defaults to the strictest rules: only superadmins delete and restore', () => {
    expect(can(actor('admin'), 'user.delete', target('user'))).toBe(false);
    expect(can(actor('admin'), 'user.delete', target('user'), superadminOnly)).toBe(false);
    expect(can(actor('admin'), 'user.delete', target('user'), adminMay)).toBe(true);
  });

  it('lists the blacklist roles an actor may manage', () => {
    expect(manageableBlacklistRoles(actor('user'), ROLES, superadminOnly)).toEqual([]);
    expect(manageableBlacklistRoles(actor('admin'), ROLES, superadminOnly)).toEqual(['user']);
    expect(manageableBlacklistRoles(actor('superadmin'), ROLES, superadminOnly)).toEqual(['user', 'admin']);
  });
});

/** The cases of the former user-access policy (mayActOnUser, mayAssignRole), as can() answers them. */
describe('can() on users: the lower-role rule', () => {
  const ACTION = {
    view: 'user.read',
    update: 'user.update',
    'change-role': 'user.change-role',
    'change-state': 'user.change-state',
    'reset-password': 'user.reset-password',
    delete: 'user.delete',
    restore: 'user.restore',
  } as const;
  type UserAction = keyof typeof ACTION;

  it.each<[Role, Role, UserAction, boolean]>([
    ['user', 'user', 'view', false],
    ['admin', 'superadmin', 'view', true],
    ['admin', 'user', 'update', true],
    ['admin', 'admin', 'update', false],
    ['admin', 'superadmin', 'update', false],
    ['superadmin', 'superadmin', 'update', true],
    ['user', 'user', 'update', false],
    ['admin', 'user', 'change-role', false],
    ['superadmin', 'admin', 'change-role', true],
    ['admin', 'user', 'change-state', true],
    ['admin', 'admin', 'change-state', false],
    ['superadmin', 'admin', 'change-state', true],
    ['admin', 'user', 'reset-password', true],
    ['admin', 'user', 'delete', false],
    ['superadmin', 'user', 'delete', true],
    ['superadmin', 'superadmin', 'delete', true],
    ['admin', 'user', 'restore', false],
  ])('%s on another %s: %s -> %s', (actorRole, targetRole, action, expected) => {
    expect(can(actor(actorRole), ACTION[action], target(targetRole), superadminOnly)).toBe(expected);
  });

  it('lets everyone view and update themselves, but never change their own role or state, reset or delete themselves', () => {
    for (const role of ROLES) {
      const me = { id: 'me', role };
      expect(can(me, 'user.read', me, superadminOnly)).toBe(true);
      expect(can(me, 'user.update', me, superadminOnly)).toBe(true);
      for (const action of ['change-role', 'change-state', 'reset-password', 'delete', 'restore'] as UserAction[]) {
        expect(can(me, ACTION[action], me, adminMay)).toBe(false);
      }
    }
  });

  it('lets admins delete and restore lower roles only when USER_DELETE_MIN_ROLE=admin', () => {
    expect(can(actor('admin'), 'user.delete', target('user'), adminMay)).toBe(true);
    expect(can(actor('admin'), 'user.restore', target('user'), adminMay)).toBe(true);
    expect(can(actor('admin'), 'user.delete', target('admin'), adminMay)).toBe(false);
    expect(can(actor('user'), 'user.delete', target('user'), adminMay)).toBe(false);
  });

  it.each<[Role, Role, boolean]>([
    ['admin', 'user', true],
    ['admin', 'admin', false],
    ['admin', 'superadmin', false],
    ['superadmin', 'admin', true],
    ['superadmin', 'superadmin', true],
    ['user', 'user', false],
  ])('user.assign-role: %s giving %s -> %s', (actorRole, role, expected) => {
    expect(can(actor(actorRole), 'user.assign-role', { role })).toBe(expected);
  });
});
