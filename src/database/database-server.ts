import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig, withDatabaseUrl } from '../config/app-config';
import { EmbeddedPostgresLog, startEmbeddedPostgres } from './embedded-postgres';

export interface DatabaseServer {
  config: AppConfig;
  /** Stops the embedded server when this process started it; a no-op otherwise. */
  stop(): Promise<void>;
}

/**
 * DATABASE_URL given: use that server. Otherwise start the embedded PostgreSQL under DATA_DIR
 * (never in production: config validation refuses that earlier).
 */
export async function provideDatabaseServer(config: AppConfig, log: EmbeddedPostgresLog = () => undefined): Promise<DatabaseServer> {
  if (!config.database.embedded) return { config, stop: async () => undefined };
  // DATA_DIR holds only our own files (the JWT secret stays 0600); the server's OS user must enter it.
  mkdirSync(config.dataDir, { recursive: true });
  chmodSync(config.dataDir, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: join(config.dataDir, 'postgres'),
    port: config.database.embeddedPort,
    log,
  });
  return { config: withDatabaseUrl(config, server.url), stop: () => server.stop() };
}
