import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ExportUsersQuery } from './dto/export-users.query';
import { ExportsService } from './exports.service';

export const EXPORT_USAGE = `  node dist/src/cli.js export --format csv|jsonl [--out FILE] [--FILTER VALUE ...]

FILTER: any filter of GET /users (username, username_container, name, email, role, state, occupation, group,
deleted). The users go to --out, or to standard output.`;

/** `npm run export`: GET /exports/users from the command line, as a superadmin. */
export async function runExportCommand(exports: ExportsService, args: string[]): Promise<void> {
  const names = ['out', 'format', 'username', 'username_container', 'name', 'email', 'role', 'state', 'occupation', 'group', 'deleted'];
  const { values } = parseArgs({ args, options: Object.fromEntries(names.map((name) => [name, { type: 'string' as const }])) });
  const { out, ...filters } = values;
  const query = plainToInstance(ExportUsersQuery, filters);
  const problems = await validate(query, { whitelist: true, forbidNonWhitelisted: true });
  if (problems.length > 0)
    throw new Error(
      problems.map((p) => Object.values(p.constraints ?? { [p.property]: `${p.property} is not a filter` }).join('; ')).join('\n'),
    );
  const lines = await exports.users$(
    { id: '00000000-0000-0000-0000-000000000000', username: 'cli', role: 'superadmin', sessionId: '' },
    query,
  );
  await pipeline(Readable.from(lines), typeof out === 'string' ? createWriteStream(out) : process.stdout);
}
