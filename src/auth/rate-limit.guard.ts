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

/**
 * Per-client request limits: one API-wide (RATE_LIMIT_API) and tighter ones for login and
 * registration, shared by every route that names them (canonical and source APIs alike). The
 * client is the socket address, or X-Forwarded-For as far as TRUST_PROXY says to believe it.
 * Every /api answer says where the client stands (RateLimit-Limit, -Remaining, -Reset); a refused
 * one is 429/42901 with Retry-After. Counters live in this process (@nestjs/throttler's storage).
 */
@Injectable()
export class RateLimitGuard implements CanActivate, OnApplicationShutdown {
  private readonly storage = new ThrottlerStorageService();

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    // Health, metrics and docs are for operators and probes, not clients.
    if (!request.url.startsWith('/api/')) return true;
    const { windowSeconds } = this.config.rateLimit;
    const routeLimit = this.reflector.get<RouteLimit | undefined>(RATE_LIMIT, context.getHandler());
    const limits: Array<[string, number]> = [['api', this.config.rateLimit.api]];
    if (routeLimit) limits.push([routeLimit, this.config.rateLimit[routeLimit]]);

    const client = clientIp(request) ?? 'unknown';
    let tightest: { limit: number; remaining: number; reset: number } | undefined;
    for (const [name, limit] of limits) {
      if (limit <= 0) continue;
      const ttl = windowSeconds * 1000;
      const record = await this.storage.increment(`${name}:${client}`, ttl, limit, ttl, name);
      if (record.isBlocked) throw AppException.tooManyRequests(record.timeToBlockExpire);
      const remaining = Math.max(0, limit - record.totalHits);
      if (!tightest || remaining < tightest.remaining) tightest = { limit, remaining, reset: record.timeToExpire };
    }
    if (tightest) {
      void http
        .getResponse<FastifyReply>()
        .header('RateLimit-Limit', String(tightest.limit))
        .header('RateLimit-Remaining', String(tightest.remaining))
        .header('RateLimit-Reset', String(Math.max(0, Math.ceil(tightest.reset))));
    }
    return true;
  }

  onApplicationShutdown(): void {
    this.storage.onApplicationShutdown();
  }
}
