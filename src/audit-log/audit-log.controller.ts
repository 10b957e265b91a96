import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { Page } from '../common/pagination/pagination';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiEnvelope, ApiErrors, ApiPageEnvelope } from '../common/swagger/api-docs.decorators';
import { AuditLogResponse, ChainVerificationResponse } from './audit-log.response';
import { AuditLogQueryService } from './audit-log-query.service';
import { AuditLogFilters, ListAuditLogsQuery } from './dto/list-audit-logs.query';

const E = ErrorCode;

/** The append-only audit log: read routes only, nothing updates or deletes it. */
@ApiTags('User logs')
@Controller(`${API_PREFIX}/user-logs`)
export class AuditLogController {
  constructor(private readonly audit: AuditLogQueryService) {}

  @Get()
  @Authenticated({ role: 'admin' })
  @ApiOperation({ summary: 'List audit records', description: 'admin+. Newest first. Filters: user, operator, operation, ip, from, to.' })
  @ApiPageEnvelope(AuditLogResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE)
  list(@CurrentUser() actor: AuthUser, @Query() query: ListAuditLogsQuery): Promise<Page<AuditLogResponse>> {
    return this.audit.list(actor, query);
  }

  @Get('verify')
  @Authenticated({ role: 'admin' })
  @ApiOperation({
    summary: 'Verify the hash chain',
    description:
      "admin+. Every entry carries the SHA-256 of its content and of the previous entry's hash; this recomputes the chain " +
      "and names the first broken entry (altered, removed or inserted behind the service's back).",
  })
  @ApiEnvelope(ChainVerificationResponse)
  @ApiErrors(E.UNAUTHENTICATED, E.FORBIDDEN_ROLE)
  verify(@CurrentUser() actor: AuthUser): Promise<ChainVerificationResponse> {
    return this.audit.verifyChain(actor);
  }

  @Get(':id')
  @Authenticated({ role: 'admin' })
  @ApiOperation({ summary: 'Get an audit record', description: 'admin+.' })
  @ApiEnvelope(AuditLogResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  get(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<AuditLogResponse> {
    return this.audit.get(actor, id);
  }
}

@ApiTags('User logs')
@Controller(`${API_PREFIX}/users`)
export class UserAuditLogController {
  constructor(private readonly audit: AuditLogQueryService) {}

  @Get(':id/user-logs')
  @Authenticated()
  @ApiOperation({ summary: "A user's audit records", description: 'The user themself or admin+ (deleted users included). Newest first.' })
  @ApiPageEnvelope(AuditLogResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  ofUser(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Query() query: AuditLogFilters,
  ): Promise<Page<AuditLogResponse>> {
    return this.audit.listForUser(actor, id, query);
  }
}
