import { MalformedExportError, UserBundle } from './import-record';

const OBJECT_ID = /^[0-9a-f]{24}$/;

/** `{"$oid": "..."}` (mongoexport's Extended JSON) or a bare 24-hex string. */
function objectId(value: unknown): string | null {
  const raw = value && typeof value === 'object' ? (value as { $oid?: unknown }).$oid : value;
  return typeof raw === 'string' && OBJECT_ID.test(raw.toLowerCase()) ? raw.toLowerCase() : null;
}

/** `{"$date": "..."}` / `{"$date": {"$numberLong": "..."}}` or a plain string. */
function extendedDate(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const date = (value as { $date?: unknown }).$date;
  if (date && typeof date === 'object') return new Date(Number((date as { $numberLong?: string }).$numberLong)).toISOString();
  return date;
}

/**
 * One 001 document (a line of `mongoexport --collection users` or `admins`). `admins` come in as
 * admins; `tel` is the phone number; emails are lower-cased. The ObjectId's first four bytes are the
 * time the document was created: that is created_at (the documents have no other time).
 */
export function mongoBundle(document: unknown, collection: 'users' | 'admins'): UserBundle {
  if (!document || typeof document !== 'object' || Array.isArray(document))
    throw new MalformedExportError('each 001 document is a JSON object (mongoexport, one a line)');
  const d = document as Record<string, unknown>;
  const id = objectId(d._id);
  const created = id ? new Date(parseInt(id.slice(0, 8), 16) * 1000).toISOString() : null;
  return {
    user: {
      sourceId: id ?? JSON.stringify(d._id ?? null).slice(0, 40),
      id001: id ?? undefined,
      username: d.username,
      email: typeof d.email === 'string' ? d.email.trim().toLowerCase() : d.email,
      phoneNumber: typeof d.tel === 'string' && d.tel.trim() === '' ? null : (d.tel ?? null),
      passwordHash: d.password,
      role: collection === 'admins' ? 'admin' : 'user',
      state: 1,
      name: null,
      firstName: null,
      lastName: null,
      gender: null,
      age: null,
      identifyId: null,
      address: null,
      occupationSourceId: null,
      createdAt: extendedDate(d.created_at) ?? created,
      updatedAt: extendedDate(d.updated_at) ?? created,
      lastLoginAt: null,
      deletedAt: null,
    },
    groups: [],
    logs: [],
    blacklist: [],
  };
}

/** The HTTP body of a 001 import: `{ "users": [...], "admins": [...] }`. */
export function mongoDocuments(body: unknown): { users: unknown[]; admins: unknown[] } {
  const b = body as { users?: unknown; admins?: unknown } | null;
  if (!b || typeof b !== 'object' || Array.isArray(b))
    throw new MalformedExportError('a 001 export is { "users": [...], "admins": [...] }');
  const extra = Object.keys(b).filter((key) => key !== 'users' && key !== 'admins');
  if (extra.length > 0) throw new MalformedExportError(`a 001 export has only "users" and "admins", not "${extra[0]}"`);
  if ((b.users !== undefined && !Array.isArray(b.users)) || (b.admins !== undefined && !Array.isArray(b.admins)))
    throw new MalformedExportError('"users" and "admins" of a 001 export are arrays of documents');
  return { users: (b.users as unknown[]) ?? [], admins: (b.admins as unknown[]) ?? [] };
}

export const isObjectId = (value: string): boolean => OBJECT_ID.test(value);
