import type { Role } from '../../config/app-config';
import { EMPTY_PREAMBLE, ImportedBlacklistEntry, ImportedLog, ImportPreamble, MalformedExportError, UserBundle } from './import-record';

/** One element of `manage.py dumpdata auth.user users`. */
export interface DjangoRecord {
  model: string;
  pk: number | string;
  fields: Record<string, unknown>;
}

/** A membership, log or blacklist entry of a user (by 000 pk), staged by the CLI between its two passes. */
export type StagedRelated = [
  string,
  { kind: 'group'; group: string } | { kind: 'log'; log: ImportedLog } | { kind: 'blacklist'; entry: ImportedBlacklistEntry },
];

/** What a user's staged related records come back as. */
export interface StagedUserRelated {
  groups: string[];
  logs: ImportedLog[];
  blacklist: ImportedBlacklistEntry[];
}

const MODELS = new Set(['auth.user', 'users.profile', 'users.occupation', 'users.group', 'users.userlog', 'users.blacklist']);

export function asDjangoRecord(value: unknown): DjangoRecord {
  const record = value as Partial<DjangoRecord> | null;
  if (
    !record ||
    typeof record !== 'object' ||
    typeof record.model !== 'string' ||
    !(
      (typeof record.pk === 'number' && Number.isSafeInteger(record.pk) && record.pk > 0) ||
      (typeof record.pk === 'string' && /^\d{1,15}$/.test(record.pk))
    ) ||
    !record.fields ||
    typeof record.fields !== 'object'
  )
    throw new MalformedExportError('each element of a 000 export is { "model", "pk" (a positive integer), "fields" }');
  return record as DjangoRecord;
}

const pkOf = (value: unknown): string | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0
    ? String(value)
    : typeof value === 'string' && /^\d{1,18}$/.test(value)
      ? value
      : null;
const maxOf = (a: string, b: string): string => (BigInt(a) >= BigInt(b) ? a : b);
const blankToNull = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? null : value);
const time = (value: unknown): Date | null => {
  if (typeof value !== 'string') return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
};

/**
 * The 000 export assembled around its users: everything that is not an `auth.user` is kept (pass one
 * of the CLI's two passes over a file; all of it for an HTTP body), then each user comes out whole
 * with its profile, memberships, logs and blacklist entries. Django's own `auth.group` memberships
 * (the `groups` field of auth.user, permission groups) are not part of the 000 API and are ignored.
 */
export class DjangoExport {
  private readonly preambleValue: ImportPreamble = EMPTY_PREAMBLE();
  private readonly profiles = new Map<string, Record<string, unknown>>();
  private readonly groupsOfUser = new Map<string, string[]>();
  private readonly logsOfUser = new Map<string, ImportedLog[]>();
  private readonly blacklistOfUser = new Map<string, ImportedBlacklistEntry[]>();
  private pendingProfiles: [string, Record<string, unknown>][] = [];
  private pendingRelated: StagedRelated[] = [];

  /**
   * keepProfiles false (the CLI): profiles are not kept here but handed out by takeProfiles() to be
   * staged in the database, so a million profiles do not sit in memory.
   */
  constructor(private readonly keepProfiles = true) {}

  /** The profiles noted since the last call (when they are not kept). */
  takeProfiles(): [string, Record<string, unknown>][] {
    const taken = this.pendingProfiles;
    this.pendingProfiles = [];
    return taken;
  }

  /** The memberships, logs and blacklist entries noted since the last call (when profiles are not kept, neither are these). */
  takeRelated(): StagedRelated[] {
    const taken = this.pendingRelated;
    this.pendingRelated = [];
    return taken;
  }

  /** How many records wait to be staged. */
  pending(): number {
    return this.pendingProfiles.length + this.pendingRelated.length;
  }

  private relate(user: string, related: StagedRelated[1]): void {
    if (!this.keepProfiles) {
      this.pendingRelated.push([user, related]);
      return;
    }
    if (related.kind === 'group') this.groupsOfUser.set(user, [...(this.groupsOfUser.get(user) ?? []), related.group]);
    else if (related.kind === 'log') this.logsOfUser.set(user, [...(this.logsOfUser.get(user) ?? []), related.log]);
    else this.blacklistOfUser.set(user, [...(this.blacklistOfUser.get(user) ?? []), related.entry]);
  }

