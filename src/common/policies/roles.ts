import type { Role } from '../../config/app-config';

export const ROLES: readonly Role[] = ['user', 'admin', 'superadmin'];

const RANK: Record<Role, number> = { user: 0, admin: 1, superadmin: 2 };

/** The role order user < admin < superadmin. Only the policies compare roles. */
export function hasAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** The lower-role rule: an actor may manage a target only when the target's role is strictly lower. */
export function outranks(actor: Role, target: Role): boolean {
  return RANK[actor] > RANK[target];
}
