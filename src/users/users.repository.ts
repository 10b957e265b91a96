import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { escapeLike } from '../common/database/errors';
import { preparedQuery, readRows, statementName } from '../common/database/prepared';
import type { Role } from '../config/app-config';
import type { Reader } from '../database/read-replicas';
import type { Tx } from '../database/transactions';
import { Occupation } from '../occupations/occupation.entity';
import type { ListUsersQuery } from './dto/list-users.query';
import { nameSearchTerms } from './pinyin';
import { usernameFragments } from './username-fragment';
import { USER_SELECT, userFromRow, UserRow } from './user.row';
import { User } from './user.entity';

/** Which users a list covers by deletion. */
export type DeletedScope = 'none' | 'only' | 'all';

/** A sub-collection of users (members of a group, holders of an occupation): filters both count and total. */
export interface UserCollection {
  group?: string;
  occupation?: string;
}

/** One page of a user list, as the service decided it. */
export interface UserPageSpec {
  query: ListUsersQuery;
  deleted: DeletedScope;
  collection: UserCollection;
  /** Sort keys, each optionally prefixed with `-`. */
  sort: string[];
  /** Write the username fragment so that the trigram index cannot serve it: the planner then walks created_at order. */
  walk: boolean;
}

const NULLABLE_SORT_COLUMNS = new Set(['last_login_at', 'name', 'age']);

const SORT_COLUMNS: Record<string, string> = {
  created_at: 'u.created_at',
  updated_at: 'u.updated_at',
  last_login_at: 'u.last_login_at',
  username: 'u.username',
  email: 'u.email',
  name: 'u.name',
  role: 'u.role',
  state: 'u.state',
  age: 'u.age',
};

/** A WHERE clause built up with positional parameters ($1, $2, ...). */
class Conditions {
  private readonly clauses: string[] = [];
  readonly values: unknown[] = [];

  /** Adds a parameter; returns its placeholder. */
  value(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  add(clause: string): void {
    this.clauses.push(clause);
  }

  sql(): string {
    return this.clauses.length === 0 ? '' : ` WHERE ${this.clauses.join(' AND ')}`;
  }
}

/** The users table (and its trigger-kept counters): every SQL statement about users lives here. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * A user with their occupation, in one plain query mapped by hand (the hot read behind
   * GET /auth/me and GET /users/:id, prepared). `lock` (inside a transaction) holds the row until
   * commit, so a decision made on it stays true; FOR NO KEY UPDATE still lets the audit log's foreign
   * keys take their key-share lock, so no deadlock with them.
   */
  async findById(id: string, options: { withDeleted?: boolean; tx?: Tx; lock?: boolean } = {}): Promise<User | null> {
    const sql = `${USER_SELECT} WHERE u.id = $1${options.withDeleted ? '' : ' AND u.deleted_at IS NULL'}${options.lock ? ' FOR NO KEY UPDATE OF u' : ''}`;
    const rows: UserRow[] = options.tx
      ? await options.tx.query(sql, [id])
      : await preparedQuery<UserRow>(this.dataSource, `user-by-id${options.withDeleted ? '-any' : ''}${options.lock ? '-lock' : ''}`, sql, [
          id,
        ]);
    return rows.length === 0 ? null : userFromRow(rows[0]);
  }

