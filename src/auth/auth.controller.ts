import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, Authenticated, CurrentUser, OpenDuringMfaEnrolment, Public } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { ClientMeta, RequestMeta } from '../common/http/request-meta';
import { Page, PaginationQuery } from '../common/pagination/pagination';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiEnvelope, ApiErrors, ApiPageEnvelope } from '../common/swagger/api-docs.decorators';
import { UpdateMeDto } from '../users/dto/update-user.dto';
import { UserResponse } from '../users/user.response';
import { AuthService } from './auth.service';
import { LoginResponse, SessionResponse, TokenPairResponse } from './dto/auth.responses';
import { ChangePasswordDto } from './dto/change-password.dto';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { RegisterDto } from './dto/register.dto';
import { RateLimit } from './rate-limit.guard';
import { MfaChallengeResponse } from '../mfa/dto/mfa-challenge.response';

const E = ErrorCode;

@ApiTags('Auth')
@Controller(`${API_PREFIX}/auth`)
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @RateLimit('register')
  @ApiOperation({
    summary: 'Register',
    description:
      'Anyone. `is_admin: 1` with a valid invitation code makes an admin. Unknown fields (such as `role`) are refused with 40001. ' +
      'Rate limited per client (RATE_LIMIT_REGISTER per RATE_LIMIT_WINDOW_SECONDS).',
  })
  @ApiEnvelope(UserResponse, { status: 201 })
  @ApiErrors(E.VALIDATION_FAILED, E.INVITATION_INVALID, E.USERNAME_TAKEN, E.EMAIL_TAKEN, E.TOO_MANY_REQUESTS)
  register(@Body() body: RegisterDto, @ClientMeta() meta: RequestMeta): Promise<UserResponse> {
    return this.auth.register(body, meta);
  }

  @Post('login')
  @HttpCode(200)
  @Public()
  @RateLimit('login')
  @ApiOperation({
    summary: 'Log in',
    description:
      'Anyone, by username or email. One message for every wrong credential (40102). After LOGIN_MAX_FAILURES wrong ' +
      'passwords for the same identifier the identifier is locked for LOGIN_LOCK_SECONDS (42901 with Retry-After, even ' +
      'with the right password). 40302/40303 (and 40304, email not verified, with EMAIL_VERIFICATION=required) are told only after a correct password. Rate limited per client. ' +
      'An account with a second factor (TOTP or a passkey) gets no tokens here: the answer is `{ mfa_required: true, ' +
      'mfa_token, methods, expires_in }`; finish at POST /auth/mfa/verify within 5 minutes. The tokens carry `amr` ' +
      '(how the session signed in: [pwd] here).',
  })
  @ApiEnvelope(LoginResponse, { oneOf: [LoginResponse, MfaChallengeResponse] })
  @ApiErrors(E.VALIDATION_FAILED, E.WRONG_CREDENTIALS, E.ACCOUNT_DISABLED, E.ACCOUNT_BLACKLISTED, E.EMAIL_NOT_VERIFIED, E.TOO_MANY_REQUESTS)
  login(@Body() body: LoginDto, @ClientMeta() meta: RequestMeta): Promise<LoginResponse | MfaChallengeResponse> {
    return this.auth.login(body, meta);
  }

  @Post('refresh')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair',
    description:
      'Rotation: each refresh token works once. A second use within REFRESH_REUSE_GRACE_SECONDS (two tabs at once) ' +
      'gets a fresh pair too; a later reuse is treated as theft: the whole session is revoked and the event audited.',
  })
  @ApiEnvelope(TokenPairResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED)
  refresh(@Body() body: RefreshDto, @ClientMeta() meta: RequestMeta): Promise<TokenPairResponse> {
    return this.auth.refresh(body.refresh_token, meta);
  }

  @Post('logout')
  @HttpCode(200)
  @Authenticated()
  @OpenDuringMfaEnrolment()
  @ApiOperation({ summary: 'Log out', description: 'Ends the session of this token; its access and refresh tokens stop working at once.' })
  @ApiEnvelope(null)
  @ApiErrors(E.UNAUTHENTICATED)
  async logout(@CurrentUser() user: AuthUser, @ClientMeta() meta: RequestMeta): Promise<null> {
    await this.auth.logout(user, meta);
    return null;
  }

  @Get('me')
  @Authenticated()
  @OpenDuringMfaEnrolment()
  @ApiOperation({ summary: 'The signed-in user', description: "The token's owner, with every field they may see of themself." })
  @ApiEnvelope(UserResponse)
  @ApiErrors(E.UNAUTHENTICATED)
  me(@CurrentUser() user: AuthUser): Promise<UserResponse> {
    return this.auth.me(user);
  }

  @Patch('me')
  @Authenticated()
  @ApiOperation({
    summary: 'Update my account and profile',
    description:
      'Not role, state or password (see PUT /auth/password). ' +
      'A new `email` does not replace the old one at once: the answer keeps the old `email` and shows the new address in `pending_email` until the link mailed to it is followed (POST /auth/email/verify); a notice goes to the old address. Repeating the current address cancels a pending change. With EMAIL_VERIFICATION=off the change applies at once; in production without SMTP_URL it answers 50302.',
  })
  @ApiEnvelope(UserResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.USERNAME_TAKEN, E.EMAIL_TAKEN, E.MAIL_NOT_CONFIGURED)
  updateMe(@CurrentUser() user: AuthUser, @Body() body: UpdateMeDto, @ClientMeta() meta: RequestMeta): Promise<UserResponse> {
    return this.auth.updateMe(user, body, meta);
  }

  @Put('password')
  @Authenticated()
  @ApiOperation({
    summary: 'Change my password',
    description:
      'Needs the current password (a wrong one is 40001 on old_password; repeated wrong ones lock this for LOGIN_LOCK_SECONDS). ' +
      'Ends every other session; this one stays signed in.',
  })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.TOO_MANY_REQUESTS)
  async changePassword(@CurrentUser() user: AuthUser, @Body() body: ChangePasswordDto, @ClientMeta() meta: RequestMeta): Promise<null> {
    await this.auth.changePassword(user, body, meta);
    return null;
  }

  @Get('sessions')
  @Authenticated()
  @ApiOperation({ summary: 'My active sessions', description: '`current` marks the session of the token making the request.' })
  @ApiPageEnvelope(SessionResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED)
  sessions(@CurrentUser() user: AuthUser, @Query() page: PaginationQuery): Promise<Page<SessionResponse>> {
    return this.auth.listSessions(user, page);
  }

  @Delete('sessions/:id')
  @Authenticated()
  @ApiOperation({
    summary: 'Revoke one of my sessions',
    description: 'Its tokens stop working at once. 40401 for a session that is not yours or not active.',
  })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.NOT_FOUND)
  async revokeSession(
    @CurrentUser() user: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @ClientMeta() meta: RequestMeta,
  ): Promise<null> {
    await this.auth.revokeSession(user, id, meta);
    return null;
  }
}
