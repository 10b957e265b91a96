import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuditLogQueryService } from '../audit-log/audit-log-query.service';
import { AuditLogResponse } from '../audit-log/audit-log.response';
import { AuditLogFilters, ListAuditLogsQuery } from '../audit-log/dto/list-audit-logs.query';
import { AuthService } from '../auth/auth.service';
import { LoginDto } from '../auth/dto/login.dto';
import { RateLimit } from '../auth/rate-limit.guard';
import { BlacklistService } from '../blacklist/blacklist.service';
import { ListBlacklistQuery } from '../blacklist/dto/blacklist.dto';
import { AuthUser, Authenticated, CurrentUser, Public } from '../common/decorators/auth.decorators';
import { RawResponse } from '../common/decorators/raw-response.decorator';
import { AppException } from '../common/errors/app.exception';
import { ClientMeta, RequestMeta } from '../common/http/request-meta';
import { PaginationQuery } from '../common/pagination/pagination';
import { bilingual } from '../common/pipes/validation-messages';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiArrayResponse } from '../common/swagger/api-docs.decorators';
import { LEGACY_000_LIST_MAX_ITEMS } from '../common/swagger/limits';
import { ListGroupsQuery } from '../groups/dto/group.dto';
import { GroupResponse } from '../groups/group.response';
import { GroupsService } from '../groups/groups.service';
import { CreateOccupationDto, ListOccupationsQuery } from '../occupations/dto/occupation.dto';
import { OccupationResponse } from '../occupations/occupation.response';
import { OccupationsService } from '../occupations/occupations.service';
import type { ProfileDto } from '../users/dto/profile.dto';
import { ListUsersQuery } from '../users/dto/list-users.query';
import { UserResponse } from '../users/user.response';
import { UsersService } from '../users/users.service';
import { List000Query, Profile000Dto, Register000Dto } from './dto/legacy-000.dto';
import { BlacklistEntry000, Detail000, Token000 } from './dto/legacy-responses';
import { LegacyOperation } from './legacy-operation.decorator';
import { auditLog000, blacklistEntry000, user000 } from './legacy-shapes';

/** 000 lists are plain arrays: one page, as large as `limit` (default 1000). */
function pageOf<T extends PaginationQuery>(query: T, list: List000Query): T {
  return Object.assign(query, { page: list.page, limit: list.limit });
}

const FAILURES = [
  ApiResponse({ status: 400, type: Detail000, description: 'Bad input' }),
  ApiResponse({ status: 401, type: Detail000, description: 'No or bad token' }),
  ApiResponse({ status: 403, type: Detail000, description: 'Role does not allow this' }),
];

function Failures(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const decorator of FAILURES) decorator(target, key, descriptor);
  };
}

/**
 * The 000 system's API: plain JSON without the envelope, errors as `{ "detail": ... }`, lists as
 * arrays. A thin translation onto the feature services, whose rules, validation and audit apply.
 */
