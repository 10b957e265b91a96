import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { Page, PaginationQuery } from '../common/pagination/pagination';
import { UuidParamPipe } from '../common/pipes/uuid-param.pipe';
import { ApiEnvelope, ApiErrors, ApiPageEnvelope } from '../common/swagger/api-docs.decorators';
import { UserResponse } from '../users/user.response';
import { CreateGroupDto, ListGroupsQuery, UpdateGroupDto } from './dto/group.dto';
import { GroupResponse, MembershipResponse } from './group.response';
import { GroupsService } from './groups.service';

const E = ErrorCode;

@ApiTags('Groups')
@Controller(`${API_PREFIX}/groups`)
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'List groups', description: 'Any signed-in user. `deleted` is for superadmins.' })
  @ApiPageEnvelope(GroupResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE)
  list(@CurrentUser() actor: AuthUser, @Query() query: ListGroupsQuery): Promise<Page<GroupResponse>> {
    return this.groups.list(actor, query);
  }

  @Get(':id')
  @Authenticated()
  @ApiOperation({ summary: 'Get a group', description: 'Any signed-in user (superadmins also see deleted groups).' })
  @ApiEnvelope(GroupResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.NOT_FOUND)
  get(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<GroupResponse> {
    return this.groups.get(actor, id);
  }

  @Post()
  @Authenticated({ role: 'admin' })
  @ApiOperation({ summary: 'Create a group', description: 'admin+. 40903 when another group has the name.' })
  @ApiEnvelope(GroupResponse, { status: 201 })
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.CONFLICT)
  create(@CurrentUser() actor: AuthUser, @Body() body: CreateGroupDto): Promise<GroupResponse> {
    return this.groups.create(actor, body);
  }

  @Patch(':id')
  @Authenticated({ role: 'admin' })
  @ApiOperation({ summary: 'Update a group', description: 'admin+.' })
  @ApiEnvelope(GroupResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND, E.CONFLICT)
  update(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string, @Body() body: UpdateGroupDto): Promise<GroupResponse> {
    return this.groups.update(actor, id, body);
  }

  @Delete(':id')
  @Authenticated({ role: 'admin' })
  @ApiOperation({
    summary: 'Delete a group (soft)',
    description: 'admin+. Memberships are kept, so a restore brings the group back whole.',
  })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  async remove(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<null> {
    await this.groups.remove(actor, id);
    return null;
  }

  @Post(':id/restore')
  @HttpCode(200)
  @Authenticated({ role: 'superadmin' })
  @ApiOperation({
    summary: 'Restore a deleted group',
    description: 'superadmin. 40903 when it is not deleted or its name is taken meanwhile.',
  })
  @ApiEnvelope(GroupResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND, E.CONFLICT)
  restore(@CurrentUser() actor: AuthUser, @Param('id', UuidParamPipe) id: string): Promise<GroupResponse> {
    return this.groups.restore(actor, id);
  }

  @Get(':id/users')
  @Authenticated()
  @ApiOperation({
    summary: 'Members of a group',
    description: "admin+, or a member of the group (who sees fellow members' id, username, name and avatar only).",
  })
  @ApiPageEnvelope(UserResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  members(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Query() page: PaginationQuery,
  ): Promise<Page<UserResponse>> {
    return this.groups.members(actor, id, page);
  }

  @Put(':id/users/:user_id')
  @Authenticated({ role: 'admin' })
  @ApiOperation({ summary: 'Add a member', description: 'admin+. Idempotent. 40401 for an unknown group or user.' })
  @ApiEnvelope(MembershipResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  addMember(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Param('user_id', UuidParamPipe) userId: string,
  ): Promise<MembershipResponse> {
    return this.groups.addMember(actor, id, userId);
  }

  @Delete(':id/users/:user_id')
  @Authenticated({ role: 'admin' })
  @ApiOperation({
    summary: 'Remove a member',
    description: 'admin+. Idempotent (removing a non-member succeeds). 40401 for an unknown group or user.',
  })
  @ApiEnvelope(null)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  async removeMember(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Param('user_id', UuidParamPipe) userId: string,
  ): Promise<null> {
    await this.groups.removeMember(actor, id, userId);
    return null;
  }
}

@ApiTags('Groups')
@Controller(`${API_PREFIX}/users`)
export class UserGroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get(':id/groups')
  @Authenticated()
  @ApiOperation({ summary: "A user's groups", description: 'The user themself or admin+.' })
  @ApiPageEnvelope(GroupResponse)
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE, E.NOT_FOUND)
  groupsOf(
    @CurrentUser() actor: AuthUser,
    @Param('id', UuidParamPipe) id: string,
    @Query() page: PaginationQuery,
  ): Promise<Page<GroupResponse>> {
    return this.groups.groupsOf(actor, id, page);
  }
}
