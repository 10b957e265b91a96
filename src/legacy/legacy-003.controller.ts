import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthService } from '../auth/auth.service';
import { LoginDto } from '../auth/dto/login.dto';
import { RateLimit } from '../auth/rate-limit.guard';
import { AuthUser, Authenticated, CurrentUser, Public } from '../common/decorators/auth.decorators';
import { RawResponse } from '../common/decorators/raw-response.decorator';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { envelope, Envelope } from '../common/http/envelope';
import { ClientMeta, RequestMeta } from '../common/http/request-meta';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiEnvelope, ApiErrors } from '../common/swagger/api-docs.decorators';
import { ListUsersQuery } from '../users/dto/list-users.query';
import { UsersService } from '../users/users.service';
import { profileOf, Register003Dto, Update003Dto } from './dto/legacy-003.dto';
import { Login003, Registered003, User003, UserList003 } from './dto/legacy-responses';
import { LegacyOperation } from './legacy-operation.decorator';
import { user003 } from './legacy-shapes';

const E = ErrorCode;

/**
 * The 003 system's API (prefix /api/v1/user): the envelope, 200 on success, users flat. A thin
 * translation onto the Auth and Users services: their rules, validation, audit and limits apply.
 */
@ApiTags('Source API 003 (deprecated)')
@Controller(`${API_PREFIX}/user`)
export class Legacy003Controller {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Post('register')
  @HttpCode(200)
  @Public()
  @RateLimit('register')
  @LegacyOperation('1. user registration', 'POST /api/v1/auth/register')
  @ApiEnvelope(Registered003)
  @ApiErrors(E.VALIDATION_FAILED, E.USERNAME_TAKEN, E.EMAIL_TAKEN, E.TOO_MANY_REQUESTS)
  async register(@Body() body: Register003Dto, @ClientMeta() meta: RequestMeta): Promise<Registered003> {
    const profile = profileOf(body);
    const user = await this.auth.register(
      {
        username: body.username,
        email: body.email,
        password: body.password,
        phone_number: body.phone_number,
        profile: Object.keys(profile).length > 0 ? profile : undefined,
      },
      meta,
    );
    return { id: user.id, email: user.email as string, username: user.username };
  }

  @Post('login')
  @HttpCode(200)
  @Public()
  @RateLimit('login')
  @LegacyOperation('2. user sign in', 'POST /api/v1/auth/login')
  @ApiEnvelope(Login003)
  @ApiErrors(
    E.VALIDATION_FAILED,
    E.WRONG_CREDENTIALS,
    E.ACCOUNT_DISABLED,
    E.ACCOUNT_BLACKLISTED,
    E.MFA_LEGACY_LOGIN_REFUSED,
    E.TOO_MANY_REQUESTS,
  )
  async login(@Body() body: LoginDto, @ClientMeta() meta: RequestMeta): Promise<Record<string, unknown>> {
    const { user, ...tokens } = await this.auth.legacyLogin(body, meta);
    return { ...user003(user), ...tokens, token: tokens.access_token };
  }

  @Get('info/:id')
  @Authenticated()
  @LegacyOperation("3. user's details", 'GET /api/v1/users/:id')
  @ApiEnvelope(User003)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  async info(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<Record<string, unknown>> {
    return user003(await this.users.getForViewer(actor, id));
  }

  @Delete('delete/:id')
  @Authenticated()
  @RawResponse()
  @LegacyOperation('4. delete user (soft)', 'DELETE /api/v1/users/:id')
  @ApiEnvelope(null, { description: 'The envelope with `message: "user is deleted."` and `data: null`' })
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  async remove(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @ClientMeta() meta: RequestMeta,
  ): Promise<Envelope<null>> {
    await this.users.softDelete(actor, id, meta);
    return envelope(null, 200, 'user is deleted.');
  }

  @Get('list')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('5. user list', 'GET /api/v1/users')
  @ApiEnvelope(UserList003)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE)
  async list(@CurrentUser() actor: AuthUser, @Query() query: ListUsersQuery): Promise<UserList003> {
    const page = await this.users.list(actor, query);
    return { ...page, data: page.data.map(user003) as unknown as User003[] };
  }

  @Put('update/:id')
  @Authenticated()
  @LegacyOperation('5. update user info', 'PATCH /api/v1/users/:id')
  @ApiEnvelope(User003)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND, E.USERNAME_TAKEN, E.EMAIL_TAKEN)
  async update(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: Update003Dto,
    @ClientMeta() meta: RequestMeta,
  ): Promise<Record<string, unknown>> {
    const profile = profileOf(body);
    const user = await this.users.update(
      actor,
      id,
      {
        username: body.username,
        email: body.email,
        phone_number: body.phone_number,
        role: body.role,
        state: body.state,
        password: body.password,
        profile: Object.keys(profile).length > 0 ? profile : undefined,
      },
      meta,
      { emailChange: 'immediate' },
    );
    return user003(user);
  }
}
