import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { PaginationQuery } from '../../common/pagination/pagination';
import { Nullable, Omittable } from '../../common/validation/validators';

const trim = Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));
const PHONE = /^\+?[0-9][0-9 -]{2,19}$/;
const PHONE_MESSAGE = 'contact_phone must be a phone number: digits, spaces or dashes, 3 to 21 characters';

export class CreateGroupDto {
  @ApiProperty({ maxLength: 100, example: 'Cardiology', description: 'Unique (case-insensitive) among groups that are not deleted' })
  @trim
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({ type: String, maxLength: 255, nullable: true, example: 'Building 2, floor 3' })
  @Nullable()
  @IsString()
  @MaxLength(255)
  location?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 21, nullable: true, example: '13800000000', pattern: PHONE.source })
  @Nullable()
  @IsString()
  @Matches(PHONE, { message: PHONE_MESSAGE })
  contact_phone?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 1000, nullable: true })
  @Nullable()
  @IsString()
  @MaxLength(1000)
  description?: string | null;
}

export class UpdateGroupDto {
  @ApiPropertyOptional({ maxLength: 100, example: 'Cardiology' })
  @Omittable()
  @trim
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({ type: String, maxLength: 255, nullable: true })
  @Nullable()
  @IsString()
  @MaxLength(255)
  location?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 21, nullable: true, pattern: PHONE.source })
  @Nullable()
  @IsString()
  @Matches(PHONE, { message: PHONE_MESSAGE })
  contact_phone?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 1000, nullable: true })
  @Nullable()
  @IsString()
  @MaxLength(1000)
  description?: string | null;
}

export class ListGroupsQuery extends PaginationQuery {
  @ApiPropertyOptional({ maxLength: 100, description: 'Name contains this text (case-insensitive)' })
  @Omittable()
  @IsString()
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional({
    enum: ['false', 'true', 'all'],
    default: 'false',
    description: 'superadmin only: true lists deleted groups, all lists both',
  })
  @Omittable()
  @IsIn(['false', 'true', 'all', '0', '1'])
  deleted?: string;
}
