import { mayActOnUser, mayAssignRole, UserAction } from '../../src/users/user-access.policy';
import type { Role } from '../../src/config/app-config';

const actor = (role: Role, id = `${role}-actor`) => ({ id, role });
const target = (role: Role, id = `${role}-target`) => ({ id, role });
const superadminOnly = { deleteMinRole: 'superadmin' as Role };
const adminMay = { deleteMinRole: 'admin' as Role };

describe('mayActOnUser (the lower-role rule)', () => {
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
    expect(mayActOnUser(actor(actorRole), target(targetRole), action, superadminOnly)).toBe(expected);
  });

  it('lets everyone view and update themselves, but never change their own role or state, reset or delete themselves', () => {
    for (const role of ['user', 'admin', 'superadmin'] as Role[]) {
      const me = { id: 'me', role };
      expect(mayActOnUser(me, me, 'view', superadminOnly)).toBe(true);
      expect(mayActOnUser(me, me, 'update', superadminOnly)).toBe(true);
      for (const action of ['change-role', 'change-state', 'reset-password', 'delete', 'restore'] as UserAction[]) {
        expect(mayActOnUser(me, me, action, adminMay)).toBe(false);
      }
    }
  });

  it('lets admins delete and restore lower roles only when USER_DELETE_MIN_ROLE=admin', () => {
    expect(mayActOnUser(actor('admin'), target('user'), 'delete', adminMay)).toBe(true);
    expect(mayActOnUser(actor('admin'), target('user'), 'restore', adminMay)).toBe(true);
    expect(mayActOnUser(actor('admin'), target('admin'), 'delete', adminMay)).toBe(false);
    expect(mayActOnUser(actor('user'), target('user'), 'delete', adminMay)).toBe(false);
  });
});

describe('mayAssignRole', () => {
  it.each<[Role, Role, boolean]>([
    ['admin', 'user', true],
    ['admin', 'admin', false],
    ['admin', 'superadmin', false],
    ['superadmin', 'admin', true],
    ['superadmin', 'superadmin', true],
    ['user', 'user', false],
  ])('%s giving %s -> %s', (actorRole, role, expected) => {
    expect(mayAssignRole(actor(actorRole), role)).toBe(expected);
  });
});