  /** Takes in one record of any model; auth.user records only count towards the highest id. */
  note(record: DjangoRecord): void {
    const pk = String(record.pk);
    const f = record.fields;
    const max = this.preambleValue.maxId000;
    switch (record.model) {
      case 'auth.user':
        max.users = maxOf(max.users, pk);
        return;
      case 'users.profile': {
        const user = pkOf(f.user);
        if (user && this.keepProfiles) this.profiles.set(user, f);
        else if (user) this.pendingProfiles.push([user, f]);
        return;
      }
      case 'users.occupation':
        if (typeof f.name === 'string' && f.name.trim() !== '' && f.name.length <= 100)
          this.preambleValue.occupations.push({ id000: pk, name: f.name.trim() });
        else
          this.preambleValue.rejected.push({
            source_id: `occupation:${pk}`,
            field: 'name',
            reason: 'name is blank or longer than 100 characters',
          });
        return;
      case 'users.group': {
        max.groups = maxOf(max.groups, pk);
        if (typeof f.name !== 'string' || f.name.trim() === '' || f.name.length > 100) {
          this.preambleValue.rejected.push({
            source_id: `group:${pk}`,
            field: 'name',
            reason: 'name is blank or longer than 100 characters',
          });
          return;
        }
        this.preambleValue.groups.push({
          id000: pk,
          name: f.name.trim(),
          location: (blankToNull(f.location) as string | null) ?? null,
          contactPhone: (blankToNull(f.contact_phone) as string | null) ?? null,
        });
        for (const member of Array.isArray(f.members) ? f.members : []) {
          const user = pkOf(member);
          if (user) this.relate(user, { kind: 'group', group: pk });
        }
        return;
      }
      case 'users.userlog': {
        max.user_logs = maxOf(max.user_logs, pk);
        const user = pkOf(f.user);
        const operateTime = time(f.operate_time);
        if (!user || !operateTime || !Number.isInteger(f.operation) || (f.operation as number) < 0 || (f.operation as number) > 32767) {
          this.preambleValue.rejected.push({
            source_id: `userlog:${pk}`,
            field: 'user',
            reason: 'a user log needs a user, an operation and an operate_time',
          });
          return;
        }
        const log: ImportedLog = {
          id000: pk,
          operation: f.operation as number,
          operatorSourceId: pkOf(f.operator),
          ip: typeof f.ip === 'string' && f.ip.length <= 45 ? f.ip : null,
          operateTime,
        };
        this.relate(user, { kind: 'log', log });
        return;
      }
      case 'users.blacklist': {
        max.blacklist = maxOf(max.blacklist, pk);
        const user = pkOf(f.patient);
        const joinTime = time(f.join_time);
        if (!user || !joinTime) {
          this.preambleValue.rejected.push({
            source_id: `blacklist:${pk}`,
            field: 'patient',
            reason: 'a blacklist entry needs a patient and a join_time',
          });
          return;
        }
        const entry: ImportedBlacklistEntry = {
          id000: pk,
          reason: typeof f.reason === 'string' && f.reason.trim() !== '' ? f.reason.slice(0, 500) : 'imported',
          joinTime,
          isDelete: f.is_delete === 1 ? 1 : 0,
        };
        this.relate(user, { kind: 'blacklist', entry });
        return;
      }
      default:
        if (!MODELS.has(record.model)) throw new MalformedExportError(`unknown model ${record.model} in a 000 export`);
    }
  }

  preamble(): ImportPreamble {
    return this.preambleValue;
  }

  /**
   * An auth.user record with what belongs to it: from what was kept here, or (the CLI) from the profiles and
   * related records staged in the database and read back for this batch.
   */
  bundle(record: DjangoRecord, staged?: Map<string, Record<string, unknown>>, related?: Map<string, StagedUserRelated>): UserBundle {
    const pk = String(record.pk);
    const f = record.fields;
    const profile = (staged ?? this.profiles).get(pk) ?? {};
    const role: Role = f.is_superuser === true ? 'superadmin' : f.is_staff === true ? 'admin' : 'user';
    const joined = f.date_joined;
    return {
      user: {
        sourceId: pk,
        id000: pk,
        username: f.username,
        email: typeof f.email === 'string' ? f.email.trim().toLowerCase() : f.email,
        phoneNumber: blankToNull(profile.phone) ?? null,
        passwordHash: f.password,
        role,
        state: f.is_active === false ? 0 : 1,
        name: blankToNull(profile.name) ?? null,
        firstName: blankToNull(f.first_name) ?? null,
        lastName: blankToNull(f.last_name) ?? null,
        gender: profile.gender ?? null,
        age: profile.age ?? null,
        identifyId: blankToNull(profile.identify_id) ?? null,
        address: blankToNull(profile.address) ?? null,
        occupationSourceId: pkOf(profile.occupation),
        createdAt: joined,
        updatedAt: joined,
        lastLoginAt: f.last_login ?? null,
        deletedAt: null,
      },
      groups: (related ? related.get(pk)?.groups : this.groupsOfUser.get(pk)) ?? [],
      logs: (related ? related.get(pk)?.logs : this.logsOfUser.get(pk)) ?? [],
      blacklist: (related ? related.get(pk)?.blacklist : this.blacklistOfUser.get(pk)) ?? [],
    };
  }
}
