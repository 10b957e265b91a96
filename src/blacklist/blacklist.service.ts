import { inTransaction } from '../common/database/transaction';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
import { AuditLogService } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import { SessionsService } from '../auth/sessions.service';
import { violatedUniqueConstraint } from '../common/database/errors';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import type { RequestMeta } from '../common/http/request-meta';
import { Page, toPage } from '../common/pagination/pagination';
import { outranks, requireRole, ROLES } from '../common/policies/roles';
import type { Role } from '../config/app-config';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { BlacklistEntry } from './blacklist-entry.entity';
import { BlacklistEntryResponse } from './blacklist-entry.response';
import type { CreateBlacklistEntryDto, ListBlacklistQuery } from './dto/blacklist.dto';

const ALREADY_BLACKLISTED = { en: 'The user is already blacklisted', zh: '该用户已在黑名单中' };
const ALREADY_REMOVED = { en: 'The entry was already removed', zh: '该黑名单记录已被移除' };

/**
 * The blacklist. While a user has an active entry they cannot log in (40303 after a correct
 * password) and every token of theirs is refused: adding an entry revokes their sessions in the
 * same transaction, and the per-request session check also looks for an active entry.
 */
@Injectable()
export class BlacklistService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditLogService,
  ) {}

  private get entries() {
    return this.dataSource.getRepository(BlacklistEntry);
  }

  /** Roles the actor may see and manage on the blacklist: strictly lower ones. */
  private manageableRoles(actor: AuthUser): Role[] {
    return ROLES.filter((role) => outranks(actor.role, role));
  }

  async add(actor: AuthUser, body: CreateBlacklistEntryDto, meta: RequestMeta): Promise<BlacklistEntryResponse> {
    requireRole(actor, 'admin');
    try {
      const id = await inTransaction(this.dataSource, async (manager) => {
        // Decided on the locked row, so a concurrent promotion cannot slip past the lower-role rule.
        const target = await this.users.findById(body.user, { manager, lock: true });
        if (!target) throw AppException.notFound({ en: 'User not found', zh: '用户不存在' });
        if (!outranks(actor.role, target.role)) throw AppException.forbidden();
        const inserted = await manager.insert(BlacklistEntry, { userId: target.id, reason: body.reason, operatorId: actor.id });
        const entryId = (inserted.identifiers[0] as { id: string }).id;
        await this.sessions.revokeAllForUser(target.id, 'blacklisted', manager);
        await this.audit.record(
          {
            operation: AuditOperation.BLACKLISTED,
            userId: target.id,
            operatorId: actor.id,
            meta,
            details: { entry_id: entryId, reason: body.reason },
          },
          manager,
        );
        return entryId;
      });
      return BlacklistEntryResponse.from(await this.entries.findOneByOrFail({ id }));
    } catch (error) {
      if (violatedUniqueConstraint(error) === 'black_list_active_user_key') throw AppException.conflict(ALREADY_BLACKLISTED);
      throw error;
    }
  }

  async list(actor: AuthUser, query: ListBlacklistQuery): Promise<Page<BlacklistEntryResponse>> {
    requireRole(actor, 'admin');
    const visible = (qb: SelectQueryBuilder<BlacklistEntry>): SelectQueryBuilder<BlacklistEntry> =>
      qb.innerJoin(User, 'u', 'u.id = b.user_id').where('u.role IN (:...roles)', { roles: this.manageableRoles(actor) });
    const filtered = visible(this.entries.createQueryBuilder('b')).andWhere('b.isDelete = :isDelete', { isDelete: query.is_delete ?? 0 });
    if (query.user !== undefined) filtered.andWhere('b.userId = :user', { user: query.user });
    const [[rows, count], total] = await Promise.all([
      filtered.orderBy('b.joinTime', 'DESC').addOrderBy('b.id', 'DESC').offset(query.offset).limit(query.limit).getManyAndCount(),
      visible(this.entries.createQueryBuilder('b')).getCount(),
    ]);
    return toPage(rows.map(BlacklistEntryResponse.from), count, total, query);
  }

  async get(actor: AuthUser, id: string): Promise<BlacklistEntryResponse> {
    return BlacklistEntryResponse.from(await this.findManageable(actor, id));
  }

  /** Removal keeps the history: the entry is marked is_delete 1 with when and by whom. */
  async remove(actor: AuthUser, id: string, meta: RequestMeta): Promise<BlacklistEntryResponse> {
    const entry = await this.findManageable(actor, id);
    if (entry.isDelete === 1) throw AppException.conflict(ALREADY_REMOVED);
    const removed = await inTransaction(this.dataSource, async (manager) => {
      const result: [unknown[], number] = await manager.query(
        `UPDATE black_list SET is_delete = 1, removed_at = now(), removed_by = $2 WHERE id = $1 AND is_delete = 0`,
        [id, actor.id],
      );
      if (result[1] === 0) return false;
      await this.audit.record(
        { operation: AuditOperation.UNBLACKLISTED, userId: entry.userId, operatorId: actor.id, meta, details: { entry_id: id } },
        manager,
      );
      return true;
    });
    if (!removed) throw AppException.conflict(ALREADY_REMOVED);
    return BlacklistEntryResponse.from(await this.entries.findOneByOrFail({ id }));
  }

  /** The user's active entry, if any (login and the login-status report ask). */
  async activeEntryFor(userId: string): Promise<BlacklistEntry | null> {
    return this.entries.findOne({ where: { userId, isDelete: 0 } });
  }

  private async findManageable(actor: AuthUser, id: string): Promise<BlacklistEntry> {
    requireRole(actor, 'admin');
    const entry = await this.entries.findOne({ where: { id } });
    if (!entry) throw AppException.notFound();
    const target = await this.users.findById(entry.userId, { withDeleted: true });
    if (!target || !outranks(actor.role, target.role)) throw AppException.forbidden();
    return entry;
  }
}
