import { Injectable } from '@nestjs/common';
import { AuditLogService } from '../audit-log/audit-log.service';
import { AuditOperation } from '../audit-log/audit-operation';
import { SessionsService } from '../auth/sessions.service';
import { violatedUniqueConstraint } from '../common/database/errors';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import type { RequestMeta } from '../common/http/request-meta';
import { Page, toPage } from '../common/pagination/pagination';
import { AccessPolicy } from '../common/policies/access-policy.service';
import { manageableBlacklistRoles } from '../common/policies/access.policy';
import { ROLES } from '../common/policies/roles';
import { ReadReplicas } from '../database/read-replicas';
import { Transactions } from '../database/transactions';
import { UsersService } from '../users/users.service';
import type { BlacklistEntry } from './blacklist-entry.entity';
import { BlacklistEntryResponse } from './blacklist-entry.response';
import { BlacklistRepository } from './blacklist.repository';
import type { CreateBlacklistEntryDto, ListBlacklistQuery } from './dto/blacklist.dto';

const ALREADY_BLACKLISTED = { en: 'The user is already blacklisted', zh: '该用户已在黑名单中' };
const ALREADY_REMOVED = { en: 'The entry was already removed', zh: '该黑名单记录已被移除' };

/**
 * The blacklist. While a user has an active entry they cannot log in (40303 after a correct
 * password) and every token of theirs is refused: adding an entry revokes their sessions in the
 * same transaction, and the session-validity definition also looks for an active entry.
 */
@Injectable()
export class BlacklistService {
  constructor(
    private readonly entries: BlacklistRepository,
    private readonly transactions: Transactions,
    private readonly policy: AccessPolicy,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditLogService,
    private readonly replicas: ReadReplicas,
  ) {}

  async add(actor: AuthUser, body: CreateBlacklistEntryDto, meta: RequestMeta): Promise<BlacklistEntryResponse> {
    try {
      const id = await this.transactions.run(async (tx) => {
        // Decided on the locked row, so a concurrent promotion cannot slip past the lower-role rule.
        const target = await this.users.findById(body.user, { tx, lock: true });
        if (!target) throw AppException.notFound({ en: 'User not found', zh: '用户不存在' });
        this.policy.assert(actor, 'blacklist.manage', target);
        const entryId = await this.entries.insert(tx, { userId: target.id, reason: body.reason, operatorId: actor.id });
        await this.sessions.revokeAllForUser(target.id, 'blacklisted', tx);
        await this.audit.record(
          {
            operation: AuditOperation.BLACKLISTED,
            userId: target.id,
            operatorId: actor.id,
            meta,
            details: { entry_id: entryId, reason: body.reason },
          },
          tx,
        );
        return entryId;
      });
      return BlacklistEntryResponse.from((await this.entries.findById(id)) as BlacklistEntry);
    } catch (error) {
      if (violatedUniqueConstraint(error) === 'black_list_active_user_key') throw AppException.conflict(ALREADY_BLACKLISTED);
      throw error;
    }
  }

  /** Entries of users the actor may manage (a lower role than theirs). */
  async list(actor: AuthUser, query: ListBlacklistQuery): Promise<Page<BlacklistEntryResponse>> {
    const roles = manageableBlacklistRoles(actor, ROLES, this.policy.rules);
    // A list: read on a replica fit for this client (ReadReplicas); which roles it covers was decided above.
    const { rows, count, total } = await this.replicas.run(actor, (reader) =>
      this.entries.page(roles, { isDelete: query.is_delete ?? 0, user: query.user }, query.offset, query.limit, reader),
    );
    return toPage(rows.map(BlacklistEntryResponse.from), count, total, query);
  }

  async get(actor: AuthUser, id: string): Promise<BlacklistEntryResponse> {
    return BlacklistEntryResponse.from(await this.findManageable(actor, id));
  }

  /** The 000 ids of these entries (for the 000 API, which shows integers), deleted ones included. */
  ids000(ids: string[]): Promise<Map<string, string>> {
    return this.entries.ids000(ids);
  }

  /** The canonical id behind a 000 id, or null. */
  idBy000(id000: string): Promise<string | null> {
    return this.entries.idBy000(id000);
  }

  /** Removal keeps the history: the entry is marked is_delete 1 with when and by whom. */
  async remove(actor: AuthUser, id: string, meta: RequestMeta): Promise<BlacklistEntryResponse> {
    const entry = await this.findManageable(actor, id);
    if (entry.isDelete === 1) throw AppException.conflict(ALREADY_REMOVED);
    const removed = await this.transactions.run(async (tx) => {
      if (!(await this.entries.markRemoved(tx, id, actor.id))) return false;
      await this.audit.record(
        { operation: AuditOperation.UNBLACKLISTED, userId: entry.userId, operatorId: actor.id, meta, details: { entry_id: id } },
        tx,
      );
      return true;
    });
    if (!removed) throw AppException.conflict(ALREADY_REMOVED);
    return BlacklistEntryResponse.from((await this.entries.findById(id)) as BlacklistEntry);
  }

  /** The user's active entry, if any (the login-status report asks). */
  activeEntryFor(userId: string): Promise<BlacklistEntry | null> {
    return this.entries.findActiveFor(userId);
  }

  private async findManageable(actor: AuthUser, id: string): Promise<BlacklistEntry> {
    const entry = await this.entries.findById(id);
    if (!entry) throw AppException.notFound();
    const target = await this.users.findById(entry.userId, { withDeleted: true });
    if (!target || !this.policy.can(actor, 'blacklist.manage', target)) throw AppException.forbidden();
    return entry;
  }
}
