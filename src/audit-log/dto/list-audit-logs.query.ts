import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, MaxLength } from 'class-validator';
import { PaginationQuery } from '../../common/pagination/pagination';
import { IsIsoDateTime, Omittable, ToInteger } from '../../common/validation/validators';
import { AuditOperation } from '../audit-operation';

const OPERATIONS = Object.values(AuditOperation).filter((value): value is number => typeof value === 'number');

/** Filters of the audit log lists. */
export class AuditLogFilters extends PaginationQuery {
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: Math.max(...OPERATIONS),
    enum: OPERATIONS,
    description:
      '0 login, 1 logout, 2 login failed, 3 registered, 4 password changed, 5 user updated, 6 deleted, 7 restored, 8 role changed, 9 state changed, 10 blacklisted, 11 removed from blacklist, 12 refresh-token reuse, 14 password reset (by link), 15 email verified, 16 email changed, 17 password-reset link sent by staff',
  })
  @Omittable()
  @ToInteger()
  @IsIn(OPERATIONS)
  operation?: number;

  @ApiPropertyOptional({ maxLength: 45, example: '203.0.113.7', description: 'Exact client address' })
  @Omittable()
  @IsString()
  @MaxLength(45)
  ip?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Who acted' })
  @Omittable()
  @IsUUID('all')
  operator?: string;

  @ApiPropertyOptional({ format: 'date-time', maxLength: 40, description: 'From this time (inclusive), ISO-8601' })
  @Omittable()
  @MaxLength(40)
  @IsIsoDateTime()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', maxLength: 40, description: 'Up to this time (exclusive), ISO-8601' })
  @Omittable()
  @MaxLength(40)
  @IsIsoDateTime()
  to?: string;
}

export class ListAuditLogsQuery extends AuditLogFilters {
  @ApiPropertyOptional({ format: 'uuid', description: 'The user the records are about' })
  @Omittable()
  @IsUUID('all')
  user?: string;
}
