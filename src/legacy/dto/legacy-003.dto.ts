import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { Role } from '../../config/app-config';
import { ROLES } from '../../common/policies/roles';
import { Omittable } from '../../common/validation/validators';
import { EmailField, PasswordField, PhoneField, UsernameField } from '../../users/dto/account-fields';
import { ProfileDto } from '../../users/dto/profile.dto';

/** 003 POST /user/register: the account and the user model's other fields, flat. */
export class Register003Dto extends ProfileDto {
  @UsernameField(true)
  username!: string;

  @EmailField(true)
  email!: string;

  @PasswordField(true)
  password!: string;

  @PhoneField()
  phone_number?: string | null;
}

/** 003 PUT /user/update/:id: the same fields as PATCH /users/:id, flat. */
export class Update003Dto extends ProfileDto {
  @UsernameField(false)
  username?: string;

  @EmailField(false)
  email?: string;

  @PhoneField()
  phone_number?: string | null;

  @ApiPropertyOptional({ enum: ROLES, description: 'superadmin only' })
  @Omittable()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 0, maximum: 1, enum: [0, 1], description: '1 normal, 0 disabled' })
  @Omittable()
  @IsIn([0, 1])
  state?: 0 | 1;

  @PasswordField(false, 'A new password set by staff (admin+ on a lower role)')
  password?: string;
}

/** The profile part of a flat 003 body. */
export function profileOf(body: ProfileDto): ProfileDto {
  const profile: ProfileDto = {};
  for (const key of [
    'name',
    'first_name',
    'last_name',
    'gender',
    'age',
    'birthday',
    'occupation',
    'identify_id',
    'address',
    'avatar_url',
    'language_preference',
  ] as const) {
    if (body[key] !== undefined) (profile as Record<string, unknown>)[key] = body[key];
  }
  return profile;
}
