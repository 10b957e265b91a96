import { ApiProperty } from '@nestjs/swagger';
import type { MfaMethod } from '../../auth/sessions.repository';

export type MfaStepMethod = MfaMethod | 'recovery_code';

/** What POST /auth/login answers for an account with a second factor: no tokens, the second step's token. */
export class MfaChallengeResponse {
  @ApiProperty({ enum: [true], example: true, description: 'Always true here: finish the sign-in at POST /auth/mfa/verify' })
  mfa_required!: true;

  @ApiProperty({
    minLength: 47,
    maxLength: 47,
    pattern: '^mfa_[A-Za-z0-9_-]{43}$',
    example: 'mfa_3q2-7wZxP0dVn0Bq7yH5cZt4i3sGJtP1c8i6Qm2X0aE',
    description: 'Single use, valid 5 minutes, bound to this password step; not an access token',
  })
  mfa_token!: string;

  @ApiProperty({
    type: 'array',
    items: { type: 'string', enum: ['totp', 'recovery_code', 'webauthn'] },
    maxItems: 3,
    example: ['totp', 'recovery_code'],
    description:
      'What the second step accepts: `totp` and `recovery_code` at POST /auth/mfa/verify, `webauthn` through ' +
      'POST /auth/passkeys/mfa/options and POST /auth/mfa/verify with `passkey`',
  })
  methods!: MfaStepMethod[];

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 300,
    example: 300,
    description: 'Seconds the mfa_token stays valid',
  })
  expires_in!: number;

  static from(token: string, methods: MfaMethod[]): MfaChallengeResponse {
    const stepMethods: MfaStepMethod[] = [];
    if (methods.includes('totp')) stepMethods.push('totp', 'recovery_code');
    if (methods.includes('webauthn')) stepMethods.push('webauthn');
    return Object.assign(new MfaChallengeResponse(), {
      mfa_required: true as const,
      mfa_token: token,
      methods: stepMethods,
      expires_in: 300,
    });
  }
}
