import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { AppModule } from './app.module';
import { loadEnvFile } from './bootstrap/env-file';
import { ConfigError, loadConfig } from './config/app-config';
import { provideDatabaseServer } from './database/database-server';
import { nestJsonLogger, processLogger } from './logging/process-logger';
import { USERNAME_PATTERN } from './users/dto/account-fields';
import { SuperadminBootstrapService } from './users/superadmin-bootstrap.service';
import { IMPORT_USAGE, parseImportArgs, runImportCommand, writeReport } from './imports/import-command';
import { ImportsService } from './imports/imports.service';
import { MalformedExportError } from './imports/sources/import-record';
import { EXPORT_USAGE, runExportCommand } from './exports/export-command';
import { ExportsService } from './exports/exports.service';

const USAGE = `Usage:
  node dist/src/cli.js create-superadmin --username <name> --email <address> [--password <password>]

${IMPORT_USAGE}
${EXPORT_USAGE}

Without --password, SUPERADMIN_PASSWORD is used, or a random password is generated and printed once.
The database is DATABASE_URL, or the embedded PostgreSQL under DATA_DIR when it is unset; nothing else
is needed (no JWT_SECRET). Pending migrations are applied first.`;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

async function createSuperadmin(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { username: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' } },
  });
  // Creating an account signs no token: the database is all the CLI needs (no JWT_SECRET).
  const config = loadConfig(process.env, { needsJwtSecret: false });
  const username = values.username?.trim();
  const email = values.email?.trim().toLowerCase();
  if (!username || !USERNAME_PATTERN.test(username)) fail('--username is required: letters and digits, 6 to 22 characters');
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254) fail('--email is required and must be an email address');
  const generated = !values.password && !process.env.SUPERADMIN_PASSWORD;
  const password = values.password ?? process.env.SUPERADMIN_PASSWORD ?? randomBytes(12).toString('base64url');
  if (password.length < config.passwordMinLength || password.length > 128) {
    fail(`the password must be ${config.passwordMinLength} to 128 characters`);
  }

  const database = await provideDatabaseServer(config);
  const app = await NestFactory.createApplicationContext(AppModule.register(database.config), {
    logger: nestJsonLogger(processLogger('error')),
    abortOnError: false,
  });
  try {
    const created = await app.get(SuperadminBootstrapService).ensure({ username, email, password });
    if (!created) fail(`an account with username ${username} or email ${email} already exists; nothing was changed`);
    process.stdout.write(`superadmin ${username} <${email}> created${generated ? `; password: ${password}` : ''}\n`);
  } finally {
    await app.close();
    await database.stop();
  }
}

/** Imports a source system's export (issue 12): the same core as POST /api/v1/imports, streaming the file. */
async function importExport(args: string[]): Promise<void> {
  let options: ReturnType<typeof parseImportArgs>;
  try {
    options = parseImportArgs(args);
  } catch (error) {
    fail(`${(error as Error).message}\n${IMPORT_USAGE}`);
  }
  const config = loadConfig(process.env, { needsJwtSecret: false });
  const database = await provideDatabaseServer(config);
  const app = await NestFactory.createApplicationContext(AppModule.register(database.config), {
    logger: nestJsonLogger(processLogger('error')),
    abortOnError: false,
  });
  try {
    writeReport(await runImportCommand(app.get(ImportsService), options), options.report);
  } catch (error) {
    if (error instanceof MalformedExportError) fail(`the export is malformed: ${error.message}`);
    throw error;
  } finally {
    await app.close();
    await database.stop();
  }
}

/** Exports the users (issue 12): the same stream as GET /api/v1/exports/users. */
async function exportUsers(args: string[]): Promise<void> {
  const config = loadConfig(process.env, { needsJwtSecret: false });
  const database = await provideDatabaseServer(config);
  const app = await NestFactory.createApplicationContext(AppModule.register(database.config), {
    logger: nestJsonLogger(processLogger('error')),
    abortOnError: false,
  });
  try {
    await runExportCommand(app.get(ExportsService), args);
  } finally {
    await app.close();
    await database.stop();
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  try {
    loadEnvFile();
    if (command === 'create-superadmin') return await createSuperadmin(rest);
    if (command === 'import') return await importExport(rest);
    if (command === 'export') return await exportUsers(rest);
    process.stdout.write(`${USAGE}\n`);
    process.exit(command ? 1 : 0);
  } catch (error) {
    fail(error instanceof ConfigError ? error.message : `failed: ${(error as Error).message}`);
  }
}

void main();
