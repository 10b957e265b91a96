import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiEnvelope, ApiErrors } from '../common/swagger/api-docs.decorators';
import { LoginStatusResponse } from './dto/login-status.response';
import { LoginStatusService } from './login-status.service';

const E = ErrorCode;

@ApiTags('Users')
@Controller(`${API_PREFIX}/users`)
export class LoginStatusController {
  constructor(private readonly loginStatus: LoginStatusService) {}

  @Get(':id/login-status')
  @Authenticated({ role: 'admin' })
  @ApiOperation({
    summary: "Why can't this user log in?",
    description:
      "admin+. Every reason that blocks the user's login right now: deleted, disabled (since when), blacklisted (reason, since when), " +
      'locked out after wrong passwords (until when, by username or email). `can_login` is true when there is none.',
  })
  @ApiEnvelope(LoginStatusResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  status(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<LoginStatusResponse> {
    return this.loginStatus.statusOf(actor, id);
  }
}
