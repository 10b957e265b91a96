import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Actor, can } from '../common/policies/access.policy';
import type { GroupMember } from './group-member.entity';
import type { Group } from './group.entity';

export class GroupResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ maxLength: 100, example: 'Cardiology' })
  name!: string;

  @ApiProperty({ nullable: true, type: String, maxLength: 255, example: 'Building 2, floor 3' })
  location!: string | null;

  @ApiProperty({ nullable: true, type: String, maxLength: 21, pattern: '^\\+?[0-9][0-9 -]{2,19}$', example: '13800000000' })
  contact_phone!: string | null;

  @ApiProperty({ nullable: true, type: String, maxLength: 1000 })
  description!: string | null;

  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 12,
    description: 'Members who are not deleted',
  })
  member_count!: number;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time' })
  updated_at!: string;

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, description: 'Shown to superadmins' })
  deleted_at?: string | null;

  /** deleted_at only for viewers who may see deleted groups. */
  static from(group: Group, memberCount: number, viewer: Actor): GroupResponse {
    const response = Object.assign(new GroupResponse(), {
      id: group.id,
      name: group.name,
      location: group.location,
      contact_phone: group.contactPhone,
      description: group.description,
      member_count: memberCount,
      created_at: group.createdAt.toISOString(),
      updated_at: group.updatedAt.toISOString(),
    });
    if (can(viewer, 'group.read-deleted', null)) response.deleted_at = group.deletedAt?.toISOString() ?? null;
    return response;
  }
}

export class MembershipResponse {
  @ApiProperty({ format: 'uuid' })
  group_id!: string;

  @ApiProperty({ format: 'uuid' })
  user_id!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  added_by!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  static from(member: GroupMember): MembershipResponse {
    return Object.assign(new MembershipResponse(), {
      group_id: member.groupId,
      user_id: member.userId,
      added_by: member.addedBy,
      created_at: member.createdAt.toISOString(),
    });
  }
}
