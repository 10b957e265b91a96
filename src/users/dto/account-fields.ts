import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsEmail, IsObject, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { IsPassword, Nullable, Omittable } from '../../common/validation/validators';
import { ProfileDto } from './profile.dto';

/** Field rules shared by registration, user creation and updates: one definition each. */
export const USERNAME_PATTERN = /^[A-Za-z0-9]{6,22}$/;

const trim = Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));
const lowerTrim = Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value));

export const UsernameField = (required: boolean): PropertyDecorator =>
  applyDecorators(
    required
      ? ApiProperty({ minLength: 6, maxLength: 22, pattern: '^[A-Za-z0-9]{6,22}$', example: 'alice2024' })
      : ApiPropertyOptional({ minLength: 6, maxLength: 22, pattern: '^[A-Za-z0-9]{6,22}$', example: 'alice2024' }),
    ...(required ? [] : [Omittable()]),
    trim,
    IsString(),
    Matches(USERNAME_PATTERN, { message: 'username may contain only letters and digits, 6 to 22 characters' }),
  );

export const EmailField = (required: boolean): PropertyDecorator =>
  applyDecorators(
    required
      ? ApiProperty({ format: 'email', maxLength: 254, example: 'alice@example.com', description: 'Stored lower-case' })
      : ApiPropertyOptional({ format: 'email', maxLength: 254, example: 'alice@example.com', description: 'Stored lower-case' }),
    ...(required ? [] : [Omittable()]),
    lowerTrim,
    IsString(),
    MaxLength(254),
    IsEmail({}, { message: 'email must be an email' }),
  );

export const PasswordField = (required: boolean, description?: string): PropertyDecorator =>
  applyDecorators(
    required
      ? ApiProperty({ minLength: 6, maxLength: 128, format: 'password', example: 'correct horse battery', description })
      : ApiPropertyOptional({ minLength: 6, maxLength: 128, format: 'password', example: 'correct horse battery', description }),
    ...(required ? [] : [Omittable()]),
    IsPassword(),
  );

export const PhoneField = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ type: String, maxLength: 21, pattern: '^\\+?\\d{6,20}$', nullable: true, example: '+8618888888888' }),
    Nullable(),
    IsString(),
    Matches(/^\+?\d{6,20}$/, { message: 'phone_number must be digits with an optional leading +, 6 to 20 digits' }),
  );

export const ProfileField = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ type: () => ProfileDto }),
    Omittable(),
    IsObject(),
    ValidateNested(),
    Type(() => ProfileDto),
  );
