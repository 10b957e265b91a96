import { existsSync } from 'node:fs';

/**
 * Loads ENV_FILE (default `.env`) into process.env without overriding variables that are already
 * set. ENV_FILE=none skips it (the test suite does, so a developer's .env never leaks into tests).
 */
export function loadEnvFile(): void {
  const file = process.env.ENV_FILE ?? '.env';
  if (file === 'none' || file === '' || !existsSync(file)) return;
  process.loadEnvFile(file);
}
