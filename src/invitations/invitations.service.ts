import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppException } from '../common/errors/app.exception';
import { ErrorCode } from '../common/errors/error-codes';
import { Page, PaginationQuery, toPage } from '../common/pagination/pagination';
import { AccessPolicy } from '../common/policies/access-policy.service';
import { bilingual } from '../common/pipes/validation-messages';
import type { Tx } from '../database/transactions';
import type { CreateInvitationDto } from './dto/invitation.dto';
import { InvitationResponse } from './invitation.response';
import { InvitationsRepository } from './invitations.repository';

const DEFAULT_LIFETIME_MS = 7 * 24 * 3600 * 1000;
const MAX_LIFETIME_MS = 366 * 24 * 3600 * 1000;
const ALREADY_REVOKED = { en: 'The invitation was already revoked', zh: '该邀请码已被撤销' };

function hashCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/**
 * Invitation codes for admin registrations: 192 random bits from the CSPRNG, shown once, stored as
 * SHA-256. A use is counted by one conditional update inside the registering transaction, so 20
 * parallel registrations with a one-use code create exactly one admin.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly repository: InvitationsRepository,
    private readonly policy: AccessPolicy,
  ) {}

  async create(actor: AuthUser, body: CreateInvitationDto): Promise<InvitationResponse> {
    this.policy.assert(actor, 'invitation.manage', null);
    const expiresAt = body.expires_at ? new Date(body.expires_at) : new Date(Date.now() + DEFAULT_LIFETIME_MS);
    if (expiresAt.getTime() <= Date.now() || expiresAt.getTime() > Date.now() + MAX_LIFETIME_MS) {
      throw AppException.validation([{ field: 'expires_at', message: bilingual('expires_at must be in the future and within one year') }]);
    }
    const code = `inv_${randomBytes(24).toString('base64url')}`;
    const invitation = await this.repository.insert({
      codeHash: hashCode(code),
      role: body.role ?? 'admin',
      maxUses: body.max_uses ?? 1,
      expiresAt,
      createdBy: actor.id,
    });
    return InvitationResponse.from(invitation, code);
  }

  async list(actor: AuthUser, page: PaginationQuery): Promise<Page<InvitationResponse>> {
    this.policy.assert(actor, 'invitation.manage', null);
    const { rows, count } = await this.repository.page(page);
    return toPage(
      rows.map((row) => InvitationResponse.from(row)),
      count,
      count,
      page,
    );
  }

  async revoke(actor: AuthUser, id: string): Promise<InvitationResponse> {
    this.policy.assert(actor, 'invitation.manage', null);
    if (!(await this.repository.findById(id))) throw AppException.notFound();
    if (!(await this.repository.revoke(id, actor.id))) throw AppException.conflict(ALREADY_REVOKED);
    const revoked = await this.repository.findById(id);
    if (!revoked) throw AppException.notFound();
    return InvitationResponse.from(revoked);
  }

  /**
   * A cheap early look, so a bad code is refused before any password is hashed: 'unknown' (a guess),
   * 'unusable' (a real code, but expired, revoked or used up) or 'usable'.
   */
  async check(code: string): Promise<'unknown' | 'unusable' | 'usable'> {
    const usable = await this.repository.usableByHash(hashCode(code));
    return usable === null ? 'unknown' : usable ? 'usable' : 'unusable';
  }

  /**
   * Counts one use inside the registering transaction (the row lock makes it race-safe) and returns
   * the invitation id; 40002 when the code is wrong, expired, revoked or used up.
   */
  async consume(code: string, tx: Tx): Promise<string> {
    const candidate = hashCode(code);
    const row = await this.repository.countUse(candidate, tx);
    // The lookup is by a hash of the code; the final check compares in constant time all the same.
    if (!row || !timingSafeEqual(Buffer.from(row.codeHash), Buffer.from(candidate))) throw new AppException(ErrorCode.INVITATION_INVALID);
    return row.id;
  }
}
