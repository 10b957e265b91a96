import type { AuditLogResponse } from '../audit-log/audit-log.response';
import type { BlacklistEntryResponse } from '../blacklist/blacklist-entry.response';
import { isUuid } from '../common/pipes/uuid-param.pipe';
import type { GroupResponse } from '../groups/group.response';
import type { OccupationResponse } from '../occupations/occupation.response';
import type { UserResponse } from '../users/user.response';
import type { Ids000, Kind000 } from './source-ids';

/**
 * The source systems' response shapes, built from the canonical responses (which have already
 * applied who-may-see-what). Pure functions: no rule lives here, only renaming, with the
 * source ids looked up beforehand (source-ids.ts).
 */

/** 003: the user flat, profile fields at the top level. */
export function user003(user: UserResponse): Record<string, unknown> {
  // source_ids is left out: the 003 API shows its own ids (the canonical UUIDs) only.
  const { profile, source_ids: _sourceIds, ...account } = user;
  return { ...account, ...profile };
}

/** 001: a user in the list of POST /api/queryall/; `user_id` is the user's 001 id (an ObjectId). */
export function userListItem001(
  user: UserResponse,
  ids001: Map<string, string>,
): { user_id: string; user_name: string; tel: string | null; email: string | null } {
  return { user_id: id001(user.id, ids001), user_name: user.username, tel: user.phone_number ?? null, email: user.email ?? null };
}

/** 001: the user of GET /api/query/:id. */
export function user001(
  user: UserResponse,
  ids001: Map<string, string>,
): { user_id: string; user_name: string; user_phone: string | null; user_email: string | null } {
  return {
    user_id: id001(user.id, ids001),
    user_name: user.username,
    user_phone: user.phone_number ?? null,
    user_email: user.email ?? null,
  };
}

function id001(id: string, ids001: Map<string, string>): string {
  const found = ids001.get(id);
  if (found === undefined) throw new Error(`no 001 id collected for user ${id}`);
  return found;
}

/** How a 000 answer is built: which records it names (to look their 000 ids up at once), and its shape given them. */
export interface Shape000<T> {
  refs(item: T): Partial<Record<Kind000, Array<string | null | undefined>>>;
  shape(item: T, ids: Ids000): Record<string, unknown>;
}

/**
 * 000: the canonical user with its 000 id, the occupation as its code, and the profile's phone under
 * the 000 name too. `source_ids` is left out: the 000 API shows its own ids only.
 */
export const USER_000: Shape000<UserResponse> = {
  refs: (user) => ({ user: [user.id], occupation: [user.profile.occupation?.id] }),
  shape: (user, ids) => {
    const { source_ids: _sourceIds, ...rest } = user;
    const shown: Record<string, unknown> = { ...rest, id: ids.of('user', user.id) };
    if (!('email' in user)) return shown;
    const occupation = user.profile.occupation
      ? { id: ids.of('occupation', user.profile.occupation.id), name: user.profile.occupation.name }
      : null;
    return { ...shown, profile: { ...user.profile, occupation, phone: user.phone_number ?? null } };
  },
};

/** 000: a group with its 000 id. */
export const GROUP_000: Shape000<GroupResponse> = {
  refs: (group) => ({ group: [group.id] }),
  shape: (group, ids) => ({ ...group, id: ids.of('group', group.id) }),
};

/** 000: an occupation; its 000 id is its code. */
export const OCCUPATION_000: Shape000<OccupationResponse> = {
  refs: (occupation) => ({ occupation: [occupation.id] }),
  shape: (occupation, ids) => ({ id: ids.of('occupation', occupation.id), name: occupation.name }),
};

/** 000: blacklist entries name the user `patient`; every id is a 000 id. */
export const BLACKLIST_ENTRY_000: Shape000<BlacklistEntryResponse> = {
  refs: (entry) => ({ blacklist: [entry.id], user: [entry.user, entry.operator, entry.removed_by] }),
  shape: (entry, ids) => ({
    id: ids.of('blacklist', entry.id),
    patient: ids.of('user', entry.user),
    join_time: entry.join_time,
    is_delete: entry.is_delete,
    reason: entry.reason,
    operator: ids.of('user', entry.operator),
    removed_at: entry.removed_at,
    removed_by: ids.of('user', entry.removed_by),
  }),
};

/** A blacklist entry named in an audit record's details (blacklisted, removed from blacklist). */
function entryIdOf(record: AuditLogResponse): string | null {
  const entryId = record.details?.entry_id;
  return isUuid(entryId) ? entryId : null;
}

/**
 * 000: audit records as the source listed them (plus the canonical extras), with 000 ids for the
 * record, its user and operator, and the blacklist entry its details name. Other ids in the details
 * (session_id, invitation_id) have no 000 kind and stay as they are.
 */
export const AUDIT_LOG_000: Shape000<AuditLogResponse> = {
  refs: (record) => ({ 'user-log': [record.id], user: [record.user, record.operator], blacklist: [entryIdOf(record)] }),
  shape: (record, ids) => {
    const entryId = entryIdOf(record);
    return {
      ...record,
      id: ids.of('user-log', record.id),
      user: ids.of('user', record.user),
      operator: ids.of('user', record.operator),
      details: entryId === null ? record.details : { ...record.details, entry_id: ids.find('blacklist', entryId) ?? entryId },
    };
  },
};
