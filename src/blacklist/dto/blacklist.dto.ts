import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsString, IsUUID, MaxLength } from 'class-validator';
import { PaginationQuery } from '../../common/pagination/pagination';
import { Omittable } from '../../common/validation/validators';

export class CreateBlacklistEntryDto {
  @ApiProperty({ format: 'uuid', description: 'The user to blacklist (of a lower role than the caller)' })
  @IsUUID('all')
  user!: string;

  @ApiProperty({ maxLength: 500, example: 'Repeated abuse of the booking system' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class ListBlacklistQuery extends PaginationQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Entries of this user' })
  @Omittable()
  @IsUUID('all')
  user?: string;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 1,
    enum: [0, 1],
    default: 0,
    description: '0 active entries (default), 1 removed ones',
  })
  @Omittable()
  @Transform(({ value }: { value: unknown }) => (value === '0' ? 0 : value === '1' ? 1 : value))
  @IsIn([0, 1])
  is_delete?: 0 | 1;
}
