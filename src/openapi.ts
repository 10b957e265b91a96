import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from './app.factory';
import { buildOpenApiDocument } from './common/swagger/swagger';
import { AppConfig, loadConfig } from './config/app-config';

/** Keys sorted at every level, so the committed file changes only when the API does. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, stable((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * `npm run openapi` writes openapi.json from the app itself, without a database;
 * `npm run openapi -- --check` fails when the committed file differs from a fresh one.
 */
async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const loaded = loadConfig({
    ...process.env,
    ENV_FILE: 'none',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/none',
    JWT_SECRET: 'o'.repeat(32),
    LOG_LEVEL: 'silent',
  });
  const config: AppConfig = Object.freeze({ ...loaded, database: { ...loaded.database, connect: false } });
  const app = await createApp(config, { logs: false });
  const text = `${JSON.stringify(stable(buildOpenApiDocument(app)), null, 2)}\n`;
  await app.close();
  const file = join(process.cwd(), 'openapi.json');
  if (!check) {
    writeFileSync(file, text);
    process.stdout.write(`wrote ${file}\n`);
    return;
  }
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {
    // Missing counts as different.
  }
  if (committed !== text) {
    process.stderr.write('openapi.json is out of date: run `npm run openapi` and commit the result\n');
    process.exit(1);
  }
  process.stdout.write('openapi.json is up to date\n');
}

void main().catch((error: Error) => {
  process.stderr.write(`openapi failed: ${error.message}\n`);
  process.exit(1);
});
