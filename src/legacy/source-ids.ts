import { ArgumentMetadata, Injectable, mixin, PipeTransform, Type } from '@nestjs/common';
import { AuditLogQueryService } from '../audit-log/audit-log-query.service';
import { BlacklistService } from '../blacklist/blacklist.service';
import { AppException } from '../common/errors/app.exception';
import { bilingual } from '../common/pipes/validation-messages';
import { GroupsService } from '../groups/groups.service';
import { OccupationsService } from '../occupations/occupations.service';
import { UsersService } from '../users/users.service';
import type { Shape000 } from './legacy-shapes';

/**
 * The source APIs' own ids (API.md, "The source APIs keep working"): the 000 API shows and takes
 * integers (the records' id_000; occupations' code), the 001 API 24-hex ObjectIds (users' id_001),
 * the 003 API the canonical UUIDs. This is the one place that translates them: a source id is turned
 * into the canonical UUID at the edge (SourceId000Pipe, SourceId001Pipe, canonical000 for body
 * fields), the feature services run on UUIDs as for the canonical API, and the answer's UUIDs are
 * turned back (shown000, shown001) by the legacy shapes.
 */

/** The kinds of record the 000 API names by integer. */
export type Kind000 = 'user' | 'group' | 'occupation' | 'user-log' | 'blacklist';

/**
 * An id no record has: an unknown source id resolves to it, so the service answers exactly as it does
 * for any unknown UUID (404 to those who may read others, 403 to anyone else, so ids cannot be probed).
 */
export const NO_RECORD = '00000000-0000-0000-0000-000000000000';

const BIGINT_MAX = 9223372036854775807n;
/** Digits (an integer, however large: one beyond bigint names no record); longer input is not an id. */
const DIGITS = /^\d{1,40}$/;
const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** A 000 id as pg's bigint text ('17'), or null when it is digits beyond bigint (no record has it); throws 40001 on anything else. */
export function parseId000(raw: unknown, field: string): string | null {
  const text = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
  if (typeof text !== 'string' || !DIGITS.test(text))
    throw AppException.validation([{ field, message: bilingual(`${field} must be a positive integer id`) }]);
  const value = BigInt(text);
  return value === 0n || value > BIGINT_MAX ? null : value.toString();
}

/** The 000 ids of the records an answer names, by kind; `of` gives one as a JSON number. */
export class Ids000 {
  constructor(private readonly byKind: Record<Kind000, Map<string, number>>) {}

  /** The 000 id of the record `id` (a canonical UUID), or null for null. */
  of(kind: Kind000, id: string): number;
  of(kind: Kind000, id: string | null): number | null;
  of(kind: Kind000, id: string | null): number | null {
    if (id === null) return null;
    const found = this.byKind[kind].get(id);
    // Every row has one (id_000 is NOT NULL): a miss means the shape asked for a kind it did not collect.
    if (found === undefined) throw new Error(`no 000 id collected for ${kind} ${id}`);
    return found;
  }

  /** The 000 id of a record an answer may name without holding it (an id inside an audit record's details), if it exists. */
  find(kind: Kind000, id: string): number | undefined {
    return this.byKind[kind].get(id);
  }
}

@Injectable()
export class SourceIds {
  constructor(
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    private readonly occupations: OccupationsService,
    private readonly auditLog: AuditLogQueryService,
    private readonly blacklist: BlacklistService,
  ) {}

  /** The canonical UUID behind a 000 id (a path segment, or a JSON number in a body); NO_RECORD when none has it. */
  async canonical000(kind: Kind000, raw: unknown, field: string): Promise<string> {
    const id000 = parseId000(raw, field);
    if (id000 === null) return NO_RECORD;
    const found = await this.lookup000(kind, id000);
    return found ?? NO_RECORD;
  }

  /** The canonical UUID behind a 001 id (24 hex digits, either case); NO_RECORD when no user has it. */
  async canonical001(raw: unknown, field: string): Promise<string> {
    if (typeof raw !== 'string' || !OBJECT_ID.test(raw))
      throw AppException.validation([{ field, message: bilingual(`${field} must be a 24-hex-digit id`) }]);
    return (await this.users.idBy001(raw.toLowerCase())) ?? NO_RECORD;
  }

  /** The 000 ids of every record an answer names, one query per kind. */
  async shown000(refs: Partial<Record<Kind000, Array<string | null | undefined>>>): Promise<Ids000> {
    const wanted = (kind: Kind000): string[] => [...new Set((refs[kind] ?? []).filter((id): id is string => typeof id === 'string'))];
    const numbers = async (lookup: Promise<Map<string, string | number>>): Promise<Map<string, number>> =>
      new Map([...(await lookup)].map(([id, value]) => [id, Number(value)]));
    const [user, group, occupation, userLog, blacklist] = await Promise.all([
      numbers(this.users.ids000(wanted('user'))),
      numbers(this.groups.ids000(wanted('group'))),
      numbers(this.occupations.codes(wanted('occupation'))),
      numbers(this.auditLog.ids000(wanted('user-log'))),
      numbers(this.blacklist.ids000(wanted('blacklist'))),
    ]);
    return new Ids000({ user, group, occupation, 'user-log': userLog, blacklist });
  }

  /** A 000 answer: the records `items` name are looked up at once (one query per kind), then each is shaped. */
  async present000<T>(items: T[], shape: Shape000<T>): Promise<Array<Record<string, unknown>>> {
    const refs: Partial<Record<Kind000, Array<string | null | undefined>>> = {};
    for (const item of items) {
      for (const [kind, ids] of Object.entries(shape.refs(item)) as Array<[Kind000, Array<string | null | undefined>]>) {
        (refs[kind] ??= []).push(...ids);
      }
    }
    const ids = await this.shown000(refs);
    return items.map((item) => shape.shape(item, ids));
  }

  async presentOne000<T>(item: T, shape: Shape000<T>): Promise<Record<string, unknown>> {
    return (await this.present000([item], shape))[0];
  }

  /** The 001 ids of these users. */
  shown001(userIds: string[]): Promise<Map<string, string>> {
    return this.users.ids001([...new Set(userIds)]);
  }

  private async lookup000(kind: Kind000, id000: string): Promise<string | null> {
    switch (kind) {
      case 'user':
        return this.users.idBy000(id000);
      case 'group':
        return this.groups.idBy000(id000);
      case 'occupation': {
        // Occupations' 000 id is their code, an integer column.
        if (BigInt(id000) > 2147483647n) return null;
        return (await this.occupations.findByCode(Number(id000)))?.id ?? null;
      }
      case 'user-log':
        return this.auditLog.idBy000(id000);
      case 'blacklist':
        return this.blacklist.idBy000(id000);
    }
  }
}

/** A 000 path id of `kind` (`/api/users/17/`), turned into the canonical UUID before the handler runs. */
export function SourceId000Pipe(kind: Kind000): Type<PipeTransform<string, Promise<string>>> {
  @Injectable()
  class Pipe000 implements PipeTransform<string, Promise<string>> {
    constructor(private readonly ids: SourceIds) {}
    transform(value: string, metadata: ArgumentMetadata): Promise<string> {
      return this.ids.canonical000(kind, value, metadata.data ?? 'id');
    }
  }
  return mixin(Pipe000);
}

/** A 001 path id (`/api/query/5f1d7c...`), turned into the canonical UUID before the handler runs. */
@Injectable()
export class SourceId001Pipe implements PipeTransform<string, Promise<string>> {
  constructor(private readonly ids: SourceIds) {}
  transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    return this.ids.canonical001(value, metadata.data ?? 'id');
  }
}
