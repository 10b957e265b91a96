import { preparedQuery } from '../common/database/prepared';
import { inTransaction } from '../common/database/transaction';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import type { AuditDetails } from '../audit-log/audit-log.entity';
import { AuditLogService } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import { SessionsService } from '../auth/sessions.service';
import { escapeLike, violatedForeignKey, violatedUniqueConstraint } from '../common/database/errors';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { RequestMeta } from '../common/http/request-meta';
import { Page, toPage } from '../common/pagination/pagination';
import { bilingual } from '../common/pipes/validation-messages';
import { PasswordHasher } from '../common/security/password-hasher';
import { requireRole } from '../common/policies/roles';
import { AppConfig, Role } from '../config/app-config';
import { Occupation } from '../occupations/occupation.entity';
import type { ProfileDto } from './dto/profile.dto';
import type { ListUsersQuery } from './dto/list-users.query';
import type { UpdateUserDto } from './dto/update-user.dto';
import { namePinyin, nameSearchTerms, nameSearchText } from './pinyin';
import { shortUsernameFragment, usernameFragments } from './username-fragment';
import { USER_SELECT, userFromRow, UserRow } from './user.row';
import { mayActOnUser, mayAssignRole, UserAction } from './user-access.policy';
import { USER_STATE, User } from './user.entity';
import { UserResponse, visibilityFor } from './user.response';

/** What creating an account needs, whoever creates it (self-registration or staff). */
export interface NewAccount {
  username: string;
  email: string;
  password: string;
  phone_number?: string | null;
  profile?: ProfileDto;
  role: Role;
  state?: 0 | 1;
}

export interface AccountContext {
  /** Staff member creating the account; null for self-registration. */
  actor: AuthUser | null;
  meta: RequestMeta;
  details?: AuditDetails;
  /** Runs inside the creating transaction (e.g. counting an invitation use); may add audit details. */
  inTransaction?: (manager: EntityManager, user: User) => Promise<AuditDetails | void>;
}

/** A sub-collection of users (members of a group, holders of an occupation): filters both count and total. */
export interface UserCollection {
  group?: string;
  occupation?: string;
}

/** How many rows a walk along created_at may expect to read for a page before collecting the matches is cheaper. */
const WALK_MAX_ROWS = 5000;

const NULLABLE_SORT_COLUMNS = new Set(['last_login_at', 'name', 'age']);

const SORT_COLUMNS: Record<string, string> = {
  created_at: 'u.createdAt',
  updated_at: 'u.updatedAt',
  last_login_at: 'u.lastLoginAt',
  username: 'u.username',
  email: 'u.email',
  name: 'u.name',
  role: 'u.role',
  state: 'u.state',
  age: 'u.age',
};

