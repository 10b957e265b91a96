import { ApiProperty, OmitType } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { ListUsersQuery } from '../../users/dto/list-users.query';

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** GET /users's filters; the export walks every page itself (oldest first), so no page, limit, cursor or sort. */
export class ExportUsersQuery extends OmitType(ListUsersQuery, ['page', 'limit', 'cursor', 'sort'] as const) {
  @ApiProperty({ enum: EXPORT_FORMATS, description: 'csv: one header line, then one line a user; jsonl: one JSON user a line' })
  @IsIn(EXPORT_FORMATS, { message: 'format must be csv or jsonl' })
  format!: ExportFormat;
}
