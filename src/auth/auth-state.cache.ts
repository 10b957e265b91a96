import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Client, Notification } from 'pg';
import { randomUUID } from 'node:crypto';
import type { AuthUser } from '../common/decorators/auth.decorators';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';

/** The channel the database triggers announce auth changes on (migration AuthChangeNotifications). */
export const AUTH_CHANNEL = 'ums_auth';

/** What the per-request check found for a session: its user and when it stops being good. */
export interface AuthState {
  user: AuthUser;
  expiresAt: Date;
}

interface CachedSession {
  userId: string;
  expiresAt: number;
  storedAt: number;
}

interface CachedUser {
  username: string;
  role: AuthUser['role'];
  storedAt: number;
}

const HEARTBEAT_MS = 10_000;
const SYNC_TIMEOUT_MS = 3_000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

/**
 * The answers of the per-request session check, kept per process so that an authenticated request
 * costs no query for it, and dropped the moment the database says they changed:
 *
 * - Triggers announce every revocation, session expiry change, user state/role/username/deletion
 *   change and blacklist change on LISTEN/NOTIFY at commit, whoever made it; every instance drops
 *   the affected entries when the notification arrives.
 * - A request that changed something (any POST, PUT, PATCH or DELETE) answers only after this
 *   instance has received every notification committed before it (catchUp), so its own client
 *   never meets the old state.
 * - A check that started before a notification arrived is not stored (epoch), so a lookup racing a
 *   revocation cannot put the old answer back.
 * - Without a working LISTEN connection nothing is served from memory: every request queries, the
 *   cache is emptied, and the connection is re-opened in the background. A heartbeat proves the
 *   notifications still flow.
 * - Entries also expire after AUTH_CACHE_TTL_SECONDS, and the cache holds at most AUTH_CACHE_SIZE sessions.
 */
