import type { Role } from '../config/app-config';
import { hasAtLeast, outranks } from '../common/policies/roles';

export type UserAction = 'view' | 'update' | 'change-role' | 'change-state' | 'reset-password' | 'delete' | 'restore';

export interface Actor {
  id: string;
  role: Role;
}

export interface Target {
  id: string;
  role: Role;
}

export interface UserPolicyOptions {
  /** USER_DELETE_MIN_ROLE: who may delete and restore (admins only on lower roles). */
  deleteMinRole: Role;
}

/**
 * The one place that decides who may act on whom. Superadmins act on anyone but themselves for
 * role, state, password resets and deletion; admins act only on users of a lower role; users act
 * only on their own account and profile.
 */
export function mayActOnUser(actor: Actor, target: Target, action: UserAction, options: UserPolicyOptions): boolean {
  const self = actor.id === target.id;
  const superadmin = actor.role === 'superadmin';
  const staffOverTarget = hasAtLeast(actor.role, 'admin') && (superadmin || outranks(actor.role, target.role));
  switch (action) {
    case 'view':
      return self || hasAtLeast(actor.role, 'admin');
    case 'update':
      return self || staffOverTarget;
    case 'change-role':
      return superadmin && !self;
    case 'change-state':
    case 'reset-password':
      return !self && staffOverTarget;
    case 'delete':
    case 'restore':
      return !self && hasAtLeast(actor.role, options.deleteMinRole) && staffOverTarget;
  }
}

/** Which role a caller may give a new or existing account: admins only make users. */
export function mayAssignRole(actor: Actor, role: Role): boolean {
  return role === 'user' ? hasAtLeast(actor.role, 'admin') : actor.role === 'superadmin';
}