  /** The 000 ids (the 000 API's integers, as pg's bigint strings) of these users, deleted ones included. */
  async ids000(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; id_000: string }> = await this.dataSource.query(
      `SELECT id, id_000 FROM users WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.id_000]));
  }

  /** The canonical id of the record with this 000 id (deleted ones included), or null. */
  async idBy000(id000: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM users WHERE id_000 = $1::bigint`, [id000]);
    return rows[0]?.id ?? null;
  }

  /** The 001 ids (24-hex ObjectIds) of these users, deleted ones included. */
  async ids001(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows: Array<{ id: string; id_001: string }> = await this.dataSource.query(
      `SELECT id, id_001 FROM users WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row.id_001]));
  }

  /** The canonical id of the user with this 001 id (lower-case hex; deleted users included), or null. */
  async idBy001(id001: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM users WHERE id_001 = $1`, [id001]);
    return rows[0]?.id ?? null;
  }

  /**
   * The rows of one page (without counts), as one plain statement mapped by userFromRow (as findById).
   * Without filters or a collection, the text depends only on the sort, the deletion scope and the
   * paging, so it runs as a named prepared statement (at most one per single sort key, scope and
   * paging kind on each connection). `reader` is a replica's connection (ReadReplicas) or the primary.
   */
  async page(spec: UserPageSpec, reader: Reader = this.dataSource.manager): Promise<User[]> {
    const { query } = spec;
    const where = this.scope(new Conditions(), spec.deleted, spec.collection);
    this.applyFilters(where, query, spec.walk);
    const order = spec.sort.map((part) => {
      const backwards = part.startsWith('-');
      const column = part.replace(/^-/, '');
      // NULLS only on the nullable columns: a NULLS clause on created_at would keep its index from serving the order.
      const nulls = NULLABLE_SORT_COLUMNS.has(column) ? (backwards ? ' NULLS LAST' : ' NULLS FIRST') : '';
      return `${SORT_COLUMNS[column]} ${backwards ? 'DESC' : 'ASC'}${nulls}`;
    });
    // Ties are broken by id, in the direction of the first sort key (keyset paging relies on it).
    const descending = spec.sort[0].startsWith('-');
    order.push(`u.id ${descending ? 'DESC' : 'ASC'}`);
    if (query.cursor !== undefined) {
      where.add(
        `(u.created_at, u.id) ${descending ? '<' : '>'} (SELECT c.created_at, c.id FROM users c WHERE c.id = ${where.value(query.cursor)})`,
      );
    }
    const limit = where.value(query.limit);
    const offset = query.cursor === undefined ? ` OFFSET ${where.value(query.offset)}` : '';
    const sql = `${USER_SELECT}${where.sql()} ORDER BY ${order.join(', ')} LIMIT ${limit}${offset}`;
    const fixedText = !this.hasFilters(query) && !spec.collection.group && !spec.collection.occupation && spec.sort.length === 1;
    const rows = await readRows<UserRow>(reader, fixedText ? `users-page-${statementName(sql)}` : undefined, sql, where.values);
    return rows.map(userFromRow);
  }

  /** Whether the query has any filter (then count and total differ): exactly the fields applyFilters reads. */
  hasFilters(query: ListUsersQuery): boolean {
    return (
      query.username !== undefined ||
      usernameFragments(query).length > 0 ||
      (query.name !== undefined && query.name.trim() !== '') ||
      [query.email, query.role, query.state, query.occupation, query.group].some((value) => value !== undefined)
    );
  }

  /** The collection's size: for all users, the trigger-kept user_counts rows; for a group or an occupation, counted. */
  async countTotal(deleted: DeletedScope, collection: UserCollection, reader: Reader = this.dataSource.manager): Promise<number> {
    if (!collection.group && !collection.occupation) {
      const which = deleted === 'none' ? 'WHERE NOT deleted' : deleted === 'only' ? 'WHERE deleted' : '';
      const rows = await readRows<{ n: string }>(
        reader,
        `user-counts-${deleted}`,
        `SELECT coalesce(sum(n), 0) AS n FROM user_counts ${which}`,
        [],
      );
      return Number(rows[0].n);
    }
    return this.countRows(this.scope(new Conditions(), deleted, collection), reader);
  }

  /** count(*) of the collection with the query's filters, no joins. */
  countFiltered(
    deleted: DeletedScope,
    collection: UserCollection,
    query: ListUsersQuery,
    reader: Reader = this.dataSource.manager,
  ): Promise<number> {
    return this.countRows(this.applyFilters(this.scope(new Conditions(), deleted, collection), query, false), reader);
  }

  /** Live users whose username contains the fragment (1 to 3 characters), from the trigger-kept counters. */
  async countUsernameFragment(fragment: string, reader: Reader = this.dataSource.manager): Promise<number> {
    const rows: { n: string }[] = await reader.query(`SELECT n FROM username_fragments WHERE fragment = $1`, [fragment]);
    return rows.length === 0 ? 0 : Number(rows[0].n);
  }

  async exists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM users WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  /** Which of the names an account other than `exceptId` already holds (case-insensitively). */
  async taken(
    username: string | undefined,
    email: string | undefined,
    exceptId?: string,
  ): Promise<{ username: boolean; email: boolean; holders: Array<{ username: string; role: Role }> }> {
    const rows: Array<{ username: string; role: Role; username_taken: boolean; email_taken: boolean }> = await this.dataSource.query(
      `SELECT username, role, lower(username) = lower($1) AS username_taken, email = lower($2) AS email_taken
         FROM users
        WHERE (lower(username) = lower($1) OR email = lower($2)) AND ($3::uuid IS NULL OR id <> $3::uuid)`,
      [username ?? null, email ?? null, exceptId ?? null],
    );
    return {
      username: rows.some((row) => row.username_taken),
      email: rows.some((row) => row.email_taken),
      holders: rows.map((row) => ({ username: row.username, role: row.role })),
    };
  }

  async findByEmail(email: string): Promise<User | null> {
    return this.dataSource.getRepository(User).findOne({ where: { email } });
  }

  async anyWithRole(role: Role): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM users WHERE role = $1 LIMIT 1`, [role]);
    return rows.length > 0;
  }

  async occupationExists(occupationId: string): Promise<boolean> {
    return this.dataSource.getRepository(Occupation).exists({ where: { id: occupationId } });
  }

  /** Inserts the account; returns its id. */
  async insert(tx: Tx, user: User): Promise<string> {
    const inserted = await tx.insert(User, user);
    return (inserted.identifiers[0] as { id: string }).id;
  }

  async update(tx: Tx, id: string, set: Partial<User>): Promise<void> {
    await tx.update(User, { id }, set);
  }

  async softDelete(tx: Tx, id: string): Promise<void> {
    await tx.update(User, { id }, { deletedAt: () => 'now()' });
  }

  async restore(tx: Tx, id: string): Promise<void> {
    await tx.update(User, { id }, { deletedAt: null });
  }

  /** A sign-in's stamp: last_login_at, and an upgraded hash when there is one. Returns the user as the login answers it. */
  async recordSignIn(tx: Tx, id: string, rehashed: string | undefined): Promise<User> {
    const rows: UserRow[] = await tx.query(
      `WITH u AS (
         UPDATE users SET last_login_at = now(), password_hash = coalesce($2::varchar, password_hash) WHERE id = $1 RETURNING *
       ) ${USER_SELECT.replace('FROM users u', 'FROM u')}`,
      [id, rehashed ?? null],
    );
    return userFromRow(rows[0]);
  }

  async passwordHash(id: string): Promise<string | null> {
    const rows: Array<{ password_hash: string }> = await this.dataSource.query(
      `SELECT password_hash FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return rows[0]?.password_hash ?? null;
  }

  /** Compare-and-swap on the hash that was verified: of two parallel changes only the first succeeds. */
  async swapPasswordHash(tx: Tx, id: string, next: string, verified: string): Promise<boolean> {
    const [, changed]: [unknown[], number] = await tx.query(
      `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1 AND password_hash = $3`,
      [id, next, verified],
    );
    return changed > 0;
  }

  private scope(where: Conditions, deleted: DeletedScope, collection: UserCollection): Conditions {
    if (deleted === 'none') where.add('u.deleted_at IS NULL');
    if (deleted === 'only') where.add('u.deleted_at IS NOT NULL');
    if (collection.occupation) where.add(`u.occupation_id = ${where.value(collection.occupation)}`);
    if (collection.group) {
      where.add(`EXISTS (SELECT 1 FROM group_members cm WHERE cm.group_id = ${where.value(collection.group)} AND cm.user_id = u.id)`);
    }
    return where;
  }

  /** count(*) over users with the given conditions, no joins. */
  private async countRows(where: Conditions, reader: Reader = this.dataSource.manager): Promise<number> {
    const rows: { n: string }[] = await reader.query(`SELECT count(*) AS n FROM users u${where.sql()}`, where.values);
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Adds the query's filters. With `walk`, the username fragment is written so that the trigram
   * index cannot serve it, and the planner walks created_at order.
   */
  private applyFilters(where: Conditions, query: ListUsersQuery, walk: boolean): Conditions {
    if (query.username !== undefined) where.add(`lower(u.username) = lower(${where.value(query.username)})`);
    const username = walk ? "(lower(u.username) || '')" : 'lower(u.username)';
    for (const text of usernameFragments(query)) {
      where.add(`${username} LIKE ${where.value(`%${escapeLike(text.toLowerCase())}%`)} ESCAPE '\\'`);
    }
    if (query.name !== undefined && query.name.trim() !== '') {
      // Terms of one or two characters (most Chinese names) have no trigram: their own index serves them.
      const clauses = nameSearchTerms(query.name).map((term) => {
        const like = `u.name_search LIKE ${where.value(`%${escapeLike(term)}%`)} ESCAPE '\\'`;
        return [...term].length > 2 ? like : `(name_short_grams(u.name_search) @> ARRAY[${where.value(term)}]::text[] AND ${like})`;
      });
      where.add(`(${clauses.join(' OR ')})`);
    }
    if (query.email !== undefined) where.add(`u.email = ${where.value(query.email.trim().toLowerCase())}`);
    if (query.role !== undefined) where.add(`u.role = ${where.value(query.role)}`);
    if (query.state !== undefined) where.add(`u.state = ${where.value(query.state)}`);
    if (query.occupation !== undefined) where.add(`u.occupation_id = ${where.value(query.occupation)}`);
    if (query.group !== undefined) {
      where.add(
        `EXISTS (SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id AND g.deleted_at IS NULL WHERE gm.group_id = ${where.value(query.group)} AND gm.user_id = u.id)`,
      );
    }
    return where;
  }
}
