import { ApiProperty } from '@nestjs/swagger';
import { ACCESS_TOKEN_MAX_LENGTH, JWT_PATTERN, REFRESH_TOKEN_LENGTH, REFRESH_TOKEN_PATTERN } from '../../common/swagger/limits';
import { UserResponse } from '../../users/user.response';
import type { Session } from '../entities/session.entity';

export class TokenPairResponse {
  @ApiProperty({ maxLength: ACCESS_TOKEN_MAX_LENGTH, pattern: JWT_PATTERN, description: 'JWT (HS256) for `Authorization: Bearer`' })
  access_token!: string;

  @ApiProperty({
    minLength: REFRESH_TOKEN_LENGTH,
    maxLength: REFRESH_TOKEN_LENGTH,
    pattern: REFRESH_TOKEN_PATTERN,
    description: 'Opaque; exchange it once at POST /auth/refresh',
  })
  refresh_token!: string;

  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' })
  token_type!: 'Bearer';

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 30,
    maximum: 86400,
    example: 900,
    description: 'Seconds until the access token expires (JWT_ACCESS_TTL)',
  })
  expires_in!: number;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 60,
    maximum: 31536000,
    example: 1209600,
    description: 'Seconds until the refresh token expires (JWT_REFRESH_TTL)',
  })
  refresh_expires_in!: number;
}

export class LoginResponse extends TokenPairResponse {
  @ApiProperty({ type: () => UserResponse })
  user!: UserResponse;
}

export class SessionResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ nullable: true, type: String, maxLength: 45, example: '203.0.113.7' })
  ip!: string | null;

  @ApiProperty({ nullable: true, type: String, maxLength: 512 })
  user_agent!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  last_used_at!: string;

  @ApiProperty({ format: 'date-time' })
  expires_at!: string;

  @ApiProperty({ description: 'True for the session of the token making this request' })
  current!: boolean;

  static from(session: Session, currentSessionId: string): SessionResponse {
    const response = new SessionResponse();
    response.id = session.id;
    response.ip = session.ip;
    response.user_agent = session.userAgent;
    response.created_at = session.createdAt.toISOString();
    response.last_used_at = session.lastUsedAt.toISOString();
    response.expires_at = session.expiresAt.toISOString();
    response.current = session.id === currentSessionId;
    return response;
  }
}
