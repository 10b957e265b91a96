import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { buildDataSourceOptions, runPendingMigrations } from './data-source';

/**
 * TypeORM from the same options as the CLI. Migrations run at start (unless MIGRATIONS_RUN=false)
 * on a connection of their own, without the request timeouts, before the pool opens.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        if (config.database.connect && config.database.migrationsRun) {
          const startedAt = Date.now();
          const ran = await runPendingMigrations(config);
          const logger = new Logger('Migrations');
          for (const name of ran) logger.log(`applied migration ${name}`);
          logger.log(ran.length === 0 ? 'no pending migrations' : `${ran.length} migration(s) applied in ${Date.now() - startedAt} ms`);
        }
        return {
          ...buildDataSourceOptions(config),
          // The pool reconnects by itself; fail fast at start rather than retry for minutes.
          retryAttempts: 3,
          retryDelay: 1000,
          // The OpenAPI generator builds the app without a database.
          manualInitialization: !config.database.connect,
        };
      },
    }),
  ],
})
export class DatabaseModule {}