const PROFILE_COLUMNS: Record<keyof ProfileDto, keyof User> = {
  name: 'name',
  first_name: 'firstName',
  last_name: 'lastName',
  gender: 'gender',
  age: 'age',
  birthday: 'birthday',
  occupation: 'occupationId',
  identify_id: 'identifyId',
  address: 'address',
  avatar_url: 'avatarUrl',
  language_preference: 'languagePreference',
};

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly audit: AuditLogService,
  ) {}

  private get policy(): { deleteMinRole: Role } {
    return { deleteMinRole: this.config.userDeleteMinRole };
  }

  /** Users with their occupation; soft-deleted rows only when asked. Explicit columns, no hash. */
  private query(manager: EntityManager = this.dataSource.manager): SelectQueryBuilder<User> {
    return manager.getRepository(User).createQueryBuilder('u').withDeleted().leftJoinAndSelect('u.occupation', 'o');
  }

  /**
   * A user with their occupation, in one plain query mapped by hand (the hot read behind
   * GET /auth/me and GET /users/:id). `lock` (inside a transaction) holds the row until commit, so a
   * decision made on it stays true; FOR NO KEY UPDATE still lets the audit log's foreign keys take
   * their key-share lock, so no deadlock with them.
   */
  async findById(id: string, options: { withDeleted?: boolean; manager?: EntityManager; lock?: boolean } = {}): Promise<User | null> {
    const sql = `${USER_SELECT} WHERE u.id = $1${options.withDeleted ? '' : ' AND u.deleted_at IS NULL'}${options.lock ? ' FOR NO KEY UPDATE OF u' : ''}`;
    const rows: UserRow[] = options.manager
      ? await options.manager.query(sql, [id])
      : await preparedQuery<UserRow>(this.dataSource, `user-by-id${options.withDeleted ? '-any' : ''}${options.lock ? '-lock' : ''}`, sql, [
          id,
        ]);
    return rows.length === 0 ? null : userFromRow(rows[0]);
  }

  /** A user the actor may see, or 404; deleted users exist only for superadmins. */
  async getForViewer(actor: AuthUser, id: string): Promise<UserResponse> {
    if (actor.id !== id && !mayActOnUser(actor, { id, role: 'user' }, 'view', this.policy)) throw AppException.forbidden();
    const user = await this.findById(id, { withDeleted: actor.role === 'superadmin' });
    if (!user) throw AppException.notFound();
    return UserResponse.from(user, visibilityFor(actor, user));
  }

  /**
   * The one page-of-users builder (GET /users, and the members of a group or an occupation, passed
   * as `collection`). `count` counts the filtered rows, `total` the collection without filters.
   */
  async list(actor: AuthUser, query: ListUsersQuery, collection: UserCollection = {}): Promise<Page<UserResponse>> {
    if (!collection.group) requireRole(actor, 'admin');
    const deleted = query.deleted === 'true' || query.deleted === '1' ? 'only' : query.deleted === 'all' ? 'all' : 'none';
    if (deleted !== 'none') requireRole(actor, 'superadmin');

    const scope = (qb: SelectQueryBuilder<User>): SelectQueryBuilder<User> => {
      if (deleted === 'none') qb.andWhere('u.deletedAt IS NULL');
      if (deleted === 'only') qb.andWhere('u.deletedAt IS NOT NULL');
      if (collection.occupation) qb.andWhere('u.occupationId = :collectionOccupation', { collectionOccupation: collection.occupation });
      if (collection.group) {
        qb.andWhere('EXISTS (SELECT 1 FROM group_members cm WHERE cm.group_id = :collectionGroup AND cm.user_id = u.id)', {
          collectionGroup: collection.group,
        });
      }
      return qb;
    };

    const sort = (query.sort ?? 'created_at').split(',');
    const descending = sort[0].startsWith('-');
    if (query.cursor !== undefined) await this.assertCursor(query);
    // A short username fragment alone: its exact count is one counter row, and when it matches a
    // good share of the users, walking created_at order finds a page sooner than collecting every match.
    const fragment = deleted === 'none' && !collection.group && !collection.occupation ? shortUsernameFragment(query) : null;
    const [fragmentCount, knownTotal] =
      fragment === null
        ? [null, null]
        : await Promise.all([this.countUsernameFragment(fragment), this.countTotal(deleted, collection, scope)]);
    const walk =
      fragmentCount !== null && knownTotal !== null && fragmentCount > 0 && (sort[0] === 'created_at' || sort[0] === '-created_at')
        ? ((query.offset + query.limit) * knownTotal) / fragmentCount <= WALK_MAX_ROWS
        : false;

    const filtered = scope(this.query().where('true'));
    const filteredBy = this.applyFilters(filtered, query, { walk });
    for (const part of sort) {
      const backwards = part.startsWith('-');
      const column = part.replace(/^-/, '');
      // NULLS only on the nullable columns: a NULLS clause on created_at would keep its index from serving the order.
      const nulls = NULLABLE_SORT_COLUMNS.has(column) ? (backwards ? 'NULLS LAST' : 'NULLS FIRST') : undefined;
      filtered.addOrderBy(SORT_COLUMNS[column], backwards ? 'DESC' : 'ASC', nulls);
    }
    // Ties are broken by id, in the direction of the first sort key (keyset paging relies on it).
    filtered.addOrderBy('u.id', descending ? 'DESC' : 'ASC').limit(query.limit);
    if (query.cursor !== undefined) {
      filtered.andWhere(`(u.created_at, u.id) ${descending ? '<' : '>'} (SELECT c.created_at, c.id FROM users c WHERE c.id = :cursor)`, {
        cursor: query.cursor,
      });
    } else {
      filtered.offset(query.offset);
    }

    // `total` (the collection without filters) and `count` (with them) are counted without the
    // occupation join; with no filters they are the same number, counted once.
    const total = knownTotal ?? this.countTotal(deleted, collection, scope);
    const count = fragmentCount !== null ? fragmentCount : filteredBy ? this.countRows((qb) => this.applyFilters(scope(qb), query)) : total;
    const [rows, counted, totalled] = await Promise.all([filtered.getMany(), count, total]);
    return {
      ...toPage(
        rows.map((user) => UserResponse.from(user, visibilityFor(actor, user))),
        counted,
        totalled,
        query,
      ),
      next_cursor: rows.length === query.limit ? rows[rows.length - 1].id : null,
    };
  }

  /** The collection's size: for all users, the trigger-kept user_counts rows; for a group or an occupation, counted. */
  private async countTotal(
    deleted: 'none' | 'only' | 'all',
    collection: UserCollection,
    scope: (qb: SelectQueryBuilder<User>) => unknown,
  ): Promise<number> {
    if (!collection.group && !collection.occupation) {
      const which = deleted === 'none' ? 'WHERE NOT deleted' : deleted === 'only' ? 'WHERE deleted' : '';
      const rows: { n: string }[] = await this.dataSource.query(`SELECT coalesce(sum(n), 0) AS n FROM user_counts ${which}`);
      return Number(rows[0].n);
    }
    return this.countRows(scope);
  }

  /** Live users whose username contains the fragment (1 to 3 characters), from the trigger-kept counters. */
  private async countUsernameFragment(fragment: string): Promise<number> {
    const rows: { n: string }[] = await this.dataSource.query(`SELECT n FROM username_fragments WHERE fragment = $1`, [fragment]);
    return rows.length === 0 ? 0 : Number(rows[0].n);
  }

  /** count(*) over users with the given conditions, no joins. */
  private async countRows(conditions: (qb: SelectQueryBuilder<User>) => unknown): Promise<number> {
    const qb = this.dataSource.getRepository(User).createQueryBuilder('u').withDeleted().select('count(*)', 'n').where('true');
    conditions(qb);
    const row = await qb.getRawOne<{ n: string }>();
    return Number(row?.n ?? 0);
  }

  /** A cursor is the id of an existing user, with the created_at order and without page. */
  private async assertCursor(query: ListUsersQuery): Promise<void> {
    const problems = [];
    if (query.page !== 1) problems.push({ field: 'cursor', message: bilingual('cursor cannot be combined with page') });
    if (query.sort !== undefined && query.sort !== 'created_at' && query.sort !== '-created_at') {
      problems.push({ field: 'cursor', message: bilingual('cursor works with sort=created_at or sort=-created_at only') });
    }
    const exists = await this.dataSource.query(`SELECT 1 FROM users WHERE id = $1`, [query.cursor]);
    if (exists.length === 0) problems.push({ field: 'cursor', message: bilingual('cursor is not a valid position') });
    if (problems.length > 0) throw AppException.validation(problems);
  }

  /**
   * Adds the query's filters; true when there was at least one. With `walk`, the username fragment
   * is written so that the trigram index cannot serve it, and the planner walks created_at order.
   */
  private applyFilters(qb: SelectQueryBuilder<User>, query: ListUsersQuery, options: { walk?: boolean } = {}): boolean {
    const before = qb.expressionMap.wheres.length;
    if (query.username !== undefined) qb.andWhere('lower(u.username) = lower(:username)', { username: query.username });
    const username = options.walk ? "(lower(u.username) || '')" : 'lower(u.username)';
    usernameFragments(query).forEach((text, index) =>
      qb.andWhere(`${username} LIKE :contains${index} ESCAPE '\\'`, { [`contains${index}`]: `%${escapeLike(text.toLowerCase())}%` }),
    );
    if (query.name !== undefined && query.name.trim() !== '') {
      // Terms of one or two characters (most Chinese names) have no trigram: their own index serves them.
      const clauses: string[] = [];
      const parameters: Record<string, string> = {};
      nameSearchTerms(query.name).forEach((term, index) => {
        const like = `u.name_search LIKE :name${index} ESCAPE '\\'`;
        parameters[`name${index}`] = `%${escapeLike(term)}%`;
        if ([...term].length > 2) {
          clauses.push(like);
        } else {
          parameters[`name${index}gram`] = term;
          clauses.push(`(name_short_grams(u.name_search) @> ARRAY[:name${index}gram]::text[] AND ${like})`);
        }
      });
      qb.andWhere(`(${clauses.join(' OR ')})`, parameters);
    }
    if (query.email !== undefined) qb.andWhere('u.email = :email', { email: query.email.trim().toLowerCase() });
    if (query.role !== undefined) qb.andWhere('u.role = :role', { role: query.role });
    if (query.state !== undefined) qb.andWhere('u.state = :state', { state: query.state });
    if (query.occupation !== undefined) qb.andWhere('u.occupationId = :occupation', { occupation: query.occupation });
    if (query.group !== undefined) {
      qb.andWhere(
        'EXISTS (SELECT 1 FROM group_members gm JOIN groups g ON g.id = gm.group_id AND g.deleted_at IS NULL WHERE gm.group_id = :group AND gm.user_id = u.id)',
        { group: query.group },
      );
    }
    return qb.expressionMap.wheres.length > before;
  }

  /**
   * Creates an account in one transaction with its audit record. Username and email are unique
   * case-insensitively in the database; a lost race surfaces as 40901/40902, never a 500.
   */
  async create(account: NewAccount, context: AccountContext): Promise<User> {
    await this.assertAvailable(account.username, account.email);
    await this.assertOccupationExists(account.profile?.occupation);
    const passwordHash = await this.hasher.hash(account.password);
    try {
      const id = await inTransaction(this.dataSource, async (manager) => {
        const user = manager.create(User, {
          username: account.username,
          email: account.email,
          phoneNumber: account.phone_number ?? null,
          passwordHash,
          role: account.role,
          state: account.state ?? USER_STATE.NORMAL,
        });
        this.applyProfile(user, account.profile);
        const inserted = await manager.insert(User, user);
        user.id = (inserted.identifiers[0] as { id: string }).id;
        const extra = await context.inTransaction?.(manager, user);
        await this.audit.record(
          {
            operation: AuditOperation.REGISTERED,
            userId: user.id,
            operatorId: context.actor?.id ?? user.id,
            meta: context.meta,
            details: { role: account.role, ...(context.details ?? {}), ...(extra ?? {}) },
          },
          manager,
        );
        return user.id;
      });
      return (await this.findById(id)) as User;
    } catch (error) {
      throw this.uniquenessError(error) ?? error;
    }
  }

  /** POST /users: staff create an account; only a superadmin may give a role above user. */
  async createByStaff(actor: AuthUser, account: NewAccount, meta: RequestMeta): Promise<UserResponse> {
    requireRole(actor, 'admin');
    if (!mayAssignRole(actor, account.role)) throw AppException.forbidden();
    const user = await this.create(account, { actor, meta });
    return UserResponse.from(user, visibilityFor(actor, user));
  }

  /**
   * PATCH /users/:id and PATCH /auth/me. Each kind of change is checked by the policy, against the
   * row as locked inside the transaction; the change, the end of the user's sessions (when disabled
   * or reset) and the audit records (update, role, state) commit together.
   */
  async update(actor: AuthUser, id: string, changes: UpdateUserDto, meta: RequestMeta): Promise<UserResponse> {
    if (actor.id !== id && !mayActOnUser(actor, { id, role: 'user' }, 'view', this.policy)) throw AppException.forbidden();
    const current = await this.findById(id);
    if (!current) throw AppException.notFound();
    this.authorizeUpdate(actor, current, changes);
    if (changes.username !== undefined || changes.email !== undefined) {
      await this.assertAvailable(changes.username, changes.email, current.id);
    }
    await this.assertOccupationExists(changes.profile?.occupation);
    const passwordHash = changes.password !== undefined ? await this.hasher.hash(changes.password) : undefined;

    try {
      await inTransaction(this.dataSource, async (manager) => {
        const target = await this.findById(id, { manager, lock: true });
        if (!target) throw AppException.notFound();
        this.authorizeUpdate(actor, target, changes);
        const { set, updated } = this.diff(target, changes, passwordHash);
        const roleChanged = changes.role !== undefined && changes.role !== target.role;
        const stateChanged = changes.state !== undefined && changes.state !== target.state;
        if (roleChanged) set.role = changes.role;
        if (stateChanged) set.state = changes.state;
        if (Object.keys(set).length === 0) return;

        await manager.update(User, { id: target.id }, set);
        if (stateChanged && changes.state === USER_STATE.DISABLED) {
          await this.sessions.revokeAllForUser(target.id, 'disabled', manager);
        } else if (passwordHash) {
          await this.sessions.revokeAllForUser(target.id, 'password_reset', manager);
        }
        // The audit records come last: the chain head is the lock every audited write shares.
        const record = (operation: AuditOperation, details: AuditDetails): Promise<void> =>
          this.audit.record({ operation, userId: target.id, operatorId: actor.id, meta, details }, manager);
        if (updated.length > 0) await record(AuditOperation.USER_UPDATED, { fields: updated });
        if (passwordHash) await record(AuditOperation.PASSWORD_CHANGED, { by: 'staff' });
        if (roleChanged) await record(AuditOperation.ROLE_CHANGED, { from: target.role, to: changes.role as Role });
        if (stateChanged) await record(AuditOperation.STATE_CHANGED, { from: target.state, to: changes.state as number });
      });
    } catch (error) {
      throw this.uniquenessError(error) ?? error;
    }
    const fresh = (await this.findById(id)) as User;
    return UserResponse.from(fresh, visibilityFor(actor, fresh));
  }

  /** The columns an update changes, and the names of the fields for the audit record. */
  private diff(target: User, changes: UpdateUserDto, passwordHash: string | undefined): { set: Partial<User>; updated: string[] } {
    const updated: string[] = [];
    const set: Partial<User> = {};
    if (changes.username !== undefined && changes.username !== target.username) {
      set.username = changes.username;
      updated.push('username');
    }
    if (changes.email !== undefined && changes.email !== target.email) {
      set.email = changes.email;
      updated.push('email');
    }
    if (changes.phone_number !== undefined && changes.phone_number !== target.phoneNumber) {
      set.phoneNumber = changes.phone_number;
      updated.push('phone_number');
    }
    if (changes.profile) {
      const after = Object.assign(new User(), target);
      this.applyProfile(after, changes.profile);
      for (const [field, column] of Object.entries(PROFILE_COLUMNS) as Array<[keyof ProfileDto, keyof User]>) {
        if (changes.profile[field] !== undefined && after[column] !== target[column]) {
          (set as Record<string, unknown>)[column] = after[column];
          updated.push(`profile.${field}`);
        }
      }
      if (set.name !== undefined) {
        set.namePinyin = after.namePinyin;
        set.nameSearch = after.nameSearch;
      }
    }
    if (passwordHash) set.passwordHash = passwordHash;
    return { set, updated };
  }

  private authorizeUpdate(actor: AuthUser, target: User, changes: UpdateUserDto): void {
    const may = (action: UserAction): boolean => mayActOnUser(actor, target, action, this.policy);
    const touchesAccount =
      changes.username !== undefined || changes.email !== undefined || changes.phone_number !== undefined || changes.profile !== undefined;
    if (touchesAccount && !may('update')) throw AppException.forbidden();
    if (changes.role !== undefined && changes.role !== target.role && !may('change-role')) throw AppException.forbidden();
    if (changes.state !== undefined && changes.state !== target.state && !may('change-state')) throw AppException.forbidden();
    if (changes.password !== undefined && !may('reset-password')) throw AppException.forbidden();
    if (!touchesAccount && changes.role === undefined && changes.state === undefined && changes.password === undefined && !may('update')) {
      throw AppException.forbidden();
    }
  }

  /** Soft delete: the row stays (username and email reserved), sessions end, the user cannot log in. */
  async softDelete(actor: AuthUser, id: string, meta: RequestMeta): Promise<void> {
    await inTransaction(this.dataSource, async (manager) => {
      const target = await this.findById(id, { manager, lock: true });
      if (!target) throw AppException.notFound();
      if (!mayActOnUser(actor, target, 'delete', this.policy)) throw AppException.forbidden();
      await manager.update(User, { id: target.id }, { deletedAt: () => 'now()' });
      await this.sessions.revokeAllForUser(target.id, 'deleted', manager);
      await this.audit.record({ operation: AuditOperation.USER_DELETED, userId: target.id, operatorId: actor.id, meta }, manager);
    });
  }

  async restore(actor: AuthUser, id: string, meta: RequestMeta): Promise<UserResponse> {
    await inTransaction(this.dataSource, async (manager) => {
      const target = await this.findById(id, { withDeleted: true, manager, lock: true });
      if (!target) throw AppException.notFound();
      if (!mayActOnUser(actor, target, 'restore', this.policy)) throw AppException.forbidden();
      if (!target.deletedAt) throw AppException.conflict({ en: 'The user is not deleted', zh: '该用户未被删除' });
      await manager.update(User, { id: target.id }, { deletedAt: null });
      await this.audit.record({ operation: AuditOperation.USER_RESTORED, userId: target.id, operatorId: actor.id, meta }, manager);
    });
    const fresh = (await this.findById(id)) as User;
    return UserResponse.from(fresh, visibilityFor(actor, fresh));
  }

  /** Copies profile input onto the entity, deriving name_pinyin and the search text from name. */
  private applyProfile(user: User, profile: ProfileDto | undefined): void {
    if (!profile) return;
    for (const [field, column] of Object.entries(PROFILE_COLUMNS) as Array<[keyof ProfileDto, keyof User]>) {
      const value = profile[field];
      if (value !== undefined) (user as unknown as Record<string, unknown>)[column] = value;
    }
    if (profile.name !== undefined) {
      user.namePinyin = namePinyin(profile.name);
      user.nameSearch = nameSearchText(profile.name);
    }
  }

  /** A friendly early answer; the unique indexes still decide races. */
  private async assertAvailable(username: string | undefined, email: string | undefined, exceptId?: string): Promise<void> {
    const rows: Array<{ username_taken: boolean; email_taken: boolean }> = await this.dataSource.query(
      `SELECT bool_or(lower(username) = lower($1)) AS username_taken, bool_or(email = $2) AS email_taken
         FROM users
        WHERE (lower(username) = lower($1) OR email = $2) AND ($3::uuid IS NULL OR id <> $3::uuid)`,
      [username ?? null, email ?? null, exceptId ?? null],
    );
    if (rows[0]?.username_taken) throw new AppException(ErrorCode.USERNAME_TAKEN);
    if (rows[0]?.email_taken) throw new AppException(ErrorCode.EMAIL_TAKEN);
  }

  private async assertOccupationExists(occupationId: string | null | undefined): Promise<void> {
    if (!occupationId) return;
    const exists = await this.dataSource.getRepository(Occupation).exists({ where: { id: occupationId } });
    if (!exists) throw AppException.validation([{ field: 'profile.occupation', message: bilingual('the occupation does not exist') }]);
  }

  /** Races the early checks cannot see: a duplicate name, or an occupation deleted meanwhile. */
  private uniquenessError(error: unknown): AppException | undefined {
    const constraint = violatedUniqueConstraint(error);
    if (constraint === 'users_username_lower_key') return new AppException(ErrorCode.USERNAME_TAKEN);
    if (constraint === 'users_email_key') return new AppException(ErrorCode.EMAIL_TAKEN);
    if (violatedForeignKey(error) === 'users_occupation_id_fkey') {
      return AppException.validation([{ field: 'profile.occupation', message: bilingual('the occupation does not exist') }]);
    }
    return undefined;
  }
}
