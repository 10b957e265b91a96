import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthService } from '../auth/auth.service';
import { RateLimit } from '../auth/rate-limit.guard';
import { AuthUser, Authenticated, CurrentUser, Public } from '../common/decorators/auth.decorators';
import { RawResponse } from '../common/decorators/raw-response.decorator';
import { ClientMeta, RequestMeta } from '../common/http/request-meta';
import { ListUsersQuery } from '../users/dto/list-users.query';
import { UsersService } from '../users/users.service';
import { Login001Dto, QueryAll001Dto, Register001Dto } from './dto/legacy-001.dto';
import { Error001, ID_001, LoggedIn001, Query001, QueryAll001, Registered001, Removed001 } from './dto/legacy-responses';
import { LegacyOperation } from './legacy-operation.decorator';
import { user001, userListItem001 } from './legacy-shapes';
import { SourceId001Pipe, SourceIds } from './source-ids';

const flag = (value: unknown): boolean => value === 1 || value === true;

/** The `{user_id}` of a 001 path: the user's 001 id, turned into the canonical UUID by SourceId001Pipe. */
const UserIdParam = (): MethodDecorator =>
  ApiParam({
    name: 'user_id',
    schema: { type: 'string', ...ID_001 },
    description: "The user's 001 id (24 hex digits); anything else is refused as invalid input (400)",
  });

/**
 * The 001 system's API: `{ "result": ... }` bodies, 400 and 403 for failures as its document gives
 * them. A thin translation onto the Auth and Users services.
 */
@ApiTags('Source API 001 (deprecated)')
@Controller('api')
@RawResponse()
export class Legacy001Controller {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly ids: SourceIds,
  ) {}

  @Post('register')
  @HttpCode(200)
  @Public()
  @RateLimit('register')
  @LegacyOperation('注册 (register)', 'POST /api/v1/auth/register')
  @ApiResponse({ status: 200, type: Registered001, description: 'Registered successfully' })
  @ApiResponse({ status: 400, type: Error001, description: '"Email address is invalid", "invitation code wrong" or "Wrong form struct"' })
  @ApiResponse({ status: 403, type: Error001, description: '"This Email address has been registered" (or the username)' })
  @ApiResponse({ status: 429, type: Error001, description: 'Too many requests (Retry-After set)' })
  async register(@Body() body: Register001Dto, @ClientMeta() meta: RequestMeta): Promise<Registered001> {
    const user = await this.auth.register(
      {
        username: body.username,
        email: body.email,
        password: body.password,
        phone_number: body.tel,
        is_admin: flag(body.is_admin) ? 1 : 0,
        invitation: body.invitation,
      },
      meta,
    );
    const ids001 = await this.ids.shown001([user.id]);
    return { result: 'Registered successfully', id: ids001.get(user.id) as string };
  }

  @Post('login')
  @HttpCode(200)
  @Public()
  @RateLimit('login')
  @LegacyOperation('登录 (login)', 'POST /api/v1/auth/login')
  @ApiResponse({ status: 200, type: LoggedIn001, description: 'Login successfully' })
  @ApiResponse({ status: 400, type: Error001, description: '"Wrong password or wrong email address" or "Wrong form struct"' })
  @ApiResponse({
    status: 403,
    type: Error001,
    description:
      'Account disabled or blacklisted, or it has a second factor, which this API cannot ask for ("Second factor required": use POST /api/v1/auth/login, then POST /api/v1/auth/mfa/verify); each after a correct password',
  })
  @ApiResponse({ status: 429, type: Error001, description: 'Too many requests or the account is locked (Retry-After set)' })
  async login(@Body() body: Login001Dto, @ClientMeta() meta: RequestMeta): Promise<LoggedIn001> {
    const adminOnly = flag(body.is_admim) || flag(body.is_admin);
    const result = await this.auth.legacyLogin({ email: body.email, username: body.username, password: body.password }, meta, {
      staffOnly: adminOnly,
    });
    return {
      result: 'Login successfully',
      Authorization: `Bearer ${result.access_token}`,
      refresh_token: result.refresh_token,
      expires_in: result.expires_in,
    };
  }

  @Post('queryall')
  @HttpCode(200)
  @Authenticated({ role: 'admin' })
  @LegacyOperation('全部查询 (all ordinary users)', 'GET /api/v1/users?role=user')
  @ApiResponse({ status: 200, type: QueryAll001, description: 'Query all users successfully' })
  @ApiResponse({ status: 400, type: Error001, description: 'Wrong form struct' })
  @ApiResponse({ status: 403, type: Error001, description: 'No or bad token, or not admin+' })
  async queryAll(@CurrentUser() actor: AuthUser, @Body() body: QueryAll001Dto): Promise<QueryAll001> {
    const query = Object.assign(new ListUsersQuery(), { page: body.page ?? 1, limit: body.limit ?? 10, role: 'user' });
    const page = await this.users.list(actor, query);
    const ids001 = await this.ids.shown001(page.data.map((user) => user.id));
    return {
      result: 'Query all users successfully',
      total: page.count,
      limit: page.limit,
      page: page.page,
      users: page.data.map((user) => userListItem001(user, ids001)),
    };
  }

  @Get('query/:user_id')
  @Authenticated()
  @LegacyOperation('单人查询 (one user)', 'GET /api/v1/users/:id')
  @UserIdParam()
  @ApiResponse({ status: 200, type: Query001, description: 'query successfully' })
  @ApiResponse({ status: 400, type: Error001, description: 'Bad or unknown id' })
  @ApiResponse({ status: 403, type: Error001, description: 'No or bad token, or another user without admin+' })
  async query(@CurrentUser() actor: AuthUser, @Param('user_id', SourceId001Pipe) id: string): Promise<Query001> {
    const user = await this.users.getForViewer(actor, id);
    return { result: 'query successfully', user: user001(user, await this.ids.shown001([user.id])) };
  }

  @Get('delete/:user_id')
  @Authenticated()
  @LegacyOperation('删除 (soft delete, by GET as the source had it)', 'DELETE /api/v1/users/:id')
  @UserIdParam()
  @ApiResponse({ status: 200, type: Removed001, description: 'remove successfully' })
  @ApiResponse({ status: 400, type: Error001, description: 'Bad or unknown id' })
  @ApiResponse({ status: 403, type: Error001, description: 'No or bad token, or not allowed (superadmin by default, never oneself)' })
  async remove(
    @CurrentUser() actor: AuthUser,
    @Param('user_id', SourceId001Pipe) id: string,
    @Param('user_id') id001: string,
    @ClientMeta() meta: RequestMeta,
  ): Promise<Removed001> {
    await this.users.softDelete(actor, id, meta);
    return { result: 'remove successfully', user_id: id001.toLowerCase() };
  }
}
