import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Role } from '../../config/app-config';
import { ROLES } from '../../common/policies/roles';
import { EmailField, PasswordField, PhoneField, ProfileField, UsernameField } from './account-fields';
import { ProfileDto } from './profile.dto';

/** POST /users (admin+): an account made by staff. Only a superadmin may give a role above user. */
export class CreateUserDto {
  @UsernameField(true)
  username!: string;

  @EmailField(true)
  email!: string;

  @PasswordField(true)
  password!: string;

  @PhoneField()
  phone_number?: string | null;

  @ProfileField()
  profile?: ProfileDto;

  @ApiPropertyOptional({ enum: ROLES, default: 'user', description: 'admin and superadmin need a superadmin caller' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 1,
    enum: [0, 1],
    default: 1,
    description: '1 normal, 0 disabled',
  })
  @IsOptional()
  @IsIn([0, 1])
  state?: 0 | 1;
}
