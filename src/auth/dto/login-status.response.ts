import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { BlacklistEntry } from '../../blacklist/blacklist-entry.entity';
import type { AuthUser } from '../../common/decorators/auth.decorators';
import { can } from '../../common/policies/access.policy';
import type { User } from '../../users/user.entity';
import { visibilityFor } from '../../users/user.response';
import type { BlockReason } from '../sessions.repository';

/** What the login-status report is built from: the blocks (one definition) and their details. */
export interface LoginStatusFacts {
  user: User;
  blocks: BlockReason[];
  disabledSince: Date | null;
  blacklistEntry: BlacklistEntry | null;
  locks: Array<{ identifier: 'username' | 'email'; until: Date }>;
  /** MFA_REQUIRED_ROLES: the login works, but only second-factor enrolment does until one is enrolled. */
  mfaEnrolmentRequired?: boolean;
}

export class LoginBlockReasonResponse {
  @ApiProperty({
    enum: ['deleted', 'disabled', 'blacklisted', 'unverified', 'locked_out', 'mfa_enrolment_required'],
    description:
      '`unverified`: the email address is not verified yet (only with EMAIL_VERIFICATION=required). ' +
      '`mfa_enrolment_required` (MFA_REQUIRED_ROLES): the login works, then only second-factor enrolment does',
  })
  code!: 'deleted' | 'disabled' | 'blacklisted' | 'unverified' | 'locked_out' | 'mfa_enrolment_required';

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, description: 'Since when (deleted, disabled, blacklisted)' })
  since?: string | null;

  @ApiPropertyOptional({ format: 'date-time', description: 'Until when (locked_out)' })
  until?: string;

  @ApiPropertyOptional({ maxLength: 500, description: 'The blacklist reason' })
  reason?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The blacklist entry' })
  entry?: string;

  @ApiPropertyOptional({ enum: ['username', 'email'], description: 'Which identifier is locked (locked_out)' })
  identifier?: 'username' | 'email';
}

export class LoginStatusResponse {
  @ApiProperty({ format: 'uuid' })
  user!: string;

  @ApiProperty({ maxLength: 22, pattern: '^[A-Za-z0-9]{6,22}$', example: 'alice2024' })
  username!: string;

  @ApiProperty({ description: 'True when nothing blocks a login with the right password (mfa_enrolment_required does not)' })
  can_login!: boolean;

  @ApiProperty({
    type: [LoginBlockReasonResponse],
    maxItems: 6,
    description: 'Every reason that blocks the login now (each kind once, locked_out once per identifier); empty when none',
  })
  reasons!: LoginBlockReasonResponse[];

  /**
   * The report as `viewer` may see it: deleted_at is a time field only those who see a user's time
   * fields get; a blacklist entry's reason and id only those who may manage that entry.
   */
  static from(facts: LoginStatusFacts, viewer: Pick<AuthUser, 'id' | 'role'>): LoginStatusResponse {
    const { user, blacklistEntry: entry } = facts;
    const reasons: LoginBlockReasonResponse[] = [];
    for (const block of facts.blocks) {
      if (block === 'deleted')
        reasons.push({ code: 'deleted', since: visibilityFor(viewer, user) === 'full' ? (user.deletedAt?.toISOString() ?? null) : null });
      if (block === 'disabled') reasons.push({ code: 'disabled', since: facts.disabledSince?.toISOString() ?? null });
      if (block === 'blacklisted') {
        const since = entry?.joinTime.toISOString() ?? null;
        reasons.push(
          entry && can(viewer, 'blacklist.manage', user)
            ? { code: 'blacklisted', since, reason: entry.reason, entry: entry.id }
            : { code: 'blacklisted', since },
        );
      }
    }
    if (facts.blocks.includes('unverified')) reasons.push({ code: 'unverified' });
    for (const lock of facts.locks) reasons.push({ code: 'locked_out', until: lock.until.toISOString(), identifier: lock.identifier });
    const canLogin = reasons.length === 0;
    if (facts.mfaEnrolmentRequired) reasons.push({ code: 'mfa_enrolment_required' });
    return Object.assign(new LoginStatusResponse(), { user: user.id, username: user.username, can_login: canLogin, reasons });
  }
}
