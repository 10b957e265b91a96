import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { ClientMeta, RequestMeta } from '../common/http/request-meta';
import { Page } from '../common/pagination/pagination';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiEnvelope, ApiErrors, ApiPageEnvelope } from '../common/swagger/api-docs.decorators';
import { BlacklistEntryResponse } from './blacklist-entry.response';
import { BlacklistService } from './blacklist.service';
import { CreateBlacklistEntryDto, ListBlacklistQuery } from './dto/blacklist.dto';

const E = ErrorCode;

@ApiTags('Blacklist')
@Controller(`${API_PREFIX}/black-list`)
@Authenticated({ role: 'admin' })
export class BlacklistController {
  constructor(private readonly blacklist: BlacklistService) {}

  @Get()
  @ApiOperation({
    summary: 'List blacklist entries',
    description: 'admin+, entries of users of a lower role only. Active entries by default (is_delete=0); is_delete=1 lists removed ones.',
  })
  @ApiPageEnvelope(BlacklistEntryResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE)
  list(@CurrentUser() actor: AuthUser, @Query() query: ListBlacklistQuery): Promise<Page<BlacklistEntryResponse>> {
    return this.blacklist.list(actor, query);
  }

  @Post()
  @ApiOperation({
    summary: 'Blacklist a user',
    description:
      'admin+ on a user of a lower role. The user cannot log in (40303 after a correct password) and every token of theirs ' +
      'stops working at once. 40903 when the user already has an active entry.',
  })
  @ApiEnvelope(BlacklistEntryResponse, { status: 201 })
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND, E.CONFLICT)
  add(
    @CurrentUser() actor: AuthUser,
    @Body() body: CreateBlacklistEntryDto,
    @ClientMeta() meta: RequestMeta,
  ): Promise<BlacklistEntryResponse> {
    return this.blacklist.add(actor, body, meta);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a blacklist entry', description: 'admin+, entries of users of a lower role only.' })
  @ApiEnvelope(BlacklistEntryResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  get(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<BlacklistEntryResponse> {
    return this.blacklist.get(actor, id);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Remove a blacklist entry',
    description:
      'admin+ on a user of a lower role. Sets is_delete 1 with removed_at and removed_by; the history stays. The user can log in again.',
  })
  @ApiEnvelope(BlacklistEntryResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND, E.CONFLICT)
  remove(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @ClientMeta() meta: RequestMeta,
  ): Promise<BlacklistEntryResponse> {
    return this.blacklist.remove(actor, id, meta);
  }
}
