import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';
import pino from 'pino';
import { createApp } from './app.factory';
import { loadEnvFile } from './bootstrap/env-file';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { provideDatabaseServer } from './database/database-server';
import { lifecycle } from './health/health.controller';
import { SuperadminBootstrapService } from './users/superadmin-bootstrap.service';

function readConfig(): AppConfig {
  try {
    loadEnvFile();
    return loadConfig();
  } catch (error) {
    // One clear line, then stop: nothing starts on a bad configuration.
    process.stderr.write(`${error instanceof ConfigError ? error.message : `Cannot read configuration: ${(error as Error).message}`}\n`);
    process.exit(1);
  }
}

/**
 * Stops accepting connections and lets every request already received finish. Node's close() would
 * also drop at once each connection whose request it has not parsed yet (a busy event loop under
 * load), so idle connections are closed a moment later instead, and again until the server is done.
 */
async function closeGracefully(app: NestFastifyApplication): Promise<void> {
  const server = app.getHttpServer() as Server;
  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => undefined;
  const sweep = setInterval(closeIdle, 250);
  try {
    await app.close();
  } finally {
    clearInterval(sweep);
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const log = pino({ level: config.logLevel, base: { context: 'Bootstrap' } });
  if (config.jwt.secretIsGenerated) log.warn('JWT_SECRET is not set: using a generated development secret kept under DATA_DIR');

  const startedAt = Date.now();
  const database = await provideDatabaseServer(config, (message) => log.debug({ context: 'EmbeddedPostgres' }, message)).catch(
    (error: Error) => {
      log.fatal(`cannot start the embedded PostgreSQL: ${error.message}`);
      process.exit(1);
    },
  );
  if (config.database.embedded)
    log.info(`embedded PostgreSQL ready on 127.0.0.1:${config.database.embeddedPort} (data in ${config.dataDir})`);

  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    app = await createApp(database.config);
    await app.init();
    await app.get(SuperadminBootstrapService).bootstrap();
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    log.fatal({ err: { type: (error as Error).name, message: (error as Error).message } }, 'the service failed to start');
    await database.stop();
    process.exit(1);
  }
  log.info(`listening on http://${config.host}:${config.port} (ready in ${Date.now() - startedAt} ms); API docs at /docs`);

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received: finishing in-flight requests`);
    if (config.shutdownDrainSeconds > 0) {
      lifecycle.draining = true;
      log.info(`draining for ${config.shutdownDrainSeconds} s (readiness now fails)`);
      await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainSeconds * 1000));
    }
    const timeoutMs = (config.shutdownDrainSeconds + config.shutdownTimeoutSeconds) * 1000;
    const force = setTimeout(() => {
      log.error(`shutdown took longer than ${timeoutMs} ms; exiting`);
      process.exit(1);
    }, timeoutMs);
    force.unref();
    try {
      await closeGracefully(app);
      await database.stop();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: { type: (error as Error).name, message: (error as Error).message } }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

void main();
