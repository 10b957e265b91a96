import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsString, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { MAX_LIMIT, MAX_PAGE } from '../../common/pagination/pagination';
import { EmailField, PasswordField, UsernameField } from '../../users/dto/account-fields';
import { Omittable, ToInteger } from '../../common/validation/validators';

const FLAG = [0, 1, true, false, '0', '1'];
const toFlag = ({ value }: { value: unknown }): unknown => (value === '1' ? 1 : value === '0' ? 0 : value);

/** 001 POST /api/register/. */
export class Register001Dto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 1,
    enum: [0, 1],
    default: 0,
    description: '1 registers an admin and needs a valid invitation',
  })
  @Omittable()
  @Transform(toFlag)
  @IsIn(FLAG, { message: 'is_admin must be 0 or 1' })
  is_admin?: 0 | 1 | boolean;

  @ApiPropertyOptional({ maxLength: 128 })
  @Omittable()
  @IsString()
  @MaxLength(128)
  invitation?: string;

  @UsernameField(true)
  username!: string;

  @PasswordField(true)
  password!: string;

  @ApiPropertyOptional({ maxLength: 21, pattern: '^\\+?\\d{6,20}$', example: '18888888888' })
  @Omittable()
  @IsString()
  @Matches(/^\+?\d{6,20}$/, { message: 'phone_number must be digits with an optional leading +, 6 to 20 digits' })
  tel?: string;

  @EmailField(true)
  email!: string;
}

/** 001 POST /api/login/ (`is_admim` as its document spells it, `is_admin` too). */
export class Login001Dto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 1,
    enum: [0, 1],
    description: '1: only an admin or superadmin account may log in',
  })
  @Omittable()
  @Transform(toFlag)
  @IsIn(FLAG, { message: 'is_admin must be 0 or 1' })
  is_admim?: 0 | 1 | boolean;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 0, maximum: 1, enum: [0, 1], description: 'Same as is_admim' })
  @Omittable()
  @Transform(toFlag)
  @IsIn(FLAG, { message: 'is_admin must be 0 or 1' })
  is_admin?: 0 | 1 | boolean;

  @ApiPropertyOptional({ maxLength: 254, example: 'alice@example.com' })
  @ValidateIf((body: Login001Dto) => body.email !== undefined || body.username === undefined)
  @IsString({ message: 'give username or email' })
  @IsNotEmpty({ message: 'give username or email' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ maxLength: 254, description: 'Also accepted instead of email' })
  @Omittable()
  @IsString()
  @IsNotEmpty()
  @MaxLength(254)
  username?: string;

  @ApiProperty({ maxLength: 128, format: 'password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  password!: string;
}

/** 001 POST /api/queryall/: numbers or numeric strings. */
export class QueryAll001Dto {
  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: MAX_LIMIT, default: 10, example: 50 })
  @Omittable()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit?: number;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: MAX_PAGE, default: 1, example: 1 })
  @Omittable()
  @ToInteger()
  @IsInt()
  @Min(1)
  @Max(1000000)
  page?: number;
}
