import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createApp, SECURITY_HEADERS } from './app.factory';
import { loadEnvFile } from './bootstrap/env-file';
import { ConnectionTracker } from './bootstrap/graceful-shutdown';
import { listenWhileStarting, StartupServer } from './bootstrap/startup-server';
import { classifyConnectError, databaseTarget, StartupError, waitForDatabase } from './bootstrap/wait-for-database';
import { AppConfig, ConfigError, loadConfig } from './config/app-config';
import { DatabaseServer, provideDatabaseServer } from './database/database-server';
import { LifecycleService } from './health/lifecycle.service';
import { errorSummary, processLogger } from './logging/process-logger';
import { SuperadminBootstrapService } from './users/superadmin-bootstrap.service';

function readConfig(): AppConfig {
  try {
    loadEnvFile();
    return loadConfig();
  } catch (error) {
    // One clear JSON line, then stop: nothing starts on a bad configuration.
    const message = error instanceof ConfigError ? error.message : `Cannot read configuration: ${(error as Error).message}`;
    processLogger('info', 'Config').fatal(`${message}; the service did not start`);
    process.exit(1);
  }
}

/** A failed listen, as what failed and what to do. */
function listenError(error: unknown, config: AppConfig): StartupError {
  const code = (error as { code?: unknown })?.code;
  if (code === 'EADDRINUSE') return new StartupError(`port ${config.port} on ${config.host} is in use: stop the other process or set PORT`);
  if (code === 'EACCES') return new StartupError(`not allowed to listen on port ${config.port}: use a port above 1023 or set PORT`);
  if (code === 'EADDRNOTAVAIL')
    return new StartupError(`HOST ${config.host} is not an address of this machine: fix HOST (0.0.0.0 for all)`);
  return new StartupError(`cannot listen on ${config.host}:${config.port} (${String(code ?? (error as Error)?.message)})`);
}

/** Whatever stopped the start, as one line: our own StartupErrors as they are, database errors by what they mean. */
function startupFailure(error: unknown, config: AppConfig): StartupError {
  if (error instanceof StartupError) return error;
  if (config.database.url && typeof (error as { code?: unknown })?.code === 'string') {
    const verdict = classifyConnectError(error, databaseTarget(config.database.url));
    if (!verdict.retry) return verdict.error;
  }
  const summary = errorSummary(error);
  return new StartupError(`the service failed to start: ${String(summary.type)}: ${String(summary.message ?? '')}`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const config = readConfig();
  const log: Logger = processLogger(config.logLevel, 'Bootstrap');
  const embeddedLog: Logger = processLogger(config.logLevel, 'EmbeddedPostgres');
  if (config.jwt.secretIsGenerated) log.warn('JWT_SECRET is not set: using a generated development secret kept under DATA_DIR');

  const startedAt = Date.now();
  let early: StartupServer | undefined;
  // Set once it is up; the shutdown and failure paths read it.
  const held: { database?: DatabaseServer } = {};
  let app: NestFastifyApplication | undefined;
  let tracker: ConnectionTracker | undefined;
  let stopping = false;
  const startAborted = new AbortController();

  const fail = async (error: unknown): Promise<never> => {
    if (!stopping) {
      stopping = true;
      log.fatal(`${startupFailure(error, config).message}; the service did not start`);
      await early?.close();
      await app?.close().catch(() => undefined);
      await held.database?.stop().catch(() => undefined);
    }
    process.exit(1);
  };

  const stopWhileStarting = async (signal: string): Promise<void> => {
    stopping = true;
    log.info(`${signal} received while starting: stopping`);
    startAborted.abort();
    await early?.close();
    await app?.close().catch(() => undefined);
    await held.database?.stop().catch(() => undefined);
    process.exit(0);
  };

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    if (!app || !tracker) return stopWhileStarting(signal);
    stopping = true;
    // Readiness fails from now on, and every answer tells its client to close the connection.
    app.get(LifecycleService).startDraining();
    tracker.closeAfterEachAnswer();
    // SIGTERM comes from an orchestrator, whose load balancer needs time to stop sending; Ctrl-C does not wait.
    const drainSeconds = signal === 'SIGTERM' ? config.shutdownDrainSeconds : 0;
    if (drainSeconds > 0) {
      log.info(`${signal} received: readiness fails now; still serving for ${drainSeconds} s (SHUTDOWN_DRAIN_SECONDS), then closing`);
      await sleep(drainSeconds * 1000);
    } else log.info(`${signal} received: finishing in-flight requests`);
    const force = setTimeout(() => {
      log.error(`in-flight requests did not finish within ${config.shutdownTimeoutSeconds} s (SHUTDOWN_TIMEOUT_SECONDS); exiting`);
      process.exit(1);
    }, config.shutdownTimeoutSeconds * 1000);
    force.unref();
    try {
      const running = app;
      await tracker.closeWhile(() => running.close());
      await held.database?.stop();
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: errorSummary(error) }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  // The port first: a taken port is the first thing to know, and while the database is awaited the
  // port answers /health/live (200) and /health/ready (503).
  if (config.port !== 0)
    early = await listenWhileStarting(config.port, config.host, SECURITY_HEADERS).catch((error) => fail(listenError(error, config)));

  const database = await provideDatabaseServer(config, (message, level) => embeddedLog[level ?? 'debug'](message)).catch((error: Error) =>
    fail(new StartupError(`cannot start the embedded PostgreSQL: ${error.message}`)),
  );
  held.database = database;
  if (config.database.embedded)
    log.info(`embedded PostgreSQL ready on 127.0.0.1:${config.database.embeddedPort} (data in ${config.dataDir})`);

  const url = database.config.database.url as string;
  await waitForDatabase(url, {
    timeoutSeconds: config.database.connectTimeoutSeconds,
    signal: startAborted.signal,
    onRetry: (reason, retryInMs, waitedMs) =>
      log.warn(
        `waiting for the database: ${reason}; retrying in ${(retryInMs / 1000).toFixed(1)} s ` +
          `(waited ${Math.round(waitedMs / 1000)} of ${config.database.connectTimeoutSeconds} s, DATABASE_CONNECT_TIMEOUT_SECONDS)`,
      ),
  }).catch(fail);
  if (stopping) return;

  try {
    app = await createApp(database.config);
    await app.init();
    await app.get(SuperadminBootstrapService).bootstrap();
    await early?.close();
    early = undefined;
    await app.listen({ port: config.port, host: config.host }).catch((error) => {
      throw listenError(error, config);
    });
    tracker = new ConnectionTracker(app.getHttpServer() as Server);
  } catch (error) {
    await fail(error);
    return;
  }
  if (stopping) return;
  log.info(`listening on http://${config.host}:${config.port} (ready in ${Date.now() - startedAt} ms); API docs at /docs`);
}

void main();
