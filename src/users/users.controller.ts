import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { ClientMeta, RequestMeta } from '../common/http/request-meta';
import { Page } from '../common/pagination/pagination';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiEnvelope, ApiErrors, ApiPageEnvelope } from '../common/swagger/api-docs.decorators';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersQuery } from './dto/list-users.query';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserResponse } from './user.response';
import { UsersService } from './users.service';

const { VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN_ROLE, NOT_FOUND, USERNAME_TAKEN, EMAIL_TAKEN, CONFLICT, MAIL_NOT_CONFIGURED } =
  ErrorCode;

@ApiTags('Users')
@Controller(`${API_PREFIX}/users`)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Authenticated({ role: 'admin' })
  @ApiOperation({
    summary: 'List users',
    description:
      'admin+. Filters combine with AND. `count` is the number of users matching the filters over all pages; ' +
      '`total` is the number of users in the collection without filters (active users, or deleted ones with `deleted`). ' +
      'Admins see other users without time fields.',
  })
  @ApiPageEnvelope(UserResponse, 'One page of users', { cursor: true })
  @ApiErrors(VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN_ROLE)
  list(@CurrentUser() actor: AuthUser, @Query() query: ListUsersQuery): Promise<Page<UserResponse>> {
    return this.users.list(actor, query);
  }

  @Post()
  @Authenticated({ role: 'admin' })
  @ApiOperation({ summary: 'Create a user', description: 'admin+; only a superadmin may create an admin or superadmin.' })
  @ApiEnvelope(UserResponse, { status: 201 })
  @ApiErrors(VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN_ROLE, USERNAME_TAKEN, EMAIL_TAKEN)
  create(@CurrentUser() actor: AuthUser, @Body() body: CreateUserDto, @ClientMeta() meta: RequestMeta): Promise<UserResponse> {
    const { role = 'user', ...account } = body;
    return this.users.createByStaff(actor, { ...account, role }, meta);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({
    summary: 'Get a user',
    description: 'The user themself or admin+. Superadmins also see deleted users. Admins see other users without time fields.',
  })
  @ApiEnvelope(UserResponse)
  @ApiErrors(VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN_ROLE, NOT_FOUND)
  get(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<UserResponse> {
    return this.users.getForViewer(actor, id);
  }

  @Patch(':id')
  @Authenticated()
  @ApiOperation({
    summary: 'Update a user',
    description:
      'The user themself (account fields and profile, not role or state); admin+ on users of a lower role ' +
      '(state and a password reset included); a superadmin on anyone else, role included. ' +
      'Disabling a user or resetting their password ends their sessions at once. ' +
      'A new `email` does not replace the old one at once: the answer keeps the old `email` and shows the new address in `pending_email` until the link mailed to it is followed (POST /auth/email/verify); a notice goes to the old address. Repeating the current address cancels a pending change. With EMAIL_VERIFICATION=off the change applies at once; in production without SMTP_URL it answers 50302.',
  })
  @ApiEnvelope(UserResponse)
  @ApiErrors(VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN_ROLE, NOT_FOUND, USERNAME_TAKEN, EMAIL_TAKEN, MAIL_NOT_CONFIGURED)
  update(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: UpdateUserDto,
    @ClientMeta() meta: RequestMeta,
  ): Promise<UserResponse> {
    return this.users.update(actor, id, body, meta);
  }

  @Delete(':id')
  @Authenticated({ role: 'admin' })
  @ApiOperation({
    summary: 'Delete a user (soft)',
    description:
      'superadmin (USER_DELETE_MIN_ROLE=admin also lets admins delete users of a lower role); never oneself. ' +
      'The user cannot log in, their tokens stop working, and their username and email stay reserved.',
  })
  @ApiEnvelope(null)
  @ApiErrors(VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN_ROLE, NOT_FOUND)
  async remove(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string, @ClientMeta() meta: RequestMeta): Promise<null> {
    await this.users.softDelete(actor, id, meta);
    return null;
  }

  @Post(':id/restore')
  @HttpCode(200)
  @Authenticated({ role: 'admin' })
  @ApiOperation({ summary: 'Restore a deleted user', description: 'Same rule as delete. 40903 when the user is not deleted.' })
  @ApiEnvelope(UserResponse)
  @ApiErrors(VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN_ROLE, NOT_FOUND, CONFLICT)
  restore(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string, @ClientMeta() meta: RequestMeta): Promise<UserResponse> {
    return this.users.restore(actor, id, meta);
  }
}
