import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuditLogQueryService } from '../audit-log/audit-log-query.service';
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
import { ApiArrayResponse } from '../common/swagger/api-docs.decorators';
import { LEGACY_000_LIST_MAX_ITEMS } from '../common/swagger/limits';
import { ListGroupsQuery } from '../groups/dto/group.dto';
import { GroupsService } from '../groups/groups.service';
import { CreateOccupationDto, ListOccupationsQuery } from '../occupations/dto/occupation.dto';
import { OccupationsService } from '../occupations/occupations.service';
import type { ProfileDto } from '../users/dto/profile.dto';
import { ListUsersQuery } from '../users/dto/list-users.query';
import { UsersService } from '../users/users.service';
import { List000Query, ListBlacklist000Query, ListLogs000Query, Profile000Dto, Register000Dto } from './dto/legacy-000.dto';
import { AuditLog000, BlacklistEntry000, Detail000, Group000, ID_000, Occupation000, Token000, User000 } from './dto/legacy-responses';
import { LegacyOperation } from './legacy-operation.decorator';
import { AUDIT_LOG_000, BLACKLIST_ENTRY_000, GROUP_000, OCCUPATION_000, USER_000 } from './legacy-shapes';
import { NO_RECORD, SourceId000Pipe, SourceIds } from './source-ids';

/** 000 lists are plain arrays: one page, as large as `limit` (default 1000). */
function pageOf<T extends PaginationQuery>(query: T, list: List000Query): T {
  return Object.assign(query, { page: list.page, limit: list.limit });
}

const FAILURES = [
  ApiResponse({ status: 400, type: Detail000, description: 'Bad input' }),
  ApiResponse({ status: 401, type: Detail000, description: 'No or bad token' }),
  ApiResponse({ status: 403, type: Detail000, description: 'Role does not allow this' }),
];

/** Path ids are 000 ids, turned into canonical UUIDs by these pipes before the handler runs. */
const UserId = SourceId000Pipe('user');
const GroupId = SourceId000Pipe('group');
const OccupationId = SourceId000Pipe('occupation');
const UserLogId = SourceId000Pipe('user-log');

