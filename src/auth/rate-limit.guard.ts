import {
  BeforeApplicationShutdown,
  CanActivate,
  ExecutionContext,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException } from '../common/errors/app.exception';
import { clientIp } from '../common/http/request-meta';
import { AppConfig } from '../config/app-config';
import { RateLimitCounter, RateLimitsRepository } from './rate-limits.repository';
import { BatchedCounter, FLUSH_INTERVAL_MS } from './batched-counter';
import { FallbackCounter, RedisRateLimits } from './redis-rate-limits';

export type RouteLimit = 'login' | 'register';
export const RATE_LIMIT = 'app:rate-limit';

/** Counts the route against a named per-client limit on top of the API-wide one (RATE_LIMIT_LOGIN, RATE_LIMIT_REGISTER). */
export const RateLimit = (name: RouteLimit): MethodDecorator => SetMetadata(RATE_LIMIT, name);

interface Standing {
  limit: number;
  remaining: number;
  reset: number;
}

/**
 * Per-client request limits: one API-wide (RATE_LIMIT_API) and tighter ones for login and
 * registration, shared by every route that names them (canonical and source APIs alike). The
 * client is the socket address, or X-Forwarded-For as far as TRUST_PROXY says to believe it.
 * Every /api answer says where the client stands (RateLimit-Limit, -Remaining, -Reset); a refused
 * one is 429/42901 with Retry-After. The counters are shared by every instance and survive a restart:
 * PostgreSQL's UNLOGGED rate_limits table by default (RateLimitsRepository), Redis when REDIS_URL is
 * set (with PostgreSQL taking over while Redis fails: FallbackCounter). A window starts at a client's
 * first hit and lasts RATE_LIMIT_WINDOW_SECONDS; a client refused in a window stays refused until it ends.
 *
 * The login and registration limits are exact: one shared count per hit. The API-wide limit, which
 * every request pays, is counted in memory and added to the shared store every FLUSH_INTERVAL_MS in
 * one statement (BatchedCounter): N instances may together let through up to one interval's hits per
 * instance beyond it, and a crash forgets at most the last interval (README, "Scaling out").
 *
 * The API-wide limit is counted in an onRequest hook (countRequest, installed by createApp), before
 * routing and body parsing, so that every /api answer counts and carries the headers: unknown routes,
 * malformed JSON, 413 and 415 included. The route limits are counted here, as a guard, once the route is known.
 */
@Injectable()
export class RateLimitGuard implements CanActivate, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(RateLimitGuard.name);
  private readonly counter: RateLimitCounter;
  private readonly redis: FallbackCounter | undefined;
  private readonly api: BatchedCounter;
  private readonly standing = new WeakMap<FastifyRequest, Standing>();
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly postgres: RateLimitsRepository,
  ) {
    const redisUrl = config.rateLimit.redisUrl;
    this.redis = redisUrl ? new FallbackCounter(new RedisRateLimits(redisUrl), postgres) : undefined;
    this.counter = this.redis ?? postgres;
    this.api = new BatchedCounter(this.counter, config.rateLimit.windowSeconds, FLUSH_INTERVAL_MS);
  }

  /** Where the counters are when REDIS_URL is set ('down': Redis fails, PostgreSQL counts), for /health/ready; asks Redis now. */
  async redisStatus(): Promise<'up' | 'down' | undefined> {
    return this.redis?.probe();
  }

  /** Ended windows' rows are dropped now and then (Redis expires its keys itself). */
  onApplicationBootstrap(): void {
    if (!this.config.database.connect) return;
    if (this.config.rateLimit.api > 0) this.api.start();
    if (this.redis) return;
    const windowSeconds = this.config.rateLimit.windowSeconds;
    this.purgeTimer = setInterval(
      () => void this.postgres.purge(windowSeconds).catch((error: Error) => this.logger.warn(`rate_limits purge failed: ${error.message}`)),
      Math.max(60, windowSeconds) * 1000,
    );
    this.purgeTimer.unref();
  }

  /** The API-wide limit, for every request under /api (health, metrics and docs are for operators and probes). */
  async countRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!request.url.startsWith('/api/')) return;
    await this.count(request, reply, 'api', this.config.rateLimit.api);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    if (!request.url.startsWith('/api/')) return true;
    const routeLimit = this.reflector.get<RouteLimit | undefined>(RATE_LIMIT, context.getHandler());
    if (routeLimit) await this.count(request, http.getResponse<FastifyReply>(), routeLimit, this.config.rateLimit[routeLimit]);
    return true;
  }

  /** Counts one hit against a limit and shows the tightest standing of the request so far. */
  private async count(request: FastifyRequest, reply: FastifyReply, name: 'api' | RouteLimit, limit: number): Promise<void> {
    if (limit <= 0) return;
    const client = clientIp(request) ?? 'unknown';
    const key = `${name}:${client}`.slice(0, 200);
    const counted = name === 'api' ? this.api.hit(key) : this.counter.hit(key, this.config.rateLimit.windowSeconds);
    const { hits, resetSeconds } = counted instanceof Promise ? await counted : counted;
    const current: Standing = { limit, remaining: Math.max(0, limit - hits), reset: resetSeconds };
    const before = this.standing.get(request);
    const tightest = before && before.remaining <= current.remaining ? before : current;
    this.standing.set(request, tightest);
    void reply
      .header('RateLimit-Limit', String(tightest.limit))
      .header('RateLimit-Remaining', String(tightest.remaining))
      .header('RateLimit-Reset', String(Math.max(0, Math.ceil(tightest.reset))));
    if (hits > limit) throw AppException.tooManyRequests(Math.max(1, Math.ceil(resetSeconds)));
  }

  /** The API-wide counts still in memory are added to the shared store while the database is still open (a clean restart forgets nothing). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.api.close();
  }

  onApplicationShutdown(): void {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.redis?.redis.close();
  }
}
