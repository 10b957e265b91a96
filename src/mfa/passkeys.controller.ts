import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { LoginResponse } from '../auth/dto/auth.responses';
import { RateLimit } from '../auth/rate-limit.guard';
import { AuthUser, Authenticated, CurrentUser, OpenDuringMfaEnrolment, Public } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { ClientMeta, RequestMeta } from '../common/http/request-meta';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { Page, PaginationQuery } from '../common/pagination/pagination';
import { ApiEnvelope, ApiErrors, ApiPageEnvelope } from '../common/swagger/api-docs.decorators';
import { MfaTokenDto, PasskeyAssertionDto, PasskeyRegistrationDto } from './dto/mfa.dto';
import { PasskeyResponse, WebAuthnOptionsResponse } from './dto/mfa.responses';
import { PasskeysService } from './passkeys.service';

const E = ErrorCode;

@ApiTags('Second factor')
@Controller(`${API_PREFIX}/auth/passkeys`)
export class PasskeysController {
  constructor(private readonly passkeys: PasskeysService) {}

  @Get()
  @Authenticated()
  @OpenDuringMfaEnrolment()
  @ApiOperation({ summary: 'My passkeys', description: 'Name, when registered, when last used to sign in.' })
  @ApiPageEnvelope(PasskeyResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED)
  list(@CurrentUser() user: AuthUser, @Query() page: PaginationQuery): Promise<Page<PasskeyResponse>> {
    return this.passkeys.list(user, page);
  }

  @Post('register/options')
  @HttpCode(200)
  @Authenticated()
  @OpenDuringMfaEnrolment()
  @ApiOperation({
    summary: 'Start registering a passkey',
    description:
      'Options for navigator.credentials.create() (discoverable credential required, so it also signs in without a password). ' +
      'The challenge is kept server-side, works once and for 5 minutes.',
  })
  @ApiEnvelope(WebAuthnOptionsResponse)
  @ApiErrors(E.UNAUTHENTICATED)
  registrationOptions(@CurrentUser() user: AuthUser): Promise<WebAuthnOptionsResponse> {
    return this.passkeys.registrationOptions(user);
  }

  @Post('register/verify')
  @Authenticated()
  @OpenDuringMfaEnrolment()
  @ApiOperation({
    summary: 'Finish registering a passkey',
    description:
      'The credential navigator.credentials.create() returned (as JSON), and an optional name. From now on a password login asks ' +
      'for a second step. 40004 when the challenge is unknown, used or expired, or the response does not verify.',
  })
  @ApiEnvelope(PasskeyResponse, { status: 201 })
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.PASSKEY_VERIFICATION_FAILED, E.CONFLICT)
  register(@CurrentUser() user: AuthUser, @Body() body: PasskeyRegistrationDto, @ClientMeta() meta: RequestMeta): Promise<PasskeyResponse> {
    return this.passkeys.register(user, body.credential, body.name, meta);
  }

  @Delete(':id')
  @Authenticated()
  @ApiOperation({ summary: 'Remove one of my passkeys', description: '40401 for a passkey that is not yours.' })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.NOT_FOUND)
  async remove(@CurrentUser() user: AuthUser, @Param('id', UuidParamPipe) id: string, @ClientMeta() meta: RequestMeta): Promise<null> {
    await this.passkeys.remove(user, id, meta);
    return null;
  }

  @Post('mfa/options')
  @HttpCode(200)
  @Public()
  @RateLimit('login')
  @ApiOperation({
    summary: 'Log in, second step with a passkey: options',
    description:
      'With the mfa_token of a login whose `methods` include `webauthn`: options for navigator.credentials.get() naming that ' +
      "account's passkeys. Send the assertion to POST /auth/mfa/verify as `passkey`. The mfa_token is not spent here.",
  })
  @ApiEnvelope(WebAuthnOptionsResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.MFA_TOKEN_INVALID, E.MFA_NOT_ENROLLED, E.TOO_MANY_REQUESTS)
  secondFactorOptions(@Body() body: MfaTokenDto): Promise<WebAuthnOptionsResponse> {
    return this.passkeys.secondFactorOptions(body.mfa_token);
  }

  @Post('login/options')
  @HttpCode(200)
  @Public()
  @RateLimit('login')
  @ApiOperation({
    summary: 'Passwordless sign-in: options',
    description:
      'Options for navigator.credentials.get() with no credential list (the browser offers its discoverable passkeys for this site).',
  })
  @ApiEnvelope(WebAuthnOptionsResponse)
  @ApiErrors(E.TOO_MANY_REQUESTS)
  passwordlessOptions(): Promise<WebAuthnOptionsResponse> {
    return this.passkeys.passwordlessOptions();
  }

  @Post('login/verify')
  @HttpCode(200)
  @Public()
  @RateLimit('login')
  @ApiOperation({
    summary: 'Passwordless sign-in',
    description:
      'The assertion navigator.credentials.get() returned: answers the token pair with `amr` [webauthn]. 40004 when the ' +
      'challenge is unknown, used or expired, the passkey unknown, the signature wrong, or its counter did not move forward ' +
      '(a cloned authenticator); 40302/40303 for a disabled or blacklisted account.',
  })
  @ApiEnvelope(LoginResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.PASSKEY_VERIFICATION_FAILED, E.ACCOUNT_DISABLED, E.ACCOUNT_BLACKLISTED, E.TOO_MANY_REQUESTS)
  passwordless(@Body() body: PasskeyAssertionDto, @ClientMeta() meta: RequestMeta): Promise<LoginResponse> {
    return this.passkeys.passwordless(body.credential, meta);
  }
}
