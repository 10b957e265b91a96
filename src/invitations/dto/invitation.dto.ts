import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, Max, MaxLength, Min } from 'class-validator';
import { IsIsoDateTime, Omittable } from '../../common/validation/validators';

export class CreateInvitationDto {
  @ApiPropertyOptional({ enum: ['admin'], default: 'admin', description: 'The role the code grants (admin)' })
  @Omittable()
  @IsIn(['admin'])
  role?: 'admin';

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 10000,
    default: 1,
    description: 'How many registrations the code allows',
  })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(10000)
  max_uses?: number;

  @ApiPropertyOptional({
    format: 'date-time',
    maxLength: 40,
    description: 'When the code stops working; default 7 days from now, at most one year',
  })
  @Omittable()
  @MaxLength(40)
  @IsIsoDateTime()
  expires_at?: string;
}
