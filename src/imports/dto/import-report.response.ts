import { ApiProperty } from '@nestjs/swagger';
import type { ImportReport } from '../imports.service';

export class ImportCountsResponse {
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: 1000000000, example: 3 }) users!: number;
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: 1000000000, example: 1 }) groups!: number;
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: 1000000000, example: 1 }) occupations!: number;
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: 1000000000, example: 2 }) memberships!: number;
  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: 1000000000,
    example: 4,
    description: "The source system's own log records (not the `imported` records this import writes)",
  })
  user_logs!: number;
  @ApiProperty({ type: 'integer', format: 'int64', minimum: 0, maximum: 1000000000, example: 1 }) blacklist!: number;
}

export class ImportRejectionResponse {
  @ApiProperty({
    example: '7',
    maxLength: 40,
    description: "The record's id in its source: Django pk, ObjectId or UUID (`group:3` for a group)",
  })
  source_id!: string;
  @ApiProperty({ example: 'username', maxLength: 40 }) field!: string;
  @ApiProperty({ example: 'username may contain only letters and digits, 6 to 22 characters', maxLength: 200 }) reason!: string;
}

/** The report of an import; it never carries a password hash. */
export class ImportReportResponse {
  @ApiProperty({ enum: ['000', '001', '003'], example: '000' }) source!: string;
  @ApiProperty({ example: false }) dry_run!: boolean;
  @ApiProperty({ type: ImportCountsResponse, description: 'What this import created (a dry run: what it would create)' })
  created!: ImportCountsResponse;
  @ApiProperty({
    type: ImportCountsResponse,
    description:
      'What an earlier import brought in already (matched by source and source id), or existing records reused (occupations and groups by name)',
  })
  unchanged!: ImportCountsResponse;
  @ApiProperty({ type: [ImportRejectionResponse], maxItems: 1000000, description: "Rows that break API.md's rules; the rest went in" })
  rejected!: ImportRejectionResponse[];

  static from(report: ImportReport): ImportReportResponse {
    const counts = (c: ImportReport['created']): ImportCountsResponse => ({
      users: c.users,
      groups: c.groups,
      occupations: c.occupations,
      memberships: c.memberships,
      user_logs: c.user_logs,
      blacklist: c.blacklist,
    });
    return {
      source: report.source,
      dry_run: report.dry_run,
      created: counts(report.created),
      unchanged: counts(report.unchanged),
      rejected: report.rejected.map((r) => ({ source_id: r.source_id.slice(0, 40), field: r.field, reason: r.reason })),
    };
  }
}
