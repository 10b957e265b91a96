import type { AuditLogResponse } from '../audit-log/audit-log.response';
import type { BlacklistEntryResponse } from '../blacklist/blacklist-entry.response';
import type { UserResponse } from '../users/user.response';

/**
 * The source systems' response shapes, built from the canonical responses (which have already
 * applied who-may-see-what). Pure functions: no rule lives here, only renaming.
 */

/** 003: the user flat, profile fields at the top level. */
export function user003(user: UserResponse): Record<string, unknown> {
  const { profile, ...account } = user;
  return { ...account, ...profile };
}

/** 001: a user in the list of POST /api/queryall/. */
export function userListItem001(user: UserResponse): { user_id: string; user_name: string; tel: string | null; email: string | null } {
  return { user_id: user.id, user_name: user.username, tel: user.phone_number ?? null, email: user.email ?? null };
}

/** 001: the user of GET /api/query/:id. */
export function user001(user: UserResponse): { user_id: string; user_name: string; user_phone: string | null; user_email: string | null } {
  return { user_id: user.id, user_name: user.username, user_phone: user.phone_number ?? null, user_email: user.email ?? null };
}

/** 000: the canonical user, with the profile's phone under the 000 name too. */
export function user000(user: UserResponse): Record<string, unknown> {
  if (!('email' in user)) return { ...user };
  return { ...user, profile: { ...user.profile, phone: user.phone_number ?? null } };
}

/** 000: blacklist entries name the user `patient`. */
export function blacklistEntry000(entry: BlacklistEntryResponse): Record<string, unknown> {
  const { user, ...rest } = entry;
  return {
    id: rest.id,
    patient: user,
    join_time: rest.join_time,
    is_delete: rest.is_delete,
    reason: rest.reason,
    operator: rest.operator,
    removed_at: rest.removed_at,
    removed_by: rest.removed_by,
  };
}

/** 000: audit records as the source listed them (plus the canonical extras). */
export function auditLog000(record: AuditLogResponse): Record<string, unknown> {
  return { ...record };
}
