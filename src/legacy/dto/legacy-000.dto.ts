import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsString, Matches, Max, Min, ValidateNested } from 'class-validator';
import { MAX_PAGE } from '../../common/pagination/pagination';
import { INT32_MAX, LEGACY_000_LIST_MAX_ITEMS, SAFE_INTEGER_MAX } from '../../common/swagger/limits';
import { Nullable, Omittable, ToInteger } from '../../common/validation/validators';
import { EmailField, PasswordField, UsernameField } from '../../users/dto/account-fields';
import { ProfileDto } from '../../users/dto/profile.dto';

/** 000's nested profile: the canonical profile fields, `phone` for the phone number, numeric occupation ids. */
export class Profile000Dto extends OmitType(ProfileDto, ['occupation'] as const) {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: INT32_MAX,
    nullable: true,
    example: 34,
    description: 'The occupation by its 000 id (its code, as GET /api/occupations/ shows it); null clears it',
  })
  @Nullable()
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  occupation?: number | null;

  @ApiPropertyOptional({ type: String, maxLength: 21, pattern: '^\\+?\\d{6,20}$', example: '18888888888', nullable: true })
  @Nullable()
  @IsString()
  @Matches(/^\+?\d{6,20}$/, { message: 'phone must be digits with an optional leading +, 6 to 20 digits' })
  phone?: string | null;
}

/** 000 POST /api/users/. */
export class Register000Dto {
  @UsernameField(true)
  username!: string;

  @PasswordField(true)
  password!: string;

  @EmailField(true)
  email!: string;

  @ApiProperty({ type: () => Profile000Dto, required: false })
  @Omittable()
  @IsObject()
  @ValidateNested()
  @Type(() => Profile000Dto)
  profile?: Profile000Dto;
}

/** 000 lists answer plain arrays; `page` and `limit` are optional (`limit` up to 1000, the default). */
export class List000Query {
  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: MAX_PAGE, default: 1 })
  @Omittable()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(1000000)
  page: number = 1;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: LEGACY_000_LIST_MAX_ITEMS, default: 1000 })
  @Omittable()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit: number = 1000;
}

/** A filter naming a user by their 000 id. */
function User000Filter(description: string): PropertyDecorator {
  return (target: object, key: string | symbol) => {
    ApiPropertyOptional({ type: 'integer', format: 'int64', minimum: 1, maximum: SAFE_INTEGER_MAX, example: 17, description })(target, key);
    Omittable()(target, key);
    ToInteger()(target, key);
    IsInt()(target, key);
    Min(1)(target, key);
    Max(SAFE_INTEGER_MAX)(target, key);
  };
}

/** GET /api/user-logs/: the 000 list, optionally the records about one user. */
export class ListLogs000Query extends List000Query {
  @User000Filter('Only the records about this user (their 000 id)')
  user?: number;
}

/** GET /api/black-list/: the 000 list, optionally the entries of one user (`patient`, as the entries name them). */
export class ListBlacklist000Query extends List000Query {
  @User000Filter('Only the entries of this user (their 000 id)')
  patient?: number;
}