@Injectable()
export class AuthStateCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(AuthStateCache.name);
  private readonly sessions = new Map<string, CachedSession>();
  private readonly users = new Map<string, CachedUser>();
  private readonly waiters = new Map<string, (arrived: boolean) => void>();
  private readonly instance = randomUUID();
  private listener: Client | null = null;
  private listening = false;
  private epoch = 0;
  private syncs = 0;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  get enabled(): boolean {
    return this.config.authCache.size > 0 && this.config.database.connect;
  }

  /** True while notifications are flowing and answers may be served from memory. */
  get active(): boolean {
    return this.listening;
  }

  onModuleInit(): void {
    this.metrics.authCacheListening.set(0);
    // Not awaited: until the connection is up every request simply queries.
    if (this.enabled) void this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    const listener = this.listener;
    this.goDown();
    await listener?.end().catch(() => undefined);
  }

  /** The session's state, from memory when it is known and still good, else from `load` (and remembered). */
  async lookup(sessionId: string, userId: string, load: () => Promise<AuthState | null>): Promise<AuthUser | null> {
    if (!this.listening) {
      this.metrics.authCacheLookups.inc({ result: 'bypass' });
      return (await load())?.user ?? null;
    }
    const now = Date.now();
    const ttl = this.config.authCache.ttlSeconds * 1000;
    const session = this.sessions.get(sessionId);
    const user = this.users.get(userId);
    if (
      session &&
      user &&
      session.userId === userId &&
      session.expiresAt > now &&
      now - session.storedAt < ttl &&
      now - user.storedAt < ttl
    ) {
      this.metrics.authCacheLookups.inc({ result: 'hit' });
      return { id: userId, username: user.username, role: user.role, sessionId };
    }
    this.metrics.authCacheLookups.inc({ result: 'miss' });
    const epoch = this.epoch;
    const state = await load();
    if (state && this.listening && this.epoch === epoch) this.remember(sessionId, state, Date.now());
    return state?.user ?? null;
  }

  /**
   * Resolves once this instance has received every notification committed before the call: the
   * changes this process just made are then reflected here. A no-op while nothing is cached.
   */
  async catchUp(): Promise<void> {
    if (!this.listening || !this.listener || (this.sessions.size === 0 && this.users.size === 0)) return;
    if (!(await this.sync(this.listener))) this.dropConnection('a change notification did not come back in time');
  }

  private remember(sessionId: string, state: AuthState, now: number): void {
    const limit = this.config.authCache.size;
    this.sessions.delete(sessionId);
    this.sessions.set(sessionId, { userId: state.user.id, expiresAt: state.expiresAt.getTime(), storedAt: now });
    this.users.delete(state.user.id);
    this.users.set(state.user.id, { username: state.user.username, role: state.user.role, storedAt: now });
    // Oldest first out: Map keeps insertion order.
    while (this.sessions.size > limit) this.sessions.delete(this.sessions.keys().next().value as string);
    while (this.users.size > limit) this.users.delete(this.users.keys().next().value as string);
  }

  private forget(payload: string): void {
    this.epoch += 1;
    if (payload.startsWith('s:')) this.sessions.delete(payload.slice(2));
    else if (payload.startsWith('u:')) this.users.delete(payload.slice(2));
    else this.clear();
  }

  private clear(): void {
    this.epoch += 1;
    this.sessions.clear();
    this.users.clear();
  }

  private onNotification = (message: Notification): void => {
    if (message.channel !== AUTH_CHANNEL) return;
    const payload = message.payload ?? '';
    if (payload.startsWith('sync:')) {
      this.waiters.get(payload)?.(true);
      return;
    }
    this.forget(payload);
  };

  /** Round trip through the channel: true when our own marker came back, so everything before it did. */
  private async sync(listener: Client): Promise<boolean> {
    this.syncs += 1;
    const token = `sync:${this.instance}:${this.syncs}`;
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<boolean>((resolve) => {
      this.waiters.set(token, resolve);
      timer = setTimeout(() => resolve(false), SYNC_TIMEOUT_MS);
    });
    try {
      await listener.query('SELECT pg_notify($1, $2)', [AUTH_CHANNEL, token]);
      return await arrived;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      this.waiters.delete(token);
    }
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const listener = new Client({
      connectionString: this.config.database.url,
      application_name: 'user-management-service:auth-listener',
      keepAlive: true,
      connectionTimeoutMillis: 5000,
      query_timeout: SYNC_TIMEOUT_MS,
    });
    listener.on('error', () => this.dropConnection('the notification connection failed', listener));
    listener.on('end', () => this.dropConnection('the notification connection closed', listener));
    listener.on('notification', this.onNotification);
    try {
      await listener.connect();
      await listener.query(`LISTEN ${AUTH_CHANNEL}`);
      if (this.stopped) {
        await listener.end();
        return;
      }
      // Whatever was remembered before this connection may have missed notifications.
      this.clear();
      this.listener = listener;
      this.listening = true;
      this.reconnectDelay = RECONNECT_MIN_MS;
      this.metrics.authCacheListening.set(1);
      this.heartbeatTimer = setInterval(() => void this.heartbeat(listener), HEARTBEAT_MS);
      this.heartbeatTimer.unref();
    } catch {
      listener.removeAllListeners('end');
      await listener.end().catch(() => undefined);
      this.scheduleReconnect();
    }
  }

  private async heartbeat(listener: Client): Promise<void> {
    if (this.listener !== listener || !this.listening) return;
    if (!(await this.sync(listener))) this.dropConnection('the notification connection stopped answering', listener);
  }

  /** Stops serving from memory at once, empties it, and re-opens the connection later. */
  private dropConnection(reason: string, which: Client | null = this.listener): void {
    if (which !== this.listener || !this.listening) return;
    this.logger.warn(`${reason}: the session cache is off until it is back`);
    const listener = this.listener;
    this.goDown();
    listener?.removeAllListeners('end');
    void listener?.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private goDown(): void {
    this.listening = false;
    this.listener = null;
    this.clear();
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.metrics.authCacheListening.set(0);
    for (const release of this.waiters.values()) release(false);
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
  }
}
