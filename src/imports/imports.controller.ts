import { Body, Controller, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser, Authenticated, CurrentUser } from '../common/decorators/auth.decorators';
import { ErrorCode } from '../common/errors/error-codes';
import { API_PREFIX } from '../common/http/api-prefix';
import { ClientMeta, RequestMeta } from '../common/http/request-meta';
import { ApiEnvelope, ApiErrors } from '../common/swagger/api-docs.decorators';
import { ImportReportResponse } from './dto/import-report.response';
import { ImportQuery } from './dto/import.query';
import { ImportsService } from './imports.service';

const E = ErrorCode;

export const IMPORTS_PATH = `/${API_PREFIX}/imports`;

@ApiTags('Imports')
@Controller(`${API_PREFIX}/imports`)
@Authenticated({ role: 'superadmin' })
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: "Import a source system's export",
    description:
      'superadmin. The body is the export as MIGRATION.md gives it: 000 the `dumpdata auth.user users` array, 001 ' +
      '`{ "users": [...], "admins": [...] }` of mongoexport documents, 003 an array of rows of the `users` table. ' +
      'Its own body limit: `IMPORT_BODY_LIMIT` (default 20 MiB); larger exports go through `npm run import`. ' +
      'Each user comes in whole (profile, memberships, logs, blacklist entries) or not at all; rows that break the ' +
      'rules are listed in `rejected` and the rest goes in. Records are matched by source and source id: importing the same export ' +
      'again creates nothing and reports them as `unchanged`. Passwords keep their hashes (Django PBKDF2, bcrypt, argon2) ' +
      'and are replaced by argon2id at the first login. The report never carries a hash. With `dry_run=true` nothing is written.',
  })
  @ApiBody({
    description: 'The export (an array for 000 and 003, an object for 001)',
    schema: { oneOf: [{ type: 'array', maxItems: 1000000, items: { type: 'object' } }, { type: 'object' }] },
  })
  // Each field of the report carries its example (ImportReportResponse); Swagger UI composes them.
  @ApiEnvelope(ImportReportResponse)
  @ApiErrors(
    E.MALFORMED_REQUEST,
    E.VALIDATION_FAILED,
    E.IMPORT_MALFORMED,
    E.UNAUTHENTICATED,
    E.FORBIDDEN_ROLE,
    E.BODY_TOO_LARGE,
    E.UNSUPPORTED_MEDIA_TYPE,
  )
  run(
    @CurrentUser() actor: AuthUser,
    @Query() query: ImportQuery,
    @Body() body: unknown,
    @ClientMeta() meta: RequestMeta,
  ): Promise<ImportReportResponse> {
    return this.imports.importBody(actor, query.source, body, query.dry_run === 'true' || query.dry_run === '1', meta);
  }
}
