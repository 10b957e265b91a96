import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { Page, PaginationQuery, toPage } from '../common/pagination/pagination';
import { requireRole } from '../common/policies/roles';
import { bilingual } from '../common/pipes/validation-messages';
import type { CreateInvitationDto } from './dto/invitation.dto';
import { Invitation } from './invitation.entity';
import { InvitationResponse } from './invitation.response';

const DEFAULT_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const MAX_LIFETIME_MS = 366 * 24 * 3600 * 1000;
const ALREADY_REVOKED = { en: 'The invitation was already revoked', zh: '该邀请码已被撤销' };

function hashCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/**
 * Invitation codes for admin registrations: 192 random bits from the CSPRNG, shown once, stored as
 * SHA-256. A use is counted by one conditional UPDATE inside the registering transaction, so 20
 * parallel registrations with a one-use code create exactly one admin.
 */
@Injectable()
export class InvitationsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get invitations() {
    return this.dataSource.getRepository(Invitation);
  }

  async create(actor: AuthUser, body: CreateInvitationDto): Promise<InvitationResponse> {
    requireRole(actor, 'superadmin');
    const expiresAt = body.expires_at ? new Date(body.expires_at) : new Date(Date.now() + DEFAULT_LIFETIME_MS);
    if (expiresAt.getTime() <= Date.now() || expiresAt.getTime() > Date.now() + MAX_LIFETIME_MS) {
      throw AppException.validation([{ field: 'expires_at', message: bilingual('expires_at must be in the future and within one year') }]);
    }
    const code = `inv_${randomBytes(24).toString('base64url')}`;
    const inserted = await this.invitations.insert({
      codeHash: hashCode(code),
      role: body.role ?? 'admin',
      maxUses: body.max_uses ?? 1,
      expiresAt,
      createdBy: actor.id,
    });
    const invitation = await this.invitations.findOneByOrFail({ id: (inserted.identifiers[0] as { id: string }).id });
    return InvitationResponse.from(invitation, code);
  }

  async list(actor: AuthUser, page: PaginationQuery): Promise<Page<InvitationResponse>> {
    requireRole(actor, 'superadmin');
    const [rows, count] = await this.invitations.findAndCount({
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: page.offset,
      take: page.limit,
    });
    return toPage(
      rows.map((row) => InvitationResponse.from(row)),
      count,
      count,
      page,
    );
  }

  async revoke(actor: AuthUser, id: string): Promise<InvitationResponse> {
    requireRole(actor, 'superadmin');
    const invitation = await this.invitations.findOneBy({ id });
    if (!invitation) throw AppException.notFound();
    const result: [unknown[], number] = await this.dataSource.query(
      `UPDATE invitations SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [id, actor.id],
    );
    if (result[1] === 0) throw AppException.conflict(ALREADY_REVOKED);
    return InvitationResponse.from(await this.invitations.findOneByOrFail({ id }));
  }

  /**
   * A cheap early look, so a bad code is refused before any password is hashed: 'unknown' (a guess),
   * 'unusable' (a real code, but expired, revoked or used up) or 'usable'.
   */
  async check(code: string): Promise<'unknown' | 'unusable' | 'usable'> {
    const rows: Array<{ usable: boolean }> = await this.dataSource.query(
      `SELECT (revoked_at IS NULL AND expires_at > now() AND uses < max_uses) AS usable FROM invitations WHERE code_hash = $1`,
      [hashCode(code)],
    );
    return rows.length === 0 ? 'unknown' : rows[0].usable ? 'usable' : 'unusable';
  }

  /**
   * Counts one use inside the registering transaction (the row lock makes it race-safe) and returns
   * the invitation id; 40002 when the code is wrong, expired, revoked or used up.
   */
  async consume(code: string, manager: EntityManager): Promise<string> {
    const candidate = hashCode(code);
    // UPDATE ... RETURNING answers [rows, affected] through TypeORM.
    const [rows]: [Array<{ id: string; code_hash: string }>, number] = await manager.query(
      `UPDATE invitations SET uses = uses + 1
        WHERE code_hash = $1 AND revoked_at IS NULL AND expires_at > now() AND uses < max_uses
        RETURNING id, code_hash`,
      [candidate],
    );
    const row = rows[0];
    // The lookup is by a hash of the code; the final check compares in constant time all the same.
    if (!row || !timingSafeEqual(Buffer.from(row.code_hash), Buffer.from(candidate))) throw new AppException(ErrorCode.INVITATION_INVALID);
    return row.id;
  }
}
