import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Invitation } from './invitation.entity';

export type InvitationStatus = 'active' | 'expired' | 'revoked' | 'used_up';

export class InvitationResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiPropertyOptional({
    maxLength: 36,
    pattern: '^inv_[A-Za-z0-9_-]{32}$',
    description: 'The code itself: only in the creation response, never again',
    example: 'inv_2vQkq0M1b3JtZXhhbXBsZWNvZGUxMjM0',
  })
  code?: string;

  @ApiProperty({ enum: ['admin'] })
  role!: 'admin';

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 10000, example: 1 })
  max_uses!: number;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: 10000, example: 0 })
  uses!: number;

  @ApiProperty({ format: 'date-time' })
  expires_at!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  created_by!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  revoked_at!: string | null;

  @ApiProperty({ enum: ['active', 'expired', 'revoked', 'used_up'] })
  status!: InvitationStatus;

  static from(invitation: Invitation, code?: string): InvitationResponse {
    const status: InvitationStatus = invitation.revokedAt
      ? 'revoked'
      : invitation.uses >= invitation.maxUses
        ? 'used_up'
        : invitation.expiresAt.getTime() <= Date.now()
          ? 'expired'
          : 'active';
    return Object.assign(new InvitationResponse(), {
      id: invitation.id,
      ...(code ? { code } : {}),
      role: invitation.role,
      max_uses: invitation.maxUses,
      uses: invitation.uses,
      expires_at: invitation.expiresAt.toISOString(),
      created_by: invitation.createdBy,
      created_at: invitation.createdAt.toISOString(),
      revoked_at: invitation.revokedAt?.toISOString() ?? null,
      status,
    });
  }
}
