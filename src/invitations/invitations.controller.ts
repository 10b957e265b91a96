import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { Page, PaginationQuery } from '../common/pagination/pagination';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiEnvelope, ApiErrors, ApiPageEnvelope } from '../common/swagger/api-docs.decorators';
import { CreateInvitationDto } from './dto/invitation.dto';
import { InvitationResponse } from './invitation.response';
import { InvitationsService } from './invitations.service';

const E = ErrorCode;

@ApiTags('Invitations')
@Controller(`${API_PREFIX}/invitations`)
@Authenticated({ role: 'superadmin' })
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an invitation code',
    description:
      'superadmin. The response carries the code once; only its hash is stored. Register with `is_admin: 1, invitation: <code>`.',
  })
  @ApiEnvelope(InvitationResponse, { status: 201 })
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE)
  create(@CurrentUser() actor: AuthUser, @Body() body: CreateInvitationDto): Promise<InvitationResponse> {
    return this.invitations.create(actor, body);
  }

  @Get()
  @ApiOperation({ summary: 'List invitations', description: 'superadmin. Newest first; the codes are never shown again.' })
  @ApiPageEnvelope(InvitationResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE)
  list(@CurrentUser() actor: AuthUser, @Query() page: PaginationQuery): Promise<Page<InvitationResponse>> {
    return this.invitations.list(actor, page);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an invitation', description: 'superadmin. 40903 when it was already revoked.' })
  @ApiEnvelope(InvitationResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND, E.CONFLICT)
  revoke(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<InvitationResponse> {
    return this.invitations.revoke(actor, id);
  }
}
