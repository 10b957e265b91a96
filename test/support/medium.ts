import type { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppException } from '../../src/common/errors/app.exception';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import type { AuthUser } from '../../src/common/decorators/auth.decorators';
import { AppConfig, loadConfig, Role } from '../../src/config/app-config';
import { createDatabase, dropDatabase } from './database';

/**
 * The medium tier (as immich's server/test/medium): the app's own Nest context, built in-process from
 * AppModule and the real configuration code, on a fresh database the real migrations built. No HTTP
 * and no build: specs take services with their real repositories from `get` and call them directly.
 */
export interface Medium {
  config: AppConfig;
  databaseUrl: string;
  /** A provider as the app wires it, e.g. `medium.get(GroupsService)`. */
  get<T>(type: Type<T>): T;
  /** SQL straight to the database, for fixtures no service makes and for tampering. */
  sql<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]>;
  /** Inserts an account (a fixture: no password anyone can use) and answers it as a signed-in caller. */
  user(options?: { role?: Role; deleted?: boolean; occupationId?: string | null }): Promise<AuthUser>;
  /** Closes the context and drops the database. */
  dispose(): Promise<void>;
}

/** A Medium on its own database; `env` adds or overrides environment variables (e.g. USER_DELETE_MIN_ROLE). */
export async function createMedium(env: Record<string, string> = {}): Promise<Medium> {
  const database = await createDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'ums-medium-'));
  let app: INestApplicationContext | undefined;
  try {
    const config = loadConfig({
      NODE_ENV: 'test',
      ENV_FILE: 'none',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: process.env.MEDIUM_LOG_LEVEL ?? 'silent',
      ...env,
    });
    app = await NestFactory.createApplicationContext(AppModule.register(config), { logger: false, abortOnError: false });
    const context = app;
    const dataSource = context.get(DataSource);
    const sql = <R>(text: string, values: unknown[] = []): Promise<R[]> => dataSource.query(text, values);
    let users = 0;
    return {
      config,
      databaseUrl: database.url,
      get: (type) => context.get(type, { strict: false }),
      sql,
      async user(options = {}) {
        users += 1;
        const username = `medium${users}x${randomBytes(4).toString('hex')}`;
        const role = options.role ?? 'user';
        const [row] = await sql<{ id: string }>(
          `INSERT INTO users (username, email, password_hash, role, occupation_id, deleted_at)
           VALUES ($1, $2, 'not-a-hash', $3, $4, CASE WHEN $5 THEN now() END) RETURNING id`,
          [username, `${username}@example.com`, role, options.occupationId ?? null, options.deleted ?? false],
        );
        return { id: row.id, username, role, sessionId: '00000000-0000-4000-8000-000000000000' };
      },
      async dispose() {
        await context.close();
        await dropDatabase(database.name);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await app?.close();
    await dropDatabase(database.name);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Request metadata for audit records written by a medium spec. */
export const MEDIUM_META = { ip: '203.0.113.9', userAgent: 'medium-spec' };

/** What a service call ended with: 'resolved', the AppException's error code, or the error itself. */
export const errorCodeOf = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof AppException ? error.code : error),
  );
