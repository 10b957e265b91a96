import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsString, IsUrl, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsPastDate, Nullable } from '../../common/validation/validators';

export const GENDERS = [0, 1, 2] as const;
export const LANGUAGES = ['en', 'zh-CN'] as const;

/** Profile fields a client may write. `name_pinyin` is derived from `name` and cannot be sent. Null clears a field. */
export class ProfileDto {
  @ApiPropertyOptional({ type: String, maxLength: 100, nullable: true, example: '张三' })
  @Nullable()
  @IsString()
  @MaxLength(100)
  name?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 50, nullable: true, example: 'San' })
  @Nullable()
  @IsString()
  @MaxLength(50)
  first_name?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 50, nullable: true, example: 'Zhang' })
  @Nullable()
  @IsString()
  @MaxLength(50)
  last_name?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 2,
    enum: GENDERS,
    nullable: true,
    description: '0 female, 1 male, 2 other',
    example: 1,
  })
  @Nullable()
  @IsIn(GENDERS)
  gender?: number | null;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 0, maximum: 150, nullable: true, example: 18 })
  @Nullable()
  @IsInt()
  @Min(0)
  @Max(150)
  age?: number | null;

  @ApiPropertyOptional({ type: String, format: 'date', maxLength: 10, nullable: true, example: '2000-01-31' })
  @Nullable()
  @IsPastDate()
  birthday?: string | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', maxLength: 36, nullable: true, description: 'An occupation id (GET /occupations)' })
  @Nullable()
  @IsUUID('all')
  occupation?: string | null;

  @ApiPropertyOptional({
    type: String,
    maxLength: 18,
    nullable: true,
    pattern: '^\\d{17}[\\dXx]$',
    example: '100000190001010001',
    description: '18 characters: 17 digits then a digit or X',
  })
  @Nullable()
  @IsString()
  @Matches(/^\d{17}[\dXx]$/, { message: 'identify_id must be 17 digits followed by a digit or X' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value))
  identify_id?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 255, nullable: true, example: 'No. 1 Example Road' })
  @Nullable()
  @IsString()
  @MaxLength(255)
  address?: string | null;

  @ApiPropertyOptional({ type: String, maxLength: 2048, nullable: true, format: 'uri', example: 'https://example.com/a.png' })
  @Nullable()
  @IsString()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'avatar_url must be an http(s) URL' })
  avatar_url?: string | null;

  @ApiPropertyOptional({ type: String, enum: LANGUAGES, nullable: true, maxLength: 5, example: 'zh-CN' })
  @Nullable()
  @IsIn(LANGUAGES)
  language_preference?: string | null;
}
