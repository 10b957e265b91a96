import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DatabasePoolRepository } from './database-pool.repository';

export type LoginOutcome = 'success' | 'wrong_credentials' | 'locked' | 'blacklisted' | 'disabled';

/** Prometheus metrics (prom-client): HTTP, authentication events, the database pool and the process. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly logins = new Counter({
    name: 'auth_login_attempts_total',
    help: 'Login attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly refreshReuse = new Counter({
    name: 'auth_refresh_token_reuse_total',
    help: 'Refresh tokens used again after the grace window (the session was revoked)',
    registers: [this.registry],
  });

  readonly lockouts = new Counter({
    name: 'auth_lockouts_total',
    help: 'Identifiers locked after too many wrong passwords',
    registers: [this.registry],
  });

  constructor(pool: DatabasePoolRepository) {
    collectDefaultMetrics({ register: this.registry });
    for (const outcome of ['success', 'wrong_credentials', 'locked', 'blacklisted', 'disabled'] as const) this.logins.inc({ outcome }, 0);
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const stats = pool.stats();
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
  }
}
