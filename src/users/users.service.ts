import { Injectable } from '@nestjs/common';
import type { AuditDetails } from '../audit-log/audit-log.entity';
import { AuditLogService } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import { AccountMailService } from '../account-recovery/account-mail.service';
import { SessionsService } from '../auth/sessions.service';
import { violatedForeignKey, violatedUniqueConstraint } from '../common/database/errors';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import type { RequestMeta } from '../common/http/request-meta';
import { Page, toPage } from '../common/pagination/pagination';
import { bilingual } from '../common/pipes/validation-messages';
import { AccessPolicy } from '../common/policies/access-policy.service';
import { PasswordHasher } from '../common/security/password-hasher';
import type { Role } from '../config/app-config';
import { ReadReplicas } from '../database/read-replicas';
import { Transactions, Tx } from '../database/transactions';
import type { ProfileDto } from './dto/profile.dto';
import type { ListUsersQuery } from './dto/list-users.query';
import type { UpdateUserDto } from './dto/update-user.dto';
import { namePinyin, nameSearchText } from './pinyin';
import { shortUsernameFragment } from './username-fragment';
import { DeletedScope, UserCollection, UsersRepository } from './users.repository';
import { USER_STATE, User } from './user.entity';
import { UserResponse } from './user.response';

export type { UserCollection } from './users.repository';

/** What creating an account needs, whoever creates it (self-registration or staff). */
export interface NewAccount {
  username: string;
  email: string;
  password: string;
  phone_number?: string | null;
  profile?: ProfileDto;
  role: Role;
  state?: 0 | 1;
  /** The address is known to be the owner's (the configured superadmin): no verification link. */
  emailVerified?: boolean;
}

export interface AccountContext {
  /** Staff member creating the account; null for self-registration. */
  actor: AuthUser | null;
  meta: RequestMeta;
  details?: AuditDetails;
  /**
   * Runs inside the creating transaction before the insert (e.g. consuming an invitation); may name
   * the invitation the account came with and add audit details.
   */
  inTransaction?: (tx: Tx) => Promise<{ invitationId?: string; details?: AuditDetails }>;
}

