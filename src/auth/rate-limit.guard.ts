import { CanActivate, ExecutionContext, Injectable, OnApplicationShutdown, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException } from '../common/errors/app.exception';
import { clientIp } from '../common/http/request-meta';
import { AppConfig } from '../config/app-config';

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
 * one is 429/42901 with Retry-After. Counters live in this process (@nestjs/throttler's storage).
 *
 * The API-wide limit is counted in an onRequest hook (countRequest, installed by createApp), before
 * routing and body parsing, so that every /api answer counts and carries the headers: unknown routes,
 * malformed JSON, 413 and 415 included. The route limits are counted here, as a guard, once the route is known.
 */
@Injectable()
export class RateLimitGuard implements CanActivate, OnApplicationShutdown {
  private readonly storage = new ThrottlerStorageService();
  private readonly standing = new WeakMap<FastifyRequest, Standing>();

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

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
    const ttl = this.config.rateLimit.windowSeconds * 1000;
    const client = clientIp(request) ?? 'unknown';
    const record = await this.storage.increment(`${name}:${client}`, ttl, limit, ttl, name);
    const current: Standing = { limit, remaining: Math.max(0, limit - record.totalHits), reset: record.timeToExpire };
    const before = this.standing.get(request);
    const tightest = before && before.remaining <= current.remaining ? before : current;
    this.standing.set(request, tightest);
    void reply
      .header('RateLimit-Limit', String(tightest.limit))
      .header('RateLimit-Remaining', String(tightest.remaining))
      .header('RateLimit-Reset', String(Math.max(0, Math.ceil(tightest.reset))));
    if (record.isBlocked) throw AppException.tooManyRequests(record.timeToBlockExpire);
  }

  onApplicationShutdown(): void {
    this.storage.onApplicationShutdown();
  }
}
