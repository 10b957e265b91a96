import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import type { AppConfig } from '../config/app-config';
import { ENTITIES } from './entities';

/**
 * The one place that turns configuration into TypeORM options. The Nest app and
 * ormconfig.ts (the TypeORM CLI) both call it, so they cannot drift apart. For `migrations`, one
 * connection without the per-statement timeouts: building an index or counting a large table may
 * take longer than any request should.
 */
export function buildDataSourceOptions(config: AppConfig, purpose: 'app' | 'migrations' = 'app'): DataSourceOptions {
  if (!config.database.url) throw new Error('the database URL is not known yet');
  const limits =
    purpose === 'app'
      ? {
          max: config.database.poolSize,
          // A stuck statement must not hold a pooled connection forever: the server gives up after 15 s,
          // and the client after 20 s even when the server itself stopped answering.
          statement_timeout: 15000,
          query_timeout: 20000,
        }
      : { max: 1 };
  // Read replicas: the primary as master, the replicas as slaves; reads stay on the master unless a service
  // asks ReadReplicas (src/database/read-replicas.ts) for a replica, so nothing reaches one by accident.
  const replicas = purpose === 'app' ? config.replicas.urls : [];
  return {
    type: 'postgres',
    url: config.database.url,
    ...(replicas.length > 0
      ? { replication: { master: { url: config.database.url }, slaves: replicas.map((url) => ({ url })), defaultMode: 'master' as const } }
      : {}),
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      ...limits,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30000,
      keepAlive: true,
      application_name: 'user-management-service',
    },
  };
}

export function createDataSource(config: AppConfig, purpose: 'app' | 'migrations' = 'app'): DataSource {
  return new DataSource(buildDataSourceOptions(config, purpose));
}

/** Any number advisory-locked by everyone who migrates this database. */
const MIGRATION_LOCK = 7_351_902_118;

/**
 * Runs the pending migrations on a connection of their own, under an advisory lock, so instances
 * started together migrate once, one after the other. Returns the names of those it ran.
 */
export async function runPendingMigrations(config: AppConfig): Promise<string[]> {
  const dataSource = createDataSource(config, 'migrations');
  await dataSource.initialize();
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      return ran.map((migration) => migration.name);
    } finally {
      await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await dataSource.destroy();
  }
}