/** How many rows a walk along created_at may expect to read for a page before collecting the matches is cheaper. */
const WALK_MAX_ROWS = 5000;

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
    private readonly users: UsersRepository,
    private readonly transactions: Transactions,
    private readonly policy: AccessPolicy,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly audit: AuditLogService,
    private readonly accountMail: AccountMailService,
    private readonly replicas: ReadReplicas,
  ) {}

  /** A user by id (live ones unless asked), with their occupation; `lock` needs `tx`. */
  findById(id: string, options: { withDeleted?: boolean; tx?: Tx; lock?: boolean } = {}): Promise<User | null> {
    return this.users.findById(id, options);
  }

  /** The 000 ids of these users (for the 000 API, which shows integers), deleted ones included. */
  ids000(ids: string[]): Promise<Map<string, string>> {
    return this.users.ids000(ids);
  }

  /** The canonical id behind a 000 id, or null. */
  idBy000(id000: string): Promise<string | null> {
    return this.users.idBy000(id000);
  }

  /** The 001 ids (ObjectIds) of these users, deleted ones included. */
  ids001(ids: string[]): Promise<Map<string, string>> {
    return this.users.ids001(ids);
  }

  /** The canonical id behind a 001 id (lower-case hex), or null. */
  idBy001(id001: string): Promise<string | null> {
    return this.users.idBy001(id001);
  }

  /**
   * The user `id` when the actor may read them (`user.read`). A missing user is 404 only to those
   * who may read others; anyone else gets 403 whether or not the id exists, so ids cannot be probed.
   * Deleted users exist for those who may read deleted users, or when `withDeleted` says so.
   */
  async findReadable(actor: AuthUser, id: string, options: { withDeleted?: boolean } = {}): Promise<User> {
    const user = await this.findById(id, { withDeleted: options.withDeleted || this.policy.can(actor, 'user.read-deleted', null) });
    if (!user)
      throw this.policy.can(actor, 'user.read-others', null) || actor.id === id ? AppException.notFound() : AppException.forbidden();
    this.policy.assert(actor, 'user.read', user);
    return user;
  }

  async getForViewer(actor: AuthUser, id: string): Promise<UserResponse> {
    return UserResponse.from(await this.findReadable(actor, id), actor);
  }

  /**
   * The one page-of-users builder (GET /users, and the members of a group or an occupation, passed
   * as `collection`; the caller decided who may list it). `count` counts the filtered rows, `total`
   * the collection without filters.
   */
  async list(actor: AuthUser, query: ListUsersQuery, collection: UserCollection = {}): Promise<Page<UserResponse>> {
    const deleted: DeletedScope = query.deleted === 'true' || query.deleted === '1' ? 'only' : query.deleted === 'all' ? 'all' : 'none';
    if (deleted !== 'none') this.policy.assert(actor, 'user.read-deleted', null);

    const sort = (query.sort ?? 'created_at').split(',');
    if (query.cursor !== undefined) await this.assertCursor(query);
    // A short username fragment alone: its exact count is one counter row, and when it matches a
    // good share of the users, walking created_at order finds a page sooner than collecting every match.
    const fragment = deleted === 'none' && !collection.group && !collection.occupation ? shortUsernameFragment(query) : null;
    // Lists read a replica when one is fit for this client (ReadReplicas), the primary otherwise.
    const [rows, counted, totalled] = await this.replicas.run(actor, async (reader) => {
      const [fragmentCount, knownTotal] =
        fragment === null
          ? [null, null]
          : await Promise.all([this.users.countUsernameFragment(fragment, reader), this.users.countTotal(deleted, collection, reader)]);
      const walk =
        fragmentCount !== null && knownTotal !== null && fragmentCount > 0 && (sort[0] === 'created_at' || sort[0] === '-created_at')
          ? ((query.offset + query.limit) * knownTotal) / fragmentCount <= WALK_MAX_ROWS
          : false;

      // `total` (the collection without filters) and `count` (with them) are counted without the
      // occupation join; with no filters they are the same number, counted once.
      const total = knownTotal ?? this.users.countTotal(deleted, collection, reader);
      const count =
        fragmentCount !== null
          ? fragmentCount
          : this.users.hasFilters(query)
            ? this.users.countFiltered(deleted, collection, query, reader)
            : total;
      return Promise.all([this.users.page({ query, deleted, collection, sort, walk }, reader), count, total]);
    });
    return {
      ...toPage(
        rows.map((user) => UserResponse.from(user, actor)),
        counted,
        totalled,
        query,
      ),
      next_cursor: rows.length === query.limit ? rows[rows.length - 1].id : null,
    };
  }

  /** A cursor is the id of an existing user, with the created_at order and without page. */
  private async assertCursor(query: ListUsersQuery): Promise<void> {
    const problems = [];
    if (query.page !== 1) problems.push({ field: 'cursor', message: bilingual('cursor cannot be combined with page') });
    if (query.sort !== undefined && query.sort !== 'created_at' && query.sort !== '-created_at') {
      problems.push({ field: 'cursor', message: bilingual('cursor works with sort=created_at or sort=-created_at only') });
    }
    if (!(await this.users.exists(query.cursor as string))) {
      problems.push({ field: 'cursor', message: bilingual('cursor is not a valid position') });
    }
    if (problems.length > 0) throw AppException.validation(problems);
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
      const id = await this.transactions.run(async (tx) => {
        const extra = (await context.inTransaction?.(tx)) ?? {};
        const user = Object.assign(new User(), {
          username: account.username,
          email: account.email,
          phoneNumber: account.phone_number ?? null,
          passwordHash,
          role: account.role,
          state: account.state ?? USER_STATE.NORMAL,
          invitationId: extra.invitationId ?? null,
          emailVerifiedAt: account.emailVerified ? new Date() : null,
        });
        this.applyProfile(user, account.profile);
        const userId = await this.users.insert(tx, user);
        // Registration and staff-created accounts get a link proving the address (EMAIL_VERIFICATION off: none).
        if (!account.emailVerified && this.accountMail.verifies) {
          const mailed = { id: userId, username: user.username, email: user.email, languagePreference: user.languagePreference };
          await this.accountMail.sendVerification(tx, mailed, user.email, context.meta.language);
        }
        await this.audit.record(
          {
            operation: AuditOperation.REGISTERED,
            userId,
            operatorId: context.actor?.id ?? userId,
            meta: context.meta,
            details: {
              role: account.role,
              ...(context.details ?? {}),
              ...(extra.details ?? {}),
            },
          },
          tx,
        );
        return userId;
      });
      this.accountMail.flush();
      return (await this.findById(id)) as User;
    } catch (error) {
      throw this.uniquenessError(error) ?? error;
    }
  }

  /** POST /users: staff create an account; only a superadmin may give a role above user. */
  async createByStaff(actor: AuthUser, account: NewAccount, meta: RequestMeta): Promise<UserResponse> {
    this.policy.assert(actor, 'user.assign-role', { role: account.role });
    const user = await this.create(account, { actor, meta });
    return UserResponse.from(user, actor);
  }

  /**
   * PATCH /users/:id and PATCH /auth/me. Each kind of change is checked by the policy, against the
   * row as locked inside the transaction; the change, the end of the user's sessions (when disabled
   * or reset) and the audit records (update, role, state) commit together. `emailChange: 'immediate'` is
   * for the source APIs, which API.md keeps unchanged: there a new address replaces the old one at once
   * (and counts as unverified) instead of waiting for its link.
   */
  async update(
    actor: AuthUser,
    id: string,
    changes: UpdateUserDto,
    meta: RequestMeta,
    options: { emailChange: 'confirm' | 'immediate' } = { emailChange: 'confirm' },
  ): Promise<UserResponse> {
    const current = await this.findReadable(actor, id);
    if (current.deletedAt) throw AppException.notFound();
    this.authorizeUpdate(actor, current, changes);
    if (changes.username !== undefined || changes.email !== undefined) {
      await this.assertAvailable(changes.username, changes.email, current.id);
    }
    await this.assertOccupationExists(changes.profile?.occupation);
    const passwordHash = changes.password !== undefined ? await this.hasher.hash(changes.password) : undefined;
    const confirmsEmail = this.accountMail.verifies && options.emailChange === 'confirm';
    if (
      options.emailChange === 'confirm' &&
      changes.email !== undefined &&
      changes.email !== current.email &&
      !confirmsEmail &&
      this.accountMail.verificationMode !== 'off'
    ) {
      // Production without SMTP_URL: a new address could never be confirmed.
      this.accountMail.assertAvailable();
    }

    try {
      await this.transactions.run(async (tx) => {
        const target = await this.findById(id, { tx, lock: true });
        if (!target) throw AppException.notFound();
        this.authorizeUpdate(actor, target, changes);
        const { set, updated } = this.diff(target, changes, passwordHash);
        // A new address waits in pending_email until the link sent to it is followed; the old one stays and is told.
        const newEmail = confirmsEmail ? set.email : undefined;
        if (newEmail !== undefined) {
          delete set.email;
          set.pendingEmail = newEmail;
          updated.splice(updated.indexOf('email'), 1, 'pending_email');
        } else if (confirmsEmail && changes.email !== undefined && changes.email === target.email && target.pendingEmail) {
          set.pendingEmail = null;
          updated.push('pending_email');
        }
        // The source APIs' immediate change: the new address is unproved until its link is followed.
        const immediateEmail = options.emailChange === 'immediate' && set.email !== undefined ? set.email : undefined;
        if (immediateEmail !== undefined) Object.assign(set, { emailVerifiedAt: null, pendingEmail: null });
        const roleChanged = changes.role !== undefined && changes.role !== target.role;
        const stateChanged = changes.state !== undefined && changes.state !== target.state;
        if (roleChanged) set.role = changes.role;
        if (stateChanged) set.state = changes.state;
        if (Object.keys(set).length === 0) return;

        await this.users.update(tx, target.id, set);
        if (immediateEmail !== undefined && this.accountMail.verifies) {
          await this.accountMail.sendVerification(tx, target, immediateEmail, meta.language);
        }
        if (newEmail !== undefined) {
          await this.accountMail.sendVerification(tx, target, newEmail, meta.language);
          await this.accountMail.sendEmailChangeNotice(tx, target, newEmail, meta.language);
        }
        if (stateChanged && changes.state === USER_STATE.DISABLED) {
          await this.sessions.revokeAllForUser(target.id, 'disabled', tx);
        } else if (passwordHash) {
          await this.sessions.revokeAllForUser(target.id, 'password_reset', tx);
        }
        // The audit records come last: the chain head is the lock every audited write shares.
        const record = (operation: AuditOperation, details: AuditDetails): Promise<void> =>
          this.audit.record({ operation, userId: target.id, operatorId: actor.id, meta, details }, tx);
        if (updated.length > 0) await record(AuditOperation.USER_UPDATED, { fields: updated });
        if (passwordHash) await record(AuditOperation.PASSWORD_CHANGED, { by: 'staff' });
        if (roleChanged) await record(AuditOperation.ROLE_CHANGED, { from: target.role, to: changes.role as Role });
        if (stateChanged) await record(AuditOperation.STATE_CHANGED, { from: target.state, to: changes.state as number });
      });
    } catch (error) {
      throw this.uniquenessError(error) ?? error;
    }
    this.accountMail.flush();
    const fresh = (await this.findById(id)) as User;
    return UserResponse.from(fresh, actor);
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
    const may = (action: 'user.update' | 'user.change-role' | 'user.change-state' | 'user.reset-password'): boolean =>
      this.policy.can(actor, action, target);
    const touchesAccount =
      changes.username !== undefined || changes.email !== undefined || changes.phone_number !== undefined || changes.profile !== undefined;
    if (touchesAccount && !may('user.update')) throw AppException.forbidden();
    if (changes.role !== undefined && changes.role !== target.role && !may('user.change-role')) throw AppException.forbidden();
    if (changes.state !== undefined && changes.state !== target.state && !may('user.change-state')) throw AppException.forbidden();
    if (changes.password !== undefined && !may('user.reset-password')) throw AppException.forbidden();
    if (
      !touchesAccount &&
      changes.role === undefined &&
      changes.state === undefined &&
      changes.password === undefined &&
      !may('user.update')
    ) {
      throw AppException.forbidden();
    }
  }

  /** Soft delete: the row stays (username and email reserved), sessions end, the user cannot log in. */
  async softDelete(actor: AuthUser, id: string, meta: RequestMeta): Promise<void> {
    await this.transactions.run(async (tx) => {
      const target = await this.findById(id, { tx, lock: true });
      if (!target) throw AppException.notFound();
      this.policy.assert(actor, 'user.delete', target);
      await this.users.softDelete(tx, target.id);
      await this.sessions.revokeAllForUser(target.id, 'deleted', tx);
      await this.audit.record({ operation: AuditOperation.USER_DELETED, userId: target.id, operatorId: actor.id, meta }, tx);
    });
  }

  async restore(actor: AuthUser, id: string, meta: RequestMeta): Promise<UserResponse> {
    await this.transactions.run(async (tx) => {
      const target = await this.findById(id, { withDeleted: true, tx, lock: true });
      if (!target) throw AppException.notFound();
      this.policy.assert(actor, 'user.restore', target);
      if (!target.deletedAt) throw AppException.conflict({ en: 'The user is not deleted', zh: '该用户未被删除' });
      await this.users.restore(tx, target.id);
      await this.audit.record({ operation: AuditOperation.USER_RESTORED, userId: target.id, operatorId: actor.id, meta }, tx);
    });
    const fresh = (await this.findById(id)) as User;
    return UserResponse.from(fresh, actor);
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
    const taken = await this.users.taken(username, email, exceptId);
    if (taken.username) throw new AppException(ErrorCode.USERNAME_TAKEN);
    if (taken.email) throw new AppException(ErrorCode.EMAIL_TAKEN);
  }

  private async assertOccupationExists(occupationId: string | null | undefined): Promise<void> {
    if (!occupationId) return;
    if (!(await this.users.occupationExists(occupationId))) {
      throw AppException.validation([{ field: 'profile.occupation', message: bilingual('the occupation does not exist') }]);
    }
  }

  /** Who holds this username or email already (the superadmin bootstrap asks). */
  holdersOf(username: string, email: string): Promise<Array<{ username: string; role: Role }>> {
    return this.users.taken(username, email).then((taken) => taken.holders);
  }

  anyWithRole(role: Role): Promise<boolean> {
    return this.users.anyWithRole(role);
  }

  /** A sign-in's stamp on the account (last_login_at, an upgraded hash), in the sign-in's transaction. */
  recordSignIn(tx: Tx, id: string, rehashed: string | undefined): Promise<User> {
    return this.users.recordSignIn(tx, id, rehashed);
  }

  /** The stored password hash of a live account (only the password checks ask). */
  passwordHashOf(id: string): Promise<string | null> {
    return this.users.passwordHash(id);
  }

  /** Sets a new hash only if the stored one is still the one that was verified; false otherwise. */
  swapPasswordHash(tx: Tx, id: string, next: string, verified: string): Promise<boolean> {
    return this.users.swapPasswordHash(tx, id, next, verified);
  }

  /** A live account by its (lower-case) address. */
  findByEmail(email: string): Promise<User | null> {
    return this.users.findByEmail(email);
  }

  /** A password set through a reset link: the link proved the address too. */
  async setPasswordByReset(tx: Tx, id: string, passwordHash: string): Promise<void> {
    const user = await this.findById(id, { tx, lock: true });
    await this.users.update(tx, id, { passwordHash, ...(user && !user.emailVerifiedAt ? { emailVerifiedAt: new Date() } : {}) });
  }

  /**
   * A followed verification link for `email`: the account's own address becomes verified, or the pending
   * new address replaces the old one. 'stale' when the link names neither any more (a later change replaced it).
   */
  async confirmEmail(tx: Tx, id: string, email: string): Promise<{ outcome: 'verified' | 'changed' | 'stale'; previous: string }> {
    const user = await this.findById(id, { tx, lock: true });
    if (!user) return { outcome: 'stale', previous: '' };
    try {
      if (user.email === email) {
        if (!user.emailVerifiedAt) await this.users.update(tx, id, { emailVerifiedAt: new Date() });
        return { outcome: 'verified', previous: user.email };
      }
      if (user.pendingEmail === email) {
        await this.users.update(tx, id, { email, pendingEmail: null, emailVerifiedAt: new Date() });
        return { outcome: 'changed', previous: user.email };
      }
    } catch (error) {
      throw this.uniquenessError(error) ?? error;
    }
    return { outcome: 'stale', previous: user.email };
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
