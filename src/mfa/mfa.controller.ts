import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { LoginResponse } from '../auth/dto/auth.responses';
import { RateLimit } from '../auth/rate-limit.guard';
import { AuthUser, Authenticated, CurrentUser, OpenDuringMfaEnrolment, Public } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { ClientMeta, RequestMeta } from '../common/http/request-meta';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiEnvelope, ApiErrors } from '../common/swagger/api-docs.decorators';
import { DisableTotpDto, MfaVerifyDto, TotpCodeDto } from './dto/mfa.dto';
import { MfaStatusResponse, RecoveryCodesResponse, TotpEnrolmentResponse } from './dto/mfa.responses';
import { MfaService } from './mfa.service';

const E = ErrorCode;

@ApiTags('Second factor')
@Controller(API_PREFIX)
export class MfaController {
  constructor(private readonly mfa: MfaService) {}

  @Get('auth/mfa')
  @Authenticated()
  @OpenDuringMfaEnrolment()
  @ApiOperation({
    summary: 'My second factors',
    description:
      'What is enrolled (TOTP, recovery codes left, passkeys), whether your role still must enrol one, and how this session signed in.',
  })
  @ApiEnvelope(MfaStatusResponse)
  @ApiErrors(E.UNAUTHENTICATED)
  status(@CurrentUser() user: AuthUser): Promise<MfaStatusResponse> {
    return this.mfa.status(user);
  }

  @Post('auth/mfa/totp')
  @HttpCode(200)
  @Authenticated()
  @OpenDuringMfaEnrolment()
  @ApiOperation({
    summary: 'Start TOTP enrolment',
    description:
      'A new 160-bit secret, its otpauth:// URI (issuer MFA_ISSUER) and a QR code of it as an SVG data URL. Nothing changes at ' +
      'login until POST /auth/mfa/totp/confirm; calling this again replaces a pending secret. 40903 when TOTP is already on; ' +
      '40306 when the server has no MFA_ENCRYPTION_KEY.',
  })
  @ApiEnvelope(TotpEnrolmentResponse)
  @ApiErrors(E.UNAUTHENTICATED, E.CONFLICT, E.MFA_UNAVAILABLE)
  startTotp(@CurrentUser() user: AuthUser): Promise<TotpEnrolmentResponse> {
    return this.mfa.startTotp(user);
  }

  @Post('auth/mfa/totp/confirm')
  @HttpCode(200)
  @Authenticated()
  @OpenDuringMfaEnrolment()
  @ApiOperation({
    summary: 'Confirm TOTP enrolment',
    description:
      'With a current code from the app: TOTP is on from now, and the answer holds 10 recovery codes, shown this once ' +
      '(stored hashed; each works once). 40005 when no enrolment is pending, 40105 for a wrong code.',
  })
  @ApiEnvelope(RecoveryCodesResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.MFA_NOT_ENROLLED, E.MFA_CODE_WRONG, E.MFA_UNAVAILABLE)
  confirmTotp(@CurrentUser() user: AuthUser, @Body() body: TotpCodeDto, @ClientMeta() meta: RequestMeta): Promise<RecoveryCodesResponse> {
    return this.mfa.confirmTotp(user, body.code, meta);
  }

  @Post('auth/mfa/recovery-codes')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary: 'New recovery codes',
    description:
      'With a current TOTP code: 10 new recovery codes (the old ones stop working). A wrong or already used code is 40105 and ' +
      'counts toward a lock (LOGIN_MAX_FAILURES, then 42901 for LOGIN_LOCK_SECONDS).',
  })
  @ApiEnvelope(RecoveryCodesResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.MFA_NOT_ENROLLED, E.MFA_CODE_WRONG, E.MFA_UNAVAILABLE, E.TOO_MANY_REQUESTS)
  regenerate(@CurrentUser() user: AuthUser, @Body() body: TotpCodeDto, @ClientMeta() meta: RequestMeta): Promise<RecoveryCodesResponse> {
    return this.mfa.regenerateRecoveryCodes(user, body.code, meta);
  }

  @Delete('auth/mfa/totp')
  @Authenticated()
  @ApiOperation({
    summary: 'Turn TOTP off',
    description:
      'Needs the password (a wrong one is 40001 on `password`) and a current code (40105); both count toward a lock. ' +
      'The recovery codes go too. Passkeys stay.',
  })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.MFA_NOT_ENROLLED, E.MFA_CODE_WRONG, E.MFA_UNAVAILABLE, E.TOO_MANY_REQUESTS)
  async disableTotp(@CurrentUser() user: AuthUser, @Body() body: DisableTotpDto, @ClientMeta() meta: RequestMeta): Promise<null> {
    await this.mfa.disableTotp(user, body, meta);
    return null;
  }

  @Post('auth/mfa/verify')
  @HttpCode(200)
  @Public()
  @RateLimit('login')
  @ApiOperation({
    summary: 'Log in, second step',
    description:
      'After POST /auth/login answered `mfa_required: true`: the `mfa_token` and exactly one of `code` (TOTP), ' +
      '`recovery_code`, or `passkey` (an assertion for the options of POST /auth/passkeys/mfa/options). Answers the token ' +
      'pair with `amr` [pwd, otp] or [pwd, webauthn]. The mfa_token works once and for 5 minutes (40104 after); a wrong ' +
      'or already used code is 40105, audited, and counts toward the same lock as wrong passwords (42901 once locked).',
  })
  @ApiEnvelope(LoginResponse)
  @ApiErrors(
    E.VALIDATION_FAILED,
    E.MFA_TOKEN_INVALID,
    E.MFA_CODE_WRONG,
    E.ACCOUNT_DISABLED,
    E.ACCOUNT_BLACKLISTED,
    E.MFA_UNAVAILABLE,
    E.TOO_MANY_REQUESTS,
  )
  verify(@Body() body: MfaVerifyDto, @ClientMeta() meta: RequestMeta): Promise<LoginResponse> {
    return this.mfa.verify(body, meta);
  }

  @Delete('users/:id/mfa')
  @Authenticated({ role: 'admin' })
  @ApiTags('Users')
  @ApiOperation({
    summary: "Reset a user's second factor",
    description:
      'Admin+ on a user of a lower role, superadmin on anyone else (never oneself: use DELETE /auth/mfa/totp). Removes TOTP, ' +
      "the recovery codes and every passkey, ends all of the user's sessions, and is audited (operation 20).",
  })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  async reset(@CurrentUser() user: AuthUser, @Param('id', UuidParamPipe) id: string, @ClientMeta() meta: RequestMeta): Promise<null> {
    await this.mfa.reset(user, id, meta);
    return null;
  }
}
