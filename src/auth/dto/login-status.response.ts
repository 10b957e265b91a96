import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class LoginBlockReasonResponse {
  @ApiProperty({ enum: ['deleted', 'disabled', 'blacklisted', 'locked_out'] })
  code!: 'deleted' | 'disabled' | 'blacklisted' | 'locked_out';

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

  @ApiProperty({ description: 'True when nothing blocks a login with the right password' })
  can_login!: boolean;

  @ApiProperty({
    type: [LoginBlockReasonResponse],
    maxItems: 5,
    description: 'Every reason that blocks the login now (each kind once, locked_out once per identifier); empty when none',
  })
  reasons!: LoginBlockReasonResponse[];
}
