import type { Role } from '../../config/app-config';

export const SOURCES = ['000', '001', '003'] as const;
export type SourceSystem = (typeof SOURCES)[number];

/** One rejected source record: which (its id in the source), which field, and why, in words. */
export interface Rejection {
  source_id: string;
  field: string;
  reason: string;
}

/** A source's user as this service stores it (before validation; see import-validation.ts). */
export interface ImportedUser {
  /** The source's id as the report shows it: the Django pk, the Mongo ObjectId, the Sequelize UUID. */
  sourceId: string;
  /** 003: the UUID kept as the user id. */
  id?: string;
  /** 000: the Django pk. */
  id000?: string;
  /** 001: the ObjectId. */
  id001?: string;
  username: unknown;
  email: unknown;
  phoneNumber: unknown;
  passwordHash: unknown;
  role: Role;
  state: 0 | 1;
  name: unknown;
  firstName: unknown;
  lastName: unknown;
  gender: unknown;
  age: unknown;
  identifyId: unknown;
  address: unknown;
  /** 000: the occupation's Django pk (resolved through the export's occupations). */
  occupationSourceId: string | null;
  createdAt: unknown;
  updatedAt: unknown;
  lastLoginAt: unknown;
  deletedAt: unknown;
}

/** A 000 group (users.group). */
export interface ImportedGroup {
  id000: string;
  name: string;
  location: string | null;
  contactPhone: string | null;
}

/** A 000 occupation (users.occupation), matched by name. */
export interface ImportedOccupation {
  id000: string;
  name: string;
}

/** A 000 user log (users.userlog). */
export interface ImportedLog {
  id000: string;
  operation: number;
  operatorSourceId: string | null;
  ip: string | null;
  operateTime: Date;
}

/** A 000 blacklist entry (users.blacklist). */
export interface ImportedBlacklistEntry {
  id000: string;
  reason: string;
  joinTime: Date;
  isDelete: 0 | 1;
}

/** A user with everything that comes in with it, or nothing of it. */
export interface UserBundle {
  user: ImportedUser;
  /** 000 group pks. */
  groups: string[];
  logs: ImportedLog[];
  blacklist: ImportedBlacklistEntry[];
}

/** What comes before the users: shared records, and the highest 000 ids of the export (to move the sequences). */
export interface ImportPreamble {
  occupations: ImportedOccupation[];
  groups: ImportedGroup[];
  maxId000: { users: string; groups: string; user_logs: string; blacklist: string };
  /** Records that do not belong to a user and did not parse (a group without a name, say). */
  rejected: Rejection[];
}

export const EMPTY_PREAMBLE = (): ImportPreamble => ({
  occupations: [],
  groups: [],
  maxId000: { users: '0', groups: '0', user_logs: '0', blacklist: '0' },
  rejected: [],
});

/** A malformed export (not the shape its source gives it): the whole import is refused (40008). */
export class MalformedExportError extends Error {}
