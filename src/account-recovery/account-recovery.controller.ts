import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, Authenticated, CurrentUser, Public } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { ClientMeta, RequestMeta } from '../common/http/request-meta';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiEnvelope, ApiErrors } from '../common/swagger/api-docs.decorators';
import { AccountRecoveryService } from './account-recovery.service';
import { ForgotPasswordDto, ResetPasswordDto, VerifyEmailDto } from './dto/account-recovery.dto';

const E = ErrorCode;

@ApiTags('Auth')
@Controller(`${API_PREFIX}/auth`)
export class AccountRecoveryController {
  constructor(private readonly recovery: AccountRecoveryService) {}

  @Post('password/forgot')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: 'Ask for a password-reset link',
    description:
      'Anyone. Always the same 200 answer with `data: null`, known address or not, after the same kind of work (no enumeration). ' +
      'A known account that is not deleted, disabled or blacklisted gets a mail with `{PUBLIC_URL}/reset-password?token=...` ' +
      '(valid PASSWORD_RESET_TTL seconds, 30 min by default), in its language_preference, else the Accept-Language of this request. ' +
      'At most PASSWORD_RESET_MAX_PER_HOUR reset mails per address and per account per hour, across all instances; past that the answer is the same and nothing is sent. ' +
      '50302 in production when SMTP_URL is not set.',
  })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.MAIL_NOT_CONFIGURED)
  async forgot(@Body() body: ForgotPasswordDto, @ClientMeta() meta: RequestMeta): Promise<null> {
    await this.recovery.forgot(body.email, meta);
    return null;
  }

  @Post('password/reset')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: 'Set a new password with the token of a reset link',
    description:
      'Anyone holding a token. Sets the password (the same rules as registration), marks the address verified (the link proved it), ' +
      'ends every session of the user, makes this and every other reset token of the user unusable, sends a "password changed" notice ' +
      'and writes an audit record (operation 14, password_reset). 40003 for a wrong, used or expired token.',
  })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.TOKEN_INVALID)
  async reset(@Body() body: ResetPasswordDto, @ClientMeta() meta: RequestMeta): Promise<null> {
    await this.recovery.reset(body.token, body.new_password, meta);
    return null;
  }

  @Post('email/verify')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: 'Confirm an email address with the token of a verification link',
    description:
      'Anyone holding a token (from `{PUBLIC_URL}/verify-email?token=...`, valid EMAIL_VERIFY_TTL seconds, 24 h by default). ' +
      'Sets `email_verified_at`; for a link sent to a new address (an email change), that address replaces the old one and ' +
      '`pending_email` is cleared. Audited as 15 (email_verified) or 16 (email_changed). 40003 for a wrong, used, expired or superseded token; ' +
      '40902 when someone else took the new address meanwhile.',
  })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.TOKEN_INVALID, E.EMAIL_TAKEN)
  async verify(@Body() body: VerifyEmailDto, @ClientMeta() meta: RequestMeta): Promise<null> {
    await this.recovery.verifyEmail(body.token, meta);
    return null;
  }

  @Post('email/verify/resend')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary: 'Send my verification link again',
    description:
      "The token's owner. A new link goes to the pending new address if there is one, else to the account's unverified address; " +
      'older links stop working. 40903 when there is nothing to verify (or EMAIL_VERIFICATION=off); 50302 in production without SMTP_URL.',
  })
  @ApiEnvelope(null)
  @ApiErrors(E.UNAUTHENTICATED, E.CONFLICT, E.MAIL_NOT_CONFIGURED)
  async resend(@CurrentUser() user: AuthUser, @ClientMeta() meta: RequestMeta): Promise<null> {
    await this.recovery.resendVerification(user, meta);
    return null;
  }
}

@ApiTags('Users')
@Controller(`${API_PREFIX}/users`)
export class StaffPasswordResetController {
  constructor(private readonly recovery: AccountRecoveryService) {}

  @Post(':id/password-reset')
  @HttpCode(200)
  @Authenticated({ role: 'admin' })
  @ApiOperation({
    summary: 'Send the user a password-reset link',
    description:
      'admin+ on users of a lower role, superadmin on anyone but themself. Instead of setting a password by hand: the user gets the same ' +
      'reset mail as from /auth/password/forgot (also how imported accounts without a usable password are activated). ' +
      'Audited as 17 (password_reset_link_sent_by_staff). 50302 in production without SMTP_URL.',
  })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND, E.MAIL_NOT_CONFIGURED)
  async send(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string, @ClientMeta() meta: RequestMeta): Promise<null> {
    await this.recovery.sendResetByStaff(actor, id, meta);
    return null;
  }
}
