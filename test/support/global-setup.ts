import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The e2e and medium specs need a PostgreSQL server: TEST_DATABASE_URL or DATABASE_URL when given,
 * otherwise an embedded PostgreSQL of its own in a temporary folder. Jest runs this once for every
 * project that names it. (The e2e specs also need the built service: spawnService checks for it.)
 */
export default async function globalSetup(): Promise<void> {
  const root = join(__dirname, '..', '..');
  // Some specs keep data folders of their own under .data/.
  mkdirSync(join(root, '.data'), { recursive: true });
  const given = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (given) {
    process.env.E2E_ADMIN_DATABASE_URL = given;
    return;
  }
  const dataDir = mkdtempSync(join(root, '.data', 'test-pg-'));
  const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), persistent: false });
  process.env.E2E_ADMIN_DATABASE_URL = server.url;
  (globalThis as { __E2E_PG__?: { stop(): Promise<void>; dataDir: string } }).__E2E_PG__ = { stop: server.stop, dataDir };
}
