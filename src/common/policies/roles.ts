import type { Role } from '../../config/app-config';
import { AppException } from '../errors/app.exception';

export const ROLES: readonly Role[] = ['user', 'admin', 'superadmin'];

const RANK: Record<Role, number> = { user: 0, admin: 1, superadmin: 2 };

export function roleRank(role: Role): number {
  return RANK[role];
}

export function hasAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** The lower-role rule: an actor may manage a target only when the target's role is strictly lower. */
export function outranks(actor: Role, target: Role): boolean {
  return RANK[actor] > RANK[target];
}

/**
 * The role floor of a feature operation, checked by the service itself so that every API serving it
 * (canonical and source-compatible) applies the same rule.
 */
export function requireRole(actor: { role: Role }, minimum: Role): void {
  if (!hasAtLeast(actor.role, minimum)) throw AppException.forbidden();
}
