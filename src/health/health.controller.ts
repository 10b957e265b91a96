import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/decorators/auth.decorators';
import { RawResponse } from '../common/decorators/raw-response.decorator';
import { isDatabaseUnavailable } from '../common/errors/error-response';
import { RateLimitGuard } from '../auth/rate-limit.guard';
import { ReadReplicas } from '../database/read-replicas';
import { HealthRepository } from './health.repository';
import { LifecycleService } from './lifecycle.service';

/** The probe's answer is public: it says what is wrong, never where the database is (host, port) or why in driver words. */
function rethrowSafely(error: unknown): never {
  throw new Error(isDatabaseUnavailable(error) ? 'the database is unreachable' : 'the database check failed');
}

const HEALTH_INFO = { database: { status: 'up', responseTime: 2 }, migrations: { status: 'up', applied: 7, responseTime: 1 } };
const HEALTH_EXAMPLE = {
  status: 'ok',
  info: HEALTH_INFO,
  error: {},
  details: HEALTH_INFO,
  replicas: [{ name: 'replica-1:5432', status: 'up', lag_seconds: 0.012, replay_lsn: '0/3000148' }],
  replica_reads: { replica: 1520, primary: 37 },
  redis: { status: 'up', rate_limits: 'redis' },
};

/** Liveness and readiness for orchestrators; plain JSON, no envelope. */
@ApiTags('Health')
@Controller('health')
@Public()
@RawResponse()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: HealthRepository,
    private readonly lifecycle: LifecycleService,
    private readonly replicas: ReadReplicas,
    private readonly modules: ModuleRef,
  ) {}

  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process is up (never touches the database)',
    description: "For the orchestrator's liveness probe: 200 as long as the process serves requests. Public, not rate limited.",
  })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: the database answers and every migration is applied (and how each read replica stands)',
    description:
      "For the orchestrator's readiness probe: 503 while the database is unreachable, a migration is pending or the service is " +
      'shutting down (SIGTERM), so traffic moves elsewhere. With DATABASE_REPLICA_URLS, `replicas` lists each replica (up, ' +
      'lagging past REPLICA_MAX_LAG_SECONDS, or down) with its lag in seconds, and `replica_reads` how many of the reads that may ' +
      'go to a replica (lists, searches, counts, exports, audit reads) replicas and the primary answered since start; a lagging ' +
      'or down replica is skipped by reads and ' +
      'never makes the service unready. With REDIS_URL, `redis` says whether Redis answers and where the rate-limit counters are ' +
      'meanwhile (`redis`, or `postgres` while Redis is down: the limits keep holding); Redis down never makes the service unready. ' +
      'Public, not rate limited.',
  })
  @ApiOkResponse({ schema: { type: 'object', example: HEALTH_EXAMPLE } })
  @ApiServiceUnavailableResponse({ description: 'The database is unreachable, migrations are pending or the service is shutting down' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<unknown> {
    if (this.lifecycle.draining) {
      void reply.status(503);
      return { status: 'error', info: {}, error: { lifecycle: { status: 'down', message: 'shutting down' } }, details: {} };
    }
    try {
      const result = await this.health.check([
        () =>
          this.indicators
            .check('database')
            .attempt(() => this.database.ping().catch(rethrowSafely))
            .withTimeout(1500),
        () =>
          this.indicators
            .check('migrations')
            .attempt(() => this.pendingMigrations())
            .withTimeout(1500),
      ]);
      // Each replica and its lag; a lagging or unreachable replica is skipped by reads, never a reason to be unready.
      // `replica_reads`: the reads that could go to a replica since start, by who answered them.
      const withReplicas = this.replicas.enabled
        ? { ...result, replicas: this.replicas.status(), replica_reads: this.replicas.reads() }
        : result;
      // Redis down is not a reason either: the rate limits count in PostgreSQL meanwhile.
      const redis = await this.modules.get(RateLimitGuard, { strict: false }).redisStatus();
      return redis ? { ...withReplicas, redis: { status: redis, rate_limits: redis === 'up' ? 'redis' : 'postgres' } } : withReplicas;
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse();
    }
  }

  private async pendingMigrations(): Promise<{ applied: number }> {
    const { applied, pending } = await this.database.migrations().catch(rethrowSafely);
    if (pending.length > 0) throw new Error(`${pending.length} migration(s) pending`);
    return { applied };
  }
}
