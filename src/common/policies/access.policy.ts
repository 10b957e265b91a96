import type { Role } from '../../config/app-config';
import { hasAtLeast, outranks } from './roles';

/** Who is acting: the signed-in caller (only the id and role count here). */
export interface Actor {
  id: string;
  role: Role;
}

/** A loaded user, as far as a decision needs it. */
export interface UserTarget {
  id: string;
  role: Role;
}

/** Rules that come from configuration. */
export interface AccessRules {
  /** USER_DELETE_MIN_ROLE: who may delete and restore users (admins only on lower roles). */
  deleteMinRole: Role;
}

/**
 * Every "may this actor do this to that record" question, with the record it is asked about. The
 * target is always the loaded record (or the part of it that decides), never an invented one.
 */
export interface Checks {
  /** Pass a route's role floor (@Authenticated({ role })): the guard asks this. */
  'route.enter': { floor: Role };
  /** Read a user's record, groups and audit trail. */
  'user.read': UserTarget;
  /** Read users other than oneself (and so learn whether an id exists). */
  'user.read-others': null;
  /** Read users that are soft-deleted (lists with `deleted`, a deleted user's record). */
  'user.read-deleted': null;
  'user.update': UserTarget;
  'user.change-role': UserTarget;
  'user.change-state': UserTarget;
  'user.reset-password': UserTarget;
  /** Send the user a password-reset link (POST /users/:id/password-reset); oneself uses /auth/password/forgot. */
  'user.send-password-reset': UserTarget;
  'user.delete': UserTarget;
  'user.restore': UserTarget;
  /** Give a new or existing account this role. */
  'user.assign-role': { role: Role };
  /** See why a user cannot log in. */
  'user.read-login-status': UserTarget;
  /** Add, read or remove a blacklist entry of this user; a list shows only such entries. */
  'blacklist.manage': { role: Role };
  /** Read, restore or list soft-deleted groups. */
  'group.read-deleted': null;
  /** List a group's members. */
  'group.read-members': { isMember: boolean };
  /** Add or remove a member. */
  'group.manage-members': null;
  /** Read one audit record (the whole log is a staff view). */
  'audit.read': { userId: string | null };
  /** See the network address and browser of an audit record about oneself. */
  'audit.read-client': { operatorId: string | null };
  /** End one of the actor's own sessions. */
  'session.revoke': { userId: string };
  /** Create, list or revoke invitations. */
  'invitation.manage': null;
  /** Import a source system's export, or export the users. */
  'import.run': null;
  /** Remove every second factor of this user (and end their sessions): staff over the user, never oneself. */
  'mfa.reset': UserTarget;
}

export type Action = keyof Checks;

/** Without configuration, the strictest reading (response classes deciding fields need no rules). */
const STRICTEST: AccessRules = { deleteMinRole: 'superadmin' };

const isStaff = (actor: Actor): boolean => hasAtLeast(actor.role, 'admin');

/** Staff over the target: superadmins over anyone, admins over lower roles. */
const staffOver = (actor: Actor, target: { role: Role }): boolean =>
  isStaff(actor) && (actor.role === 'superadmin' || outranks(actor.role, target.role));

/**
 * The one table of who may do what to whom. Roles are ordered user < admin < superadmin; staff act
 * only on users of a lower role (superadmins on anyone but themselves for role, state, password
 * and deletion); users act only on their own account.
 */
export function can<A extends Action>(actor: Actor, action: A, target: Checks[A], rules: AccessRules = STRICTEST): boolean {
  const check = { action, target } as { [K in Action]: { action: K; target: Checks[K] } }[Action];
  const self = (id: string): boolean => actor.id === id;
  switch (check.action) {
    case 'route.enter':
      return hasAtLeast(actor.role, check.target.floor);
    case 'user.read':
      return self(check.target.id) || isStaff(actor);
    case 'user.read-others':
      return isStaff(actor);
    case 'user.read-deleted':
    case 'group.read-deleted':
    case 'invitation.manage':
    case 'import.run':
      return actor.role === 'superadmin';
    case 'user.update':
      return self(check.target.id) || staffOver(actor, check.target);
    case 'user.change-role':
      return actor.role === 'superadmin' && !self(check.target.id);
    case 'user.change-state':
    case 'user.reset-password':
    case 'user.send-password-reset':
    case 'mfa.reset':
      return !self(check.target.id) && staffOver(actor, check.target);
    case 'user.delete':
    case 'user.restore':
      return !self(check.target.id) && hasAtLeast(actor.role, rules.deleteMinRole) && staffOver(actor, check.target);
    case 'user.assign-role':
      return check.target.role === 'user' ? isStaff(actor) : actor.role === 'superadmin';
    case 'user.read-login-status':
    case 'group.manage-members':
      return isStaff(actor);
    case 'blacklist.manage':
      return isStaff(actor) && outranks(actor.role, check.target.role);
    case 'group.read-members':
      return isStaff(actor) || check.target.isMember;
    case 'audit.read':
      return isStaff(actor) || (check.target.userId !== null && self(check.target.userId));
    case 'audit.read-client':
      return isStaff(actor) || (check.target.operatorId !== null && self(check.target.operatorId));
    case 'session.revoke':
      return self(check.target.userId);
  }
}

/** Roles whose users' blacklist entries the actor may manage (for list filters). */
export function manageableBlacklistRoles(actor: Actor, roles: readonly Role[], rules: AccessRules): Role[] {
  return roles.filter((role) => can(actor, 'blacklist.manage', { role }, rules));
}