/** The `{id}` of a 000 path: an integer; anything else is 400, an id no record has 404 (or 403, as for any unknown id). */
const IdParam = (what: string): MethodDecorator =>
  ApiParam({
    name: 'id',
    schema: { ...ID_000 },
    description: `The ${what}'s 000 id (an integer); anything else is refused as invalid input (400)`,
  });

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
    private readonly ids: SourceIds,
  ) {}

  @Post('users')
  @HttpCode(200)
  @Public()
  @RateLimit('register')
  @LegacyOperation('用户注册 (register, nested profile)', 'POST /api/v1/auth/register')
  @ApiResponse({ status: 200, type: User000, description: 'The new user (its profile also shows `phone`)' })
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
    return this.ids.presentOne000(user, USER_000);
  }

  /** The 000 profile in canonical terms: `phone` is the account's phone number; the occupation is named by its 000 id (code). */
  private async profile(input: Profile000Dto): Promise<ProfileDto> {
    const { phone: _phone, occupation, ...profile } = input;
    if (occupation === undefined || occupation === null) return { ...profile, occupation };
    const id = await this.ids.canonical000('occupation', occupation, 'profile.occupation');
    if (id === NO_RECORD)
      throw AppException.validation([{ field: 'profile.occupation', message: bilingual('the occupation does not exist') }]);
    return { ...profile, occupation: id };
  }

  @Get('users')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('所有用户信息 (all users)', 'GET /api/v1/users')
  @ApiArrayResponse(User000, LEGACY_000_LIST_MAX_ITEMS)
  @Failures()
  async listUsers(@CurrentUser() actor: AuthUser, @Query() list: List000Query): Promise<Array<Record<string, unknown>>> {
    return this.ids.present000((await this.users.list(actor, pageOf(new ListUsersQuery(), list))).data, USER_000);
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
    return { token: tokens.access_token, ...tokens, user: await this.ids.presentOne000(user, USER_000) };
  }

  @Get('users/:id')
  @Authenticated()
  @LegacyOperation('某一个用户的信息 (one user)', 'GET /api/v1/users/:id')
  @IdParam('user')
  @ApiResponse({ status: 200, type: User000 })
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async getUser(@CurrentUser() actor: AuthUser, @Param('id', UserId) id: string): Promise<Record<string, unknown>> {
    return this.ids.presentOne000(await this.users.getForViewer(actor, id), USER_000);
  }

  @Get('groups')
  @Authenticated()
  @LegacyOperation('所有组别信息 (all groups)', 'GET /api/v1/groups')
  @ApiArrayResponse(Group000, LEGACY_000_LIST_MAX_ITEMS)
  @Failures()
  async listGroups(@CurrentUser() actor: AuthUser, @Query() list: List000Query): Promise<Array<Record<string, unknown>>> {
    return this.ids.present000((await this.groups.list(actor, pageOf(new ListGroupsQuery(), list))).data, GROUP_000);
  }

  @Get('groups/:id')
  @Authenticated()
  @LegacyOperation('某一个组的详细信息 (one group)', 'GET /api/v1/groups/:id')
  @IdParam('group')
  @ApiResponse({ status: 200, type: Group000 })
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async getGroup(@CurrentUser() actor: AuthUser, @Param('id', GroupId) id: string): Promise<Record<string, unknown>> {
    return this.ids.presentOne000(await this.groups.get(actor, id), GROUP_000);
  }

  @Get('groups/:id/users')
  @Authenticated()
  @LegacyOperation('某个组下的所有用户信息 (members of a group)', 'GET /api/v1/groups/:id/users')
  @IdParam('group')
  @ApiArrayResponse(User000, LEGACY_000_LIST_MAX_ITEMS)
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async groupMembers(
    @CurrentUser() actor: AuthUser,
    @Param('id', GroupId) id: string,
    @Query() list: List000Query,
  ): Promise<Array<Record<string, unknown>>> {
    return this.ids.present000((await this.groups.members(actor, id, pageOf(new PaginationQuery(), list))).data, USER_000);
  }

  @Get('users/:id/groups')
  @Authenticated()
  @LegacyOperation('某个用户所属的所有组 (groups of a user)', 'GET /api/v1/users/:id/groups')
  @IdParam('user')
  @ApiArrayResponse(Group000, LEGACY_000_LIST_MAX_ITEMS)
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async userGroups(
    @CurrentUser() actor: AuthUser,
    @Param('id', UserId) id: string,
    @Query() list: List000Query,
  ): Promise<Array<Record<string, unknown>>> {
    return this.ids.present000((await this.groups.groupsOf(actor, id, pageOf(new PaginationQuery(), list))).data, GROUP_000);
  }

  @Get('occupations')
  @Public()
  @LegacyOperation('所有职业 (all occupations)', 'GET /api/v1/occupations')
  @ApiArrayResponse(Occupation000, LEGACY_000_LIST_MAX_ITEMS)
  @ApiResponse({ status: 400, type: Detail000 })
  async listOccupations(@Query() list: List000Query): Promise<Array<Record<string, unknown>>> {
    return this.ids.present000((await this.occupations.list(pageOf(new ListOccupationsQuery(), list))).data, OCCUPATION_000);
  }

  @Post('occupations')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('创建职业 (create an occupation)', 'POST /api/v1/occupations')
  @ApiResponse({ status: 201, type: Occupation000 })
  @ApiResponse({ status: 400, type: Detail000, description: 'Bad input, or the name is taken' })
  @Failures()
  async createOccupation(@CurrentUser() actor: AuthUser, @Body() body: CreateOccupationDto): Promise<Record<string, unknown>> {
    return this.ids.presentOne000(await this.occupations.create(actor, body.name), OCCUPATION_000);
  }

  @Get('occupations/:id')
  @Public()
  @LegacyOperation('某个职业 (one occupation)', 'GET /api/v1/occupations/:id')
  @ApiParam({
    name: 'id',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 2147483647, example: 34 },
    description: "The occupation's 000 id (its code); anything else is refused as invalid input (400)",
  })
  @ApiResponse({ status: 200, type: Occupation000 })
  @ApiResponse({ status: 400, type: Detail000 })
  @ApiResponse({ status: 404, type: Detail000 })
  async getOccupation(@Param('id', OccupationId) id: string): Promise<Record<string, unknown>> {
    return this.ids.presentOne000(await this.occupations.get(id), OCCUPATION_000);
  }

  @Get('occupations/:id/users')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('某个职业下的所有用户 (users of an occupation)', 'GET /api/v1/occupations/:id/users')
  @ApiParam({
    name: 'id',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 2147483647, example: 34 },
    description: "The occupation's 000 id (its code); anything else is refused as invalid input (400)",
  })
  @ApiArrayResponse(User000, LEGACY_000_LIST_MAX_ITEMS)
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async occupationUsers(
    @CurrentUser() actor: AuthUser,
    @Param('id', OccupationId) id: string,
    @Query() list: List000Query,
  ): Promise<Array<Record<string, unknown>>> {
    return this.ids.present000((await this.occupations.usersOf(actor, id, pageOf(new PaginationQuery(), list))).data, USER_000);
  }

  @Get('user-logs')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('所有登入登出记录 (all audit records)', 'GET /api/v1/user-logs')
  @ApiArrayResponse(AuditLog000, LEGACY_000_LIST_MAX_ITEMS)
  @Failures()
  async listLogs(@CurrentUser() actor: AuthUser, @Query() list: ListLogs000Query): Promise<Array<Record<string, unknown>>> {
    const query = pageOf(new ListAuditLogsQuery(), list);
    if (list.user !== undefined) query.user = await this.ids.canonical000('user', list.user, 'user');
    return this.ids.present000((await this.auditLog.list(actor, query)).data, AUDIT_LOG_000);
  }

  @Get('user-logs/:id')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('某条登入或登出记录 (one audit record)', 'GET /api/v1/user-logs/:id')
  @IdParam('record')
  @ApiResponse({ status: 200, type: AuditLog000 })
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async getLog(@CurrentUser() actor: AuthUser, @Param('id', UserLogId) id: string): Promise<Record<string, unknown>> {
    return this.ids.presentOne000(await this.auditLog.get(actor, id), AUDIT_LOG_000);
  }

  @Get('users/:id/user-logs')
  @Authenticated()
  @LegacyOperation('某个用户的所有登入登出记录 (audit records of a user)', 'GET /api/v1/users/:id/user-logs')
  @IdParam('user')
  @ApiArrayResponse(AuditLog000, LEGACY_000_LIST_MAX_ITEMS)
  @ApiResponse({ status: 404, type: Detail000 })
  @Failures()
  async userLogs(
    @CurrentUser() actor: AuthUser,
    @Param('id', UserId) id: string,
    @Query() list: List000Query,
  ): Promise<Array<Record<string, unknown>>> {
    return this.ids.present000((await this.auditLog.listForUser(actor, id, pageOf(new AuditLogFilters(), list))).data, AUDIT_LOG_000);
  }

  @Get('black-list')
  @Authenticated({ role: 'admin' })
  @LegacyOperation('所有病人黑名单 (active blacklist entries; the user is `patient`)', 'GET /api/v1/black-list')
  @ApiArrayResponse(BlacklistEntry000, LEGACY_000_LIST_MAX_ITEMS)
  @Failures()
  async blacklistEntries(@CurrentUser() actor: AuthUser, @Query() list: ListBlacklist000Query): Promise<Array<Record<string, unknown>>> {
    const query = pageOf(new ListBlacklistQuery(), list);
    if (list.patient !== undefined) query.user = await this.ids.canonical000('user', list.patient, 'patient');
    return this.ids.present000((await this.blacklist.list(actor, query)).data, BLACKLIST_ENTRY_000);
  }
}
