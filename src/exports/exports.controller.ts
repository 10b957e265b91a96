import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { AuthUser, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { RawResponse } from '../common/decorators/raw-response.decorator';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { ApiErrors } from '../common/swagger/api-docs.decorators';
import { ExportUsersQuery } from './dto/export-users.query';
import { CSV_COLUMNS, ExportsService } from './exports.service';

const E = ErrorCode;

@ApiTags('Imports')
@Controller(`${API_PREFIX}/exports`)
@Authenticated({ role: 'superadmin' })
export class ExportsController {
  constructor(private readonly exports: ExportsService) {}

  @Get('users')
  @RawResponse()
  @ApiOperation({
    summary: 'Export the users (CSV or JSON lines)',
    description:
      'superadmin. Streamed, oldest first; the filters of GET /users (`deleted=all` includes soft-deleted users). ' +
      'Each user as a superadmin sees it in GET /users/:id (never a password or its hash); CSV flattens the profile ' +
      '(`occupation` is its id). Not wrapped in the envelope; errors are.',
  })
  @ApiResponse({
    status: 200,
    description: 'The users, one a line',
    content: {
      'text/csv': { schema: { type: 'string', maxLength: 1073741824 }, example: `${CSV_COLUMNS.join(',')}\r\n` },
      'application/x-ndjson': { schema: { type: 'string', maxLength: 1073741824 }, example: '{"id":"…","username":"alice2024",…}\n' },
    },
  })
  @ApiErrors(E.VALIDATION_FAILED, E.UNAUTHENTICATED, E.FORBIDDEN_ROLE)
  async users(@CurrentUser() actor: AuthUser, @Query() query: ExportUsersQuery, @Res() reply: FastifyReply): Promise<void> {
    const lines = await this.exports.users$(actor, query);
    const csv = query.format === 'csv';
    await reply
      .header('Content-Type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="users.${query.format}"`)
      .send(Readable.from(lines));
  }
}
