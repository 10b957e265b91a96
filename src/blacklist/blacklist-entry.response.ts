import { ApiProperty } from '@nestjs/swagger';
import type { BlacklistEntry } from './blacklist-entry.entity';

export class BlacklistEntryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'The blacklisted user' })
  user!: string;

  @ApiProperty({ maxLength: 500, example: 'Repeated abuse of the booking system' })
  reason!: string;

  @ApiProperty({ format: 'date-time' })
  join_time!: string;

  @ApiProperty({ type: 'integer', format: 'int32', minimum: 0, maximum: 1, enum: [0, 1], description: '0 active, 1 removed' })
  is_delete!: 0 | 1;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'Who blacklisted the user' })
  operator!: string | null;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  removed_at!: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String })
  removed_by!: string | null;

  static from(entry: BlacklistEntry): BlacklistEntryResponse {
    return Object.assign(new BlacklistEntryResponse(), {
      id: entry.id,
      user: entry.userId,
      reason: entry.reason,
      join_time: entry.joinTime.toISOString(),
      is_delete: entry.isDelete,
      operator: entry.operatorId,
      removed_at: entry.removedAt?.toISOString() ?? null,
      removed_by: entry.removedBy,
    });
  }
}
