import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsString, Length, Matches } from 'class-validator';
import { Omittable, PASSWORD_MAX_LENGTH } from '../../common/validation/validators';

const TOTP_CODE = /^\d{6}$/;

export class TotpCodeDto {
  @ApiProperty({
    minLength: 6,
    maxLength: 6,
    pattern: '^\\d{6}$',
    example: '492039',
    description: 'The current 6-digit code of the authenticator app',
  })
  @IsString()
  @Matches(TOTP_CODE, { message: 'code must be 6 digits' })
  code!: string;
}

export class DisableTotpDto extends TotpCodeDto {
  @ApiProperty({ maxLength: PASSWORD_MAX_LENGTH, format: 'password', description: 'The current password' })
  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  password!: string;
}

export class MfaVerifyDto {
  @ApiProperty({ minLength: 47, maxLength: 47, pattern: '^mfa_[A-Za-z0-9_-]{43}$', description: 'From the login answer' })
  @IsString()
  @Matches(/^mfa_[A-Za-z0-9_-]{43}$/, { message: 'mfa_token must be the token a login answered' })
  mfa_token!: string;

  @ApiPropertyOptional({
    minLength: 6,
    maxLength: 6,
    pattern: '^\\d{6}$',
    example: '492039',
    description: 'A TOTP code (or give recovery_code, or passkey)',
  })
  @Omittable()
  @IsString()
  @Matches(TOTP_CODE, { message: 'code must be 6 digits' })
  code?: string;

  @ApiPropertyOptional({ maxLength: 32, example: 'k7m2p-x9q4r', description: 'One of the recovery codes (each works once)' })
  @Omittable()
  @IsString()
  @Length(1, 32)
  recovery_code?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The WebAuthn assertion (PublicKeyCredential as JSON) for the options of POST /auth/passkeys/mfa/options',
  })
  @Omittable()
  @IsObject()
  passkey?: Record<string, unknown>;
}

export class MfaTokenDto {
  @ApiProperty({ minLength: 47, maxLength: 47, pattern: '^mfa_[A-Za-z0-9_-]{43}$', description: 'From the login answer' })
  @IsString()
  @Matches(/^mfa_[A-Za-z0-9_-]{43}$/, { message: 'mfa_token must be the token a login answered' })
  mfa_token!: string;
}

export class PasskeyRegistrationDto {
  @ApiPropertyOptional({ maxLength: 64, example: 'Work laptop', description: 'A name to tell passkeys apart (default "Passkey")' })
  @Omittable()
  @IsString()
  @Length(1, 64)
  name?: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What navigator.credentials.create() returned, as JSON' })
  @IsObject()
  credential!: Record<string, unknown>;
}

export class PasskeyAssertionDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'What navigator.credentials.get() returned, as JSON' })
  @IsObject()
  credential!: Record<string, unknown>;
}
