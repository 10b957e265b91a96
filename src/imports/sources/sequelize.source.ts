import { MalformedExportError, UserBundle } from './import-record';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One row of the 003 `users` table. The UUID stays the user's id, `state` is kept, a row with
 * `deleted_at` comes in soft-deleted. The table has no roles: every row is a user.
 */
export function sequelizeBundle(row: unknown): UserBundle {
  if (!row || typeof row !== 'object' || Array.isArray(row)) throw new MalformedExportError('each element of a 003 export is a row object');
  const r = row as Record<string, unknown>;
  const id = typeof r.id === 'string' && UUID.test(r.id) ? r.id.toLowerCase() : undefined;
  const blank = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? null : (value ?? null));
  return {
    user: {
      sourceId: id ?? String(r.id ?? '').slice(0, 40),
      id,
      username: r.username,
      email: typeof r.email === 'string' ? r.email.trim().toLowerCase() : r.email,
      phoneNumber: blank(r.phone_number),
      passwordHash: r.password,
      role: 'user',
      state: r.state === 0 ? 0 : 1,
      name: null,
      firstName: blank(r.first_name),
      lastName: blank(r.last_name),
      gender: null,
      age: null,
      identifyId: null,
      address: null,
      occupationSourceId: null,
      createdAt: r.created_at ?? null,
      updatedAt: r.updated_at ?? r.created_at ?? null,
      lastLoginAt: null,
      deletedAt: r.deleted_at ?? null,
    },
    groups: [],
    logs: [],
    blacklist: [],
  };
}

export const isUuid = (value: string): boolean => UUID.test(value);
