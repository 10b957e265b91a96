import { Body, Controller, Delete, Get, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthUser, Authenticated, CurrentUser, Public } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { Page, PaginationQuery } from '../common/pagination/pagination';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiEnvelope, ApiErrors, ApiPageEnvelope } from '../common/swagger/api-docs.decorators';
import { UserResponse } from '../users/user.response';
import { CreateOccupationDto, ListOccupationsQuery, UpdateOccupationDto } from './dto/occupation.dto';
import { OccupationResponse } from './occupation.response';
import { OccupationsService } from './occupations.service';

const E = ErrorCode;

@ApiTags('Occupations')
@Controller(`${API_PREFIX}/occupations`)
export class OccupationsController {
  constructor(private readonly occupations: OccupationsService) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'List occupations', description: 'Anyone (the registration form needs them). Sorted by name.' })
  @ApiPageEnvelope(OccupationResponse)
  @ApiErrors(E.VALIDATION_FAILED)
  list(@Query() query: ListOccupationsQuery, @Req() request: FastifyRequest): Promise<Page<OccupationResponse>> {
    // No session is checked here: a caller that sends a token may have just written, so the primary answers it.
    return this.occupations.list(query, { primaryOnly: request.headers.authorization !== undefined });
  }

  @Get(':id')
  @Public()
  @ApiOperation({ summary: 'Get an occupation', description: 'Anyone.' })
  @ApiEnvelope(OccupationResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.NOT_FOUND)
  get(@Param('id', UuidParamPipe) id: string): Promise<OccupationResponse> {
    return this.occupations.get(id);
  }

  @Post()
  @Authenticated({ role: 'admin' })
  @ApiOperation({ summary: 'Create an occupation', description: 'admin+. Names are unique case-insensitively (40903).' })
  @ApiEnvelope(OccupationResponse, { status: 201 })
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.CONFLICT)
  create(@CurrentUser() actor: AuthUser, @Body() body: CreateOccupationDto): Promise<OccupationResponse> {
    return this.occupations.create(actor, body.name);
  }

  @Patch(':id')
  @Authenticated({ role: 'admin' })
  @ApiOperation({ summary: 'Rename an occupation', description: 'admin+.' })
  @ApiEnvelope(OccupationResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND, E.CONFLICT)
  update(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Body() body: UpdateOccupationDto,
  ): Promise<OccupationResponse> {
    return this.occupations.update(actor, id, body.name);
  }

  @Delete(':id')
  @Authenticated({ role: 'admin' })
  @ApiOperation({ summary: 'Delete an occupation', description: 'admin+. 40903 while any user references it.' })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND, E.CONFLICT)
  async remove(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<null> {
    await this.occupations.remove(actor, id);
    return null;
  }

  @Get(':id/users')
  @Authenticated({ role: 'admin' })
  @ApiOperation({ summary: 'Users with this occupation', description: 'admin+. Same fields and visibility as GET /users.' })
  @ApiPageEnvelope(UserResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  users(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Query() page: PaginationQuery,
  ): Promise<Page<UserResponse>> {
    return this.occupations.usersOf(actor, id, page);
  }
}
