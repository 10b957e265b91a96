import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { PaginationQuery } from '../../common/pagination/pagination';
import { Omittable } from '../../common/validation/validators';

const trim = Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

export class CreateOccupationDto {
  @ApiProperty({ maxLength: 100, example: 'Data Scientist', description: 'Unique, case-insensitively' })
  @trim
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;
}

export class UpdateOccupationDto {
  @ApiPropertyOptional({ maxLength: 100, example: 'Data Scientist' })
  @Omittable()
  @trim
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name?: string;
}

export class ListOccupationsQuery extends PaginationQuery {
  @ApiPropertyOptional({ maxLength: 100, description: 'Name contains this text (case-insensitive)' })
  @Omittable()
  @IsString()
  @MaxLength(100)
  name?: string;
}