@ApiTags('Source API 000 (deprecated)')
@Controller('api')
@RawResponse()
export class Legacy000Controller {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly groups: GroupsService,
    private readonly occupations: OccupationsService,
    private readonly auditLog: AuditLogQueryService,
    private readonly blacklist: BlacklistService,
  ) {}

  @Post('users')
  @HttpCode(200)
  @Public()
  @RateLimit('register')
  @LegacyOperation('用户注册 (register, nested profile)', 'POST /api/v1/auth/register')
  @ApiResponse({ status: 200, type: UserResponse, description: 'The new user (its profile also shows `phone`)' })
  @ApiResponse({ status: 400, type: Detail000, description: 'Bad input, or the username or email is taken' })
  @ApiResponse({ status: 429, type: Detail000, description: 'Too many requests (Retry-After set)' })
  async register(@Body() body: Register000Dto, @ClientMeta() meta: RequestMeta): Promise<Record<string, unknown>> {
    const user = await this.auth.register(
      {
        username: body.username,
        email: body.email,
        password: body.password,
        phone_number: body.profile?.phone,
        profile: body.profile ? await this.profile(body.profile) : undefined,
      },
      meta,
    );
    return user000(user);
  }

  /** The 000 profile in canonical terms: `phone` is the account's phone number; numeric occupations are codes. */
  private async profile(input: Profile000Dto): Promise<ProfileDto> {
    const { phone: _phone, occupation, ...profile } = input;
    if (typeof occupation !== 'number') return { ...profile, occupation };
    const found = await this.occupations.findByCode(occupation);
    if (!found) throw AppException.validation([{ field: 'profile.occupation', message: bilingual('the occupation does not exist') }]);
    return { ...profile, occupation: found.id };
  }

  @Get('users')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('所有用户信息 (all users)', 'GET /api/v1/users')
  @ApiArrayResponse(UserResponse, LEGACY_000_LIST_MAX_ITEMS)
  @Failures()
  async listUsers(@CurrentUser() actor: AuthUser, @Query() list: List000Query): Promise<Array<Record<string, unknown>>> {
    return (await this.users.list(actor, pageOf(new ListUsersQuery(), list))).data.map(user000);
  }

  @Post('auth')
  @HttpCode(200)
  @Public()
  @RateLimit('login')
  @LegacyOperation('用户登录 (login)', 'POST /api/v1/auth/login')
  @ApiResponse({ status: 200, type: Token000 })
  @ApiResponse({ status: 400, type: Detail000, description: 'Wrong username or password' })
  @ApiResponse({
    status: 403,
    type: Detail000,
    description:
      'Account disabled or blacklisted, or it has a second factor, which this API cannot ask for ("Second factor required": use POST /api/v1/auth/login, then POST /api/v1/auth/mfa/verify); each after a correct password',
  })
  @ApiResponse({ status: 429, type: Detail000, description: 'Too many requests or the account is locked' })
  async login(@Body() body: LoginDto, @ClientMeta() meta: RequestMeta): Promise<Record<string, unknown>> {
    const { user, ...tokens } = await this.auth.legacyLogin(body, meta);
    return { token: tokens.access_token, ...tokens, user: user000(user) };
  }

  @Get('users/:id')
  @Authenticated()
  @LegacyOperation('某一个用户的信息 (one user)', 'GET /api/v1/users/:id')
  @ApiResponse({ status: 200, type: UserResponse })
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async getUser(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<Record<string, unknown>> {
    return user000(await this.users.getForViewer(actor, id));
  }

  @Get('groups')
  @Authenticated()
  @LegacyOperation('所有组别信息 (all groups)', 'GET /api/v1/groups')
  @ApiArrayResponse(GroupResponse, LEGACY_000_LIST_MAX_ITEMS)
  @Failures()
  async listGroups(@CurrentUser() actor: AuthUser, @Query() list: List000Query): Promise<GroupResponse[]> {
    return (await this.groups.list(actor, pageOf(new ListGroupsQuery(), list))).data;
  }

  @Get('groups/:id')
  @Authenticated()
  @LegacyOperation('某一个组的详细信息 (one group)', 'GET /api/v1/groups/:id')
  @ApiResponse({ status: 200, type: GroupResponse })
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  getGroup(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<GroupResponse> {
    return this.groups.get(actor, id);
  }

  @Get('groups/:id/users')
  @Authenticated()
  @LegacyOperation('某个组下的所有用户信息 (members of a group)', 'GET /api/v1/groups/:id/users')
  @ApiArrayResponse(UserResponse, LEGACY_000_LIST_MAX_ITEMS)
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async groupMembers(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Query() list: List000Query,
  ): Promise<Array<Record<string, unknown>>> {
    return (await this.groups.members(actor, id, pageOf(new PaginationQuery(), list))).data.map(user000);
  }

  @Get('users/:id/groups')
  @Authenticated()
  @LegacyOperation('某个用户所属的所有组 (groups of a user)', 'GET /api/v1/users/:id/groups')
  @ApiArrayResponse(GroupResponse, LEGACY_000_LIST_MAX_ITEMS)
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async userGroups(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Query() list: List000Query,
  ): Promise<GroupResponse[]> {
    return (await this.groups.groupsOf(actor, id, pageOf(new PaginationQuery(), list))).data;
  }

  @Get('occupations')
  @Public()
  @LegacyOperation('所有职业 (all occupations)', 'GET /api/v1/occupations')
  @ApiArrayResponse(OccupationResponse, LEGACY_000_LIST_MAX_ITEMS)
  @ApiResponse({ status: 400, type: Detail000 })
  async listOccupations(@Query() list: List000Query): Promise<OccupationResponse[]> {
    return (await this.occupations.list(pageOf(new ListOccupationsQuery(), list))).data;
  }

  @Post('occupations')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('创建职业 (create an occupation)', 'POST /api/v1/occupations')
  @ApiResponse({ status: 201, type: OccupationResponse })
  @ApiResponse({ status: 400, type: Detail000, description: 'Bad input, or the name is taken' })
  @Failures()
  createOccupation(@CurrentUser() actor: AuthUser, @Body() body: CreateOccupationDto): Promise<OccupationResponse> {
    return this.occupations.create(actor, body.name);
  }

  @Get('occupations/:id')
  @Public()
  @LegacyOperation('某个职业 (one occupation)', 'GET /api/v1/occupations/:id')
  @ApiResponse({ status: 200, type: OccupationResponse })
  @ApiResponse({ status: 404, type: Detail000 })
  getOccupation(@Param('id', UuidParamPipe) id: string): Promise<OccupationResponse> {
    return this.occupations.get(id);
  }

  @Get('occupations/:id/users')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('某个职业下的所有用户 (users of an occupation)', 'GET /api/v1/occupations/:id/users')
  @ApiArrayResponse(UserResponse, LEGACY_000_LIST_MAX_ITEMS)
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async occupationUsers(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Query() list: List000Query,
  ): Promise<Array<Record<string, unknown>>> {
    return (await this.occupations.usersOf(actor, id, pageOf(new PaginationQuery(), list))).data.map(user000);
  }

  @Get('user-logs')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('所有登入登出记录 (all audit records)', 'GET /api/v1/user-logs')
  @ApiArrayResponse(AuditLogResponse, LEGACY_000_LIST_MAX_ITEMS)
  @Failures()
  async listLogs(@CurrentUser() actor: AuthUser, @Query() list: List000Query): Promise<Array<Record<string, unknown>>> {
    return (await this.auditLog.list(actor, pageOf(new ListAuditLogsQuery(), list))).data.map(auditLog000);
  }

  @Get('user-logs/:id')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('某条登入或登出记录 (one audit record)', 'GET /api/v1/user-logs/:id')
  @ApiResponse({ status: 200, type: AuditLogResponse })
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async getLog(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<Record<string, unknown>> {
    return auditLog000(await this.auditLog.get(actor, id));
  }

  @Get('users/:id/user-logs')
  @Authenticated()
  @LegacyOperation('某个用户的所有登入登出记录 (audit records of a user)', 'GET /api/v1/users/:id/user-logs')
  @ApiArrayResponse(AuditLogResponse, LEGACY_000_LIST_MAX_ITEMS)
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async userLogs(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Query() list: List000Query,
  ): Promise<Array<Record<string, unknown>>> {
    return (await this.auditLog.listForUser(actor, id, pageOf(new AuditLogFilters(), list))).data.map(auditLog000);
  }

  @Get('black-list')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('所有病人黑名单 (active blacklist entries; the user is `patient`)', 'GET /api/v1/black-list')
  @ApiArrayResponse(BlacklistEntry000, LEGACY_000_LIST_MAX_ITEMS)
  @Failures()
  async blacklistEntries(@CurrentUser() actor: AuthUser, @Query() list: List000Query): Promise<Array<Record<string, unknown>>> {
    return (await this.blacklist.list(actor, pageOf(new ListBlacklistQuery(), list))).data.map(blacklistEntry000);
  }
}
