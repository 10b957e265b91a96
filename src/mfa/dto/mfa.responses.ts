import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { PasskeyRow, TotpRow } from '../mfa.repository';
import { RECOVERY_CODE_COUNT } from '../totp';

export class TotpEnrolmentResponse {
  @ApiProperty({
    minLength: 32,
    maxLength: 32,
    pattern: '^[A-Z2-7]{32}$',
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
    description: '160 bits, base32, for typing into an app by hand',
  })
  secret!: string;

  @ApiProperty({
    maxLength: 512,
    example:
      'otpauth://totp/User%20Management%20Service:alice2024?issuer=User%20Management%20Service&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
    description: 'The key URI authenticator apps read (issuer from MFA_ISSUER)',
  })
  otpauth_uri!: string;

  @ApiProperty({
    maxLength: 65536,
    example: 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0i...',
    description: 'A QR code of otpauth_uri, as an SVG data URL (an <img> src)',
  })
  qr_code!: string;
}

export class RecoveryCodesResponse {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', pattern: '^[a-z2-9]{5}-[a-z2-9]{5}$', maxLength: 11 },
    minItems: RECOVERY_CODE_COUNT,
    maxItems: RECOVERY_CODE_COUNT,
    example: [
      'k7m2p-x9q4r',
      'b3n8t-w2z6y',
      'c4d5e-f6g7h',
      'j8k9m-n2p3q',
      'r4s5t-u6v7w',
      'x8y9z-a2b3c',
      'd4e5f-g6h7j',
      'k8m9n-p2q3r',
      's4t5u-v6w7x',
      'y8z9a-b2c3d',
    ],
    description: 'Shown this once; each works once in place of a code (POST /auth/mfa/verify `recovery_code`)',
  })
  recovery_codes!: string[];
}

export class MfaStatusResponse {
  @ApiProperty({ description: 'TOTP is confirmed and asked for at login' })
  totp_enabled!: boolean;

  @ApiProperty({ description: 'An enrolment was started and awaits POST /auth/mfa/totp/confirm' })
  totp_pending!: boolean;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'When TOTP was confirmed' })
  totp_enabled_at!: string | null;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: RECOVERY_CODE_COUNT, description: 'Unused recovery codes left' })
  recovery_codes_remaining!: number;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 1000,
    description: 'Registered passkeys (GET /auth/passkeys lists them)',
  })
  passkeys!: number;

  @ApiProperty({ description: 'Your role must have a second factor (MFA_REQUIRED_ROLES) and you have none yet: only enrolment works' })
  enrolment_required!: boolean;

  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: ['pwd', 'otp', 'webauthn'] },
    maxItems: 3,
    example: ['pwd', 'otp'],
    description: "How this session signed in (the access token's `amr`)",
  })
  session_amr!: string[];

  static from(facts: {
    totp: TotpRow | null;
    recoveryCodes: number;
    passkeys: number;
    enrolmentRequired: boolean;
    amr: string[];
  }): MfaStatusResponse {
    return Object.assign(new MfaStatusResponse(), {
      totp_enabled: Boolean(facts.totp?.confirmedAt),
      totp_pending: facts.totp !== null && facts.totp.confirmedAt === null,
      totp_enabled_at: facts.totp?.confirmedAt?.toISOString() ?? null,
      recovery_codes_remaining: facts.totp?.confirmedAt ? facts.recoveryCodes : 0,
      passkeys: facts.passkeys,
      enrolment_required: facts.enrolmentRequired,
      session_amr: facts.amr,
    });
  }
}

export class PasskeyResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ maxLength: 64, example: 'Work laptop' })
  name!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String, description: 'Last sign-in with it' })
  last_used_at!: string | null;

  static from(row: PasskeyRow): PasskeyResponse {
    return Object.assign(new PasskeyResponse(), {
      id: row.id,
      name: row.name,
      created_at: row.createdAt.toISOString(),
      last_used_at: row.lastUsedAt?.toISOString() ?? null,
    });
  }
}

/**
 * WebAuthn options as @simplewebauthn/server makes them (PublicKeyCredentialCreationOptionsJSON or
 * PublicKeyCredentialRequestOptionsJSON): pass them to navigator.credentials.create() / .get() after decoding the
 * base64url fields, or to @simplewebauthn/browser's startRegistration() / startAuthentication() as they are.
 */
export class WebAuthnOptionsResponse {
  @ApiProperty({ maxLength: 128, pattern: '^[A-Za-z0-9_-]+$', description: 'base64url; single use, valid 5 minutes, kept server-side' })
  challenge!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { name: 'User Management Service', id: 'localhost' },
    description: 'Registration: the relying party (WEBAUTHN_RP_NAME, WEBAUTHN_RP_ID)',
  })
  rp?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Registration: `{ id, name, displayName }`; `id` is the account id (16 bytes, base64url), the user handle a passkey sign-in returns',
  })
  user?: Record<string, unknown>;

  @ApiPropertyOptional({ maxLength: 253, pattern: '^[A-Za-z0-9.-]+$', example: 'localhost', description: 'Sign-in: the relying party id' })
  rpId?: string;

  @ApiPropertyOptional({
    type: 'array',
    maxItems: 1000,
    items: { type: 'object', additionalProperties: true },
    description: "Sign-in as a second factor: the account's passkeys (`{ id, type, transports }`); empty for passwordless sign-in",
  })
  allowCredentials?: Array<Record<string, unknown>>;

  @ApiPropertyOptional({ enum: ['required', 'preferred', 'discouraged'], description: 'required for passwordless sign-in' })
  userVerification?: string;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 0, maximum: 600000, example: 300000, description: 'Milliseconds' })
  timeout?: number;

  [key: string]: unknown;
}
