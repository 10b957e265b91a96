import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type { Role } from '../../config/app-config';
import { ROLES } from '../../common/policies/roles';
import { NewAccountDto } from './new-account.dto';
import { Omittable } from '../../common/validation/validators';

/** POST /users (admin+): an account made by staff. Only a superadmin may give a role above user. */
export class CreateUserDto extends NewAccountDto {
  @ApiPropertyOptional({ enum: ROLES, default: 'user', description: 'admin and superadmin need a superadmin caller' })
  @Omittable()
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
  @Omittable()
  @IsIn([0, 1])
  state?: 0 | 1;
}
