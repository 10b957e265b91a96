import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { NewAccountDto } from '../../users/dto/new-account.dto';
import { Omittable } from '../../common/validation/validators';

/** POST /auth/register. Unknown fields (a `role`, say) are refused with 40001. */
export class RegisterDto extends NewAccountDto {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 1,
    enum: [0, 1],
    default: 0,
    description: '1 registers an admin and needs a valid invitation (true/false and "0"/"1" are read the same way)',
  })
  @Omittable()
  @Transform(({ value }: { value: unknown }) => (value === '1' ? 1 : value === '0' ? 0 : value))
  @IsIn([0, 1, true, false], { message: 'is_admin must be 0 or 1' })
  is_admin?: 0 | 1 | boolean;

  @ApiPropertyOptional({ maxLength: 128, description: 'Invitation code (required with is_admin: 1)' })
  @Omittable()
  @IsString()
  @MaxLength(128)
  invitation?: string;
}
