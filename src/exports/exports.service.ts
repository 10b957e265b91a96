import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AccessPolicy } from '../common/policies/access-policy.service';
import { ListUsersQuery } from '../users/dto/list-users.query';
import type { UserResponse } from '../users/user.response';
import { UsersService } from '../users/users.service';
import type { ExportFormat, ExportUsersQuery } from './dto/export-users.query';

const PAGE = 100;

/** The CSV columns: the user view a superadmin sees, profile flattened; never a password or its hash. */
export const CSV_COLUMNS = [
  'id',
  'username',
  'email',
  'phone_number',
  'role',
  'state',
  'name',
  'name_pinyin',
  'first_name',
  'last_name',
  'gender',
  'age',
  'birthday',
  'occupation',
  'identify_id',
  'address',
  'avatar_url',
  'language_preference',
  'created_at',
  'updated_at',
  'last_login_at',
  'deleted_at',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;
const SIGNED_NUMBER = /^[+-]\d+$/;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const raw = typeof value === 'object' ? ((value as { id?: string }).id ?? JSON.stringify(value)) : String(value);
  // A cell a spreadsheet would run as a formula (=, @, +, - ...) is kept as text with a leading quote
  // (OWASP "CSV injection"); a signed number such as a phone number +8613700001111 is left alone.
  const text = FORMULA_START.test(raw) && !SIGNED_NUMBER.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(user: UserResponse): string {
  const flat = { ...(user as unknown as Record<string, unknown>), ...((user.profile ?? {}) as Record<string, unknown>) };
  return `${CSV_COLUMNS.map((column) => csvCell(flat[column])).join(',')}\r\n`;
}

/**
 * The users as a stream of lines (GET /exports/users and `npm run export`): the same filters and the
 * same user view as GET /users (UsersService.list), walked page by page in created_at order with its
 * keyset cursor, so memory holds one page whatever the number of users.
 */
@Injectable()
export class ExportsService {
  constructor(
    private readonly users: UsersService,
    private readonly policy: AccessPolicy,
  ) {}

  /** Checks the caller and the filters by reading the first page (errors before any byte is sent), then streams. */
  async users$(actor: AuthUser, query: ExportUsersQuery): Promise<AsyncGenerator<string>> {
    this.policy.assert(actor, 'import.run', null);
    const pageQuery = (cursor?: string): ListUsersQuery =>
      Object.assign(new ListUsersQuery(), query, { format: undefined, page: 1, limit: PAGE, sort: 'created_at', cursor });
    const first = await this.users.list(actor, pageQuery());
    const format: ExportFormat = query.format;
    const users = this.users;
    return (async function* lines(): AsyncGenerator<string> {
      if (format === 'csv') yield `${CSV_COLUMNS.join(',')}\r\n`;
      let page = first;
      for (;;) {
        for (const user of page.data) yield format === 'csv' ? csvLine(user) : `${JSON.stringify(user)}\n`;
        if (!page.next_cursor) return;
        page = await users.list(actor, pageQuery(page.next_cursor));
      }
    })();
  }
}
