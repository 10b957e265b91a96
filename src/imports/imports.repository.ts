import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Tx } from '../database/transactions';
import { namePinyin, nameSearchText } from '../users/pinyin';
import type { ValidUser } from './import-validation';
import type { StagedRelated, StagedUserRelated } from './sources/django.source';
import type { ImportedBlacklistEntry, ImportedGroup, SourceSystem } from './sources/import-record';

/** The column that holds a user's id in each source. */
const USER_KEY: Record<SourceSystem, string> = { '000': 'id_000', '001': 'id_001', '003': 'id' };
const KEY_TYPE: Record<SourceSystem, string> = { '000': 'bigint', '001': 'text', '003': 'uuid' };

export const userKey = (source: SourceSystem, user: ValidUser): string =>
  source === '000' ? (user.id000 as string) : source === '001' ? (user.id001 as string) : (user.id as string);

/**
 * The SQL of an import. It writes users, occupations, groups, memberships and blacklist entries
 * directly (not through their modules' repositories): it sets the source ids those repositories never
 * write, and writes a batch of rows in one statement each. Audit records go through AuditLogService.
 * Every write takes the caller's transaction.
 */
@Injectable()
export class ImportsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private run<T>(tx: Tx | undefined, sql: string, params: unknown[]): Promise<T> {
    return (tx ?? this.dataSource.manager).query(sql, params) as Promise<T>;
  }

  /**
   * A batch writes hundreds of rows per statement through the users table's triggers and GIN indexes: on a
   * busy server that can take longer than the service's 15 s statement timeout, meant for requests.
   */
  async allowLongStatements(tx: Tx): Promise<void> {
    await tx.query(`SET LOCAL statement_timeout = '300s'`);
    // An import's batch need not wait for its WAL to reach the disk: a crash loses at most the last batches, which a
    // re-import (idempotent) writes again. This transaction only; the service's own writes keep the server's setting.
    await tx.query(`SET LOCAL synchronous_commit = off`);
  }

  /**
   * The table grows by the import itself: fresh statistics keep the lookups below on their indexes (with
   * stale ones the planner took a 500-value `= ANY` over a sequential scan: seconds per batch).
   */
  async analyzeUsers(): Promise<void> {
    await this.dataSource.query(`ANALYZE users`);
  }

  /** Source key -> user id, for users already imported from this source. */
  async importedUsers(source: SourceSystem, keys: string[], tx?: Tx): Promise<Map<string, string>> {
    const column = USER_KEY[source];
    const rows = await this.run<{ key: string; id: string }[]>(
      tx,
      `SELECT u.${column}::text AS key, u.id FROM unnest($2::${KEY_TYPE[source]}[]) AS k(v) JOIN users u ON u.${column} = k.v WHERE u.source = $1`,
      [source, keys],
    );
    return new Map(rows.map((row) => [source === '001' ? row.key.trim() : row.key, row.id]));
  }

  /** Keys held by users that were not imported from this source. */
  async foreignHolders(source: SourceSystem, keys: string[], tx?: Tx): Promise<Set<string>> {
    const column = USER_KEY[source];
    const rows = await this.run<{ key: string }[]>(
      tx,
      `SELECT u.${column}::text AS key FROM unnest($2::${KEY_TYPE[source]}[]) AS k(v) JOIN users u ON u.${column} = k.v WHERE u.source IS DISTINCT FROM $1`,
      [source, keys],
    );
    return new Set(rows.map((row) => row.key.trim()));
  }

  /** Lower-cased usernames and emails among these that an account already holds. */
  async takenNames(usernames: string[], emails: string[], tx?: Tx): Promise<{ usernames: Set<string>; emails: Set<string> }> {
    const [byName, byEmail] = await Promise.all([
      // A range, not `=`: pg_trgm's GIN index also answers `=`, and the planner took it (7 ms a lookup at 100,000
      // users, measured: 3.5 s a batch) over the unique btree on lower(username), which alone answers a range.
      this.run<{ v: string }[]>(
        tx,
        `SELECT k.v FROM unnest($1::text[]) AS k(v)
         WHERE EXISTS (SELECT 1 FROM users WHERE lower(username) >= k.v AND lower(username) <= k.v)`,
        [usernames],
      ),
      this.run<{ v: string }[]>(tx, `SELECT k.v FROM unnest($1::text[]) AS k(v) WHERE EXISTS (SELECT 1 FROM users WHERE email = k.v)`, [
        emails,
      ]),
    ]);
    return { usernames: new Set(byName.map((r) => r.v)), emails: new Set(byEmail.map((r) => r.v)) };
  }

  /**
   * Moves users created here (or from another source) off the 000 ids or ObjectIds the import brings:
   * the imported id wins, since other systems hold it. The moved user gets a fresh one.
   */
  async releaseUserKeys(tx: Tx, source: '000' | '001', keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    if (source === '000')
      await tx.query(
        `UPDATE users SET id_000 = nextval('users_id_000_seq') WHERE id_000 = ANY($1::bigint[]) AND source IS DISTINCT FROM '000'`,
        [keys],
      );
    else
      await tx.query(`UPDATE users SET id_001 = new_object_id() WHERE id_001 = ANY($1::text[]) AND source IS DISTINCT FROM '001'`, [keys]);
  }

  /** One statement for the batch; returns source key -> new user id. */
  async insertUsers(tx: Tx, source: SourceSystem, users: ValidUser[], occupationIds: Map<string, string>): Promise<Map<string, string>> {
    const rows = users.map((u) => ({
      id: u.id,
      id_000: u.id000,
      id_001: u.id001,
      username: u.username,
      email: u.email,
      phone_number: u.phoneNumber,
      password_hash: u.passwordHash,
      role: u.role,
      state: u.state,
      name: u.name,
      name_pinyin: namePinyin(u.name),
      name_search: nameSearchText(u.name),
      first_name: u.firstName,
      last_name: u.lastName,
      gender: u.gender,
      age: u.age,
      identify_id: u.identifyId,
      address: u.address,
      occupation_id: u.occupationSourceId ? (occupationIds.get(u.occupationSourceId) ?? null) : null,
      created_at: u.createdAt.toISOString(),
      updated_at: u.updatedAt.toISOString(),
      last_login_at: u.lastLoginAt?.toISOString() ?? null,
      deleted_at: u.deletedAt?.toISOString() ?? null,
    }));
    const inserted = await tx.query(
      `INSERT INTO users (id, id_000, id_001, source, username, email, phone_number, password_hash, role, state, name, name_pinyin,
                          name_search, first_name, last_name, gender, age, identify_id, address, occupation_id, created_at, updated_at,
                          last_login_at, deleted_at)
       SELECT coalesce(r.id, gen_random_uuid()), coalesce(r.id_000, nextval('users_id_000_seq')), coalesce(r.id_001, new_object_id()), $2,
              r.username, r.email, r.phone_number, r.password_hash, r.role, r.state, r.name, r.name_pinyin, r.name_search, r.first_name,
              r.last_name, r.gender, r.age, r.identify_id, r.address, r.occupation_id, r.created_at, r.updated_at, r.last_login_at, r.deleted_at
       FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, id_000 bigint, id_001 char(24), username varchar, email varchar, phone_number varchar,
            password_hash varchar, role varchar, state smallint, name varchar, name_pinyin varchar, name_search text, first_name varchar,
            last_name varchar, gender smallint, age smallint, identify_id varchar, address varchar, occupation_id uuid,
            created_at timestamptz, updated_at timestamptz, last_login_at timestamptz, deleted_at timestamptz)
       RETURNING id, id_000::text AS id_000, id_001`,
      [JSON.stringify(rows), source],
    );
    const byKey = new Map<string, string>();
    for (const row of inserted as { id: string; id_000: string; id_001: string }[])
      byKey.set(source === '000' ? row.id_000 : source === '001' ? row.id_001.trim() : row.id, row.id);
    return byKey;
  }

  /** 000 user pk -> user id, for the operators of imported logs. */
  async usersById000(ids: string[], tx?: Tx): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.run<{ key: string; id: string }[]>(
      tx,
      `SELECT u.id_000::text AS key, u.id FROM unnest($1::bigint[]) AS k(v) JOIN users u ON u.id_000 = k.v WHERE u.source = '000'`,
      [ids],
    );
    return new Map(rows.map((row) => [row.key, row.id]));
  }

  /** Occupation name (lower-case) -> id, for those that exist. */
  async occupationsByName(names: string[], tx?: Tx): Promise<Map<string, string>> {
    const rows = await this.run<{ name: string; id: string }[]>(
      tx,
      `SELECT lower(name) AS name, id FROM occupations WHERE lower(name) = ANY($1::text[])`,
      [names.map((name) => name.toLowerCase())],
    );
    return new Map(rows.map((row) => [row.name, row.id]));
  }

  /** A new occupation from 000: its Django pk as its code when no occupation has that code, a fresh code otherwise. */
  async insertOccupation(tx: Tx, name: string, code: string): Promise<string> {
    const [row] = (await tx.query(
      `INSERT INTO occupations (name, code, source)
       SELECT $1, CASE WHEN EXISTS (SELECT 1 FROM occupations WHERE code = $2::integer) THEN nextval(pg_get_serial_sequence('occupations', 'code'))
                       ELSE $2::integer END, '000'
       RETURNING id`,
      [name, code],
    )) as { id: string }[];
    await tx.query(
      `SELECT setval(pg_get_serial_sequence('occupations', 'code'), greatest((SELECT last_value FROM occupations_code_seq), (SELECT max(code) FROM occupations)))`,
      [],
    );
    return row.id;
  }

  /** 000 group pk -> group id, for groups imported before. */
  async importedGroups(ids: string[], tx?: Tx): Promise<Map<string, string>> {
    const rows = await this.run<{ key: string; id: string }[]>(
      tx,
      `SELECT id_000::text AS key, id FROM groups WHERE source = '000' AND id_000 = ANY($1::bigint[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.key, row.id]));
  }

  /** Group name (lower-case) -> id, among groups that are not deleted. */
  async groupsByName(names: string[], tx?: Tx): Promise<Map<string, string>> {
    const rows = await this.run<{ name: string; id: string }[]>(
      tx,
      `SELECT lower(name) AS name, id FROM groups WHERE deleted_at IS NULL AND lower(name) = ANY($1::text[])`,
      [names.map((name) => name.toLowerCase())],
    );
    return new Map(rows.map((row) => [row.name, row.id]));
  }

  async insertGroup(tx: Tx, group: ImportedGroup): Promise<string> {
    await tx.query(`UPDATE groups SET id_000 = nextval('groups_id_000_seq') WHERE id_000 = $1::bigint AND source IS DISTINCT FROM '000'`, [
      group.id000,
    ]);
    const [row] = (await tx.query(
      `INSERT INTO groups (id_000, source, name, location, contact_phone) VALUES ($1, '000', $2, $3, $4) RETURNING id`,
      [group.id000, group.name, group.location?.slice(0, 255) ?? null, group.contactPhone?.slice(0, 21) ?? null],
    )) as { id: string }[];
    return row.id;
  }

  async insertMemberships(tx: Tx, pairs: { groupId: string; userId: string }[]): Promise<void> {
    if (pairs.length === 0) return;
    await tx.query(
      `INSERT INTO group_members (group_id, user_id) SELECT r.group_id, r.user_id FROM jsonb_to_recordset($1::jsonb) AS r(group_id uuid, user_id uuid)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(pairs.map((pair) => ({ group_id: pair.groupId, user_id: pair.userId })))],
    );
  }

  /** Removed entries get the time of the import as removed_at (Django kept none). */
  async insertBlacklist(tx: Tx, entries: { userId: string; entry: ImportedBlacklistEntry }[]): Promise<void> {
    if (entries.length === 0) return;
    const ids = entries.map(({ entry }) => entry.id000);
    await tx.query(
      `UPDATE black_list SET id_000 = nextval('black_list_id_000_seq') WHERE id_000 = ANY($1::bigint[]) AND source IS DISTINCT FROM '000'`,
      [ids],
    );
    await tx.query(
      `INSERT INTO black_list (id_000, source, user_id, reason, join_time, is_delete, removed_at)
       SELECT r.id_000, '000', r.user_id, r.reason, r.join_time, r.is_delete, CASE WHEN r.is_delete = 1 THEN now() END
       FROM jsonb_to_recordset($1::jsonb) AS r(id_000 bigint, user_id uuid, reason varchar, join_time timestamptz, is_delete smallint)`,
      [
        JSON.stringify(
          entries.map(({ userId, entry }) => ({
            id_000: entry.id000,
            user_id: userId,
            reason: entry.reason,
            join_time: entry.joinTime.toISOString(),
            is_delete: entry.isDelete,
          })),
        ),
      ],
    );
  }

  /**
   * Scratch tables for the CLI's 000 import, so that a million users' worth of records does not sit in
   * memory between its two passes: the profiles of pass one (dumpdata writes them after all the users) and
   * the memberships, logs and blacklist entries (by user), read back per batch of users in pass two.
   * Unlogged, and dropped at the end.
   */
  async createStaging(): Promise<string> {
    const table = `import_profiles_${randomBytes(6).toString('hex')}`;
    await this.dataSource.query(`CREATE UNLOGGED TABLE ${table} (user_pk bigint PRIMARY KEY, fields jsonb NOT NULL)`);
    await this.dataSource.query(
      `CREATE UNLOGGED TABLE ${table}_related (user_pk bigint NOT NULL, n bigint NOT NULL, related jsonb NOT NULL)`,
    );
    return table;
  }

  async stageProfiles(table: string, rows: [string, Record<string, unknown>][]): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO ${table} (user_pk, fields) SELECT (r->>0)::bigint, r->1 FROM jsonb_array_elements($1::jsonb) AS r
       ON CONFLICT (user_pk) DO UPDATE SET fields = EXCLUDED.fields`,
      [JSON.stringify(rows)],
    );
  }

  /** Related records in the order of the export (n counts on from `first`). */
  async stageRelated(table: string, rows: StagedRelated[], first: number): Promise<void> {
    if (rows.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO ${table}_related (user_pk, n, related)
       SELECT (r.value->>0)::bigint, $2::bigint + r.ordinality, r.value->1 FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS r`,
      [JSON.stringify(rows), first],
    );
  }

  /** After pass one: the related records' index (built once, not row by row). */
  async indexStaging(table: string): Promise<void> {
    await this.dataSource.query(`CREATE INDEX ON ${table}_related (user_pk, n)`);
    await this.dataSource.query(`ANALYZE ${table}, ${table}_related`);
  }

  async stagedProfiles(table: string, pks: string[]): Promise<Map<string, Record<string, unknown>>> {
    const rows = (await this.dataSource.query(`SELECT user_pk::text AS pk, fields FROM ${table} WHERE user_pk = ANY($1::bigint[])`, [
      pks,
    ])) as {
      pk: string;
      fields: Record<string, unknown>;
    }[];
    return new Map(rows.map((row) => [row.pk, row.fields]));
  }

  async stagedRelated(table: string, pks: string[]): Promise<Map<string, StagedUserRelated>> {
    const rows = (await this.dataSource.query(
      `SELECT user_pk::text AS pk, related FROM ${table}_related WHERE user_pk = ANY($1::bigint[]) ORDER BY user_pk, n`,
      [pks],
    )) as { pk: string; related: StagedRelated[1] }[];
    const byUser = new Map<string, StagedUserRelated>();
    for (const { pk, related } of rows) {
      let user = byUser.get(pk);
      if (!user) byUser.set(pk, (user = { groups: [], logs: [], blacklist: [] }));
      if (related.kind === 'group') user.groups.push(related.group);
      else if (related.kind === 'log') user.logs.push({ ...related.log, operateTime: new Date(related.log.operateTime) });
      else user.blacklist.push({ ...related.entry, joinTime: new Date(related.entry.joinTime) });
    }
    return byUser;
  }

  async dropStaging(table: string): Promise<void> {
    await this.dataSource.query(`DROP TABLE IF EXISTS ${table}, ${table}_related`);
  }

  /** After (and before) a 000 import: each 000 id sequence above the highest id in use, so new records get the next ones. */
  async raiseSequences(tx: Tx, max: { users: string; groups: string; blacklist: string }): Promise<void> {
    for (const [table, highest] of [
      ['users', max.users],
      ['groups', max.groups],
      ['black_list', max.blacklist],
    ] as const)
      await tx.query(
        `SELECT setval('${table}_id_000_seq', greatest((SELECT last_value FROM ${table}_id_000_seq), $1::bigint, (SELECT coalesce(max(id_000), 1) FROM ${table})))`,
        [highest],
      );
  }
}
