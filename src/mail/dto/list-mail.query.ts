import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, MaxLength } from 'class-validator';
import { PaginationQuery } from '../../common/pagination/pagination';
import { Omittable } from '../../common/validation/validators';
import type { MailStatus } from '../mail.repository';
import { MAIL_STATUSES } from '../mail.response';

/** Filters of GET /admin/mail. */
export class ListMailQuery extends PaginationQuery {
  @ApiPropertyOptional({ enum: MAIL_STATUSES })
  @Omittable()
  @IsIn(MAIL_STATUSES)
  status?: MailStatus;

  @ApiPropertyOptional({ format: 'email', maxLength: 254, description: 'Exact recipient address (lower-case)' })
  @Omittable()
  @MaxLength(254)
  @IsEmail()
  recipient?: string;
}
