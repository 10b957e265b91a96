import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { Role } from '../../config/app-config';
import { ROLES } from '../../common/policies/roles';
import { Omittable } from '../../common/validation/validators';
import { EmailField, PasswordField, PhoneField, ProfileField, UsernameField } from './account-fields';
import { ProfileDto } from './profile.dto';

/**
 * PATCH /users/:id. The user themself may change the account fields and profile; `state` needs an
 * admin+ on a lower role, `role` a superadmin, and `password` (a reset) an admin+ on a lower role.
 */
export class UpdateUserDto {
  @UsernameField(false)
  username?: string;

  @EmailField(false)
  email?: string;

  @PhoneField()
  phone_number?: string | null;

  @ProfileField()
  profile?: ProfileDto;

  @ApiPropertyOptional({ enum: ROLES, description: 'superadmin only' })
  @Omittable()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 1,
    enum: [0, 1],
    description: '1 normal, 0 disabled (admin+ on a lower role)',
  })
  @Omittable()
  @IsIn([0, 1])
  state?: 0 | 1;

  @PasswordField(false, "A new password set by staff (admin+ on a lower role); ends the user's sessions")
  password?: string;
}

/** PATCH /auth/me: the caller's own account fields and profile. */
export class UpdateMeDto {
  @UsernameField(false)
  username?: string;

  @EmailField(false)
  email?: string;

  @PhoneField()
  phone_number?: string | null;

  @ProfileField()
  profile?: ProfileDto;
}
