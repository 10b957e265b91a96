import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import secureJson from 'secure-json-parse';
import helmet from 'helmet';
import { useContainer } from 'class-validator';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppModule } from './app.module';
import { AppException } from './common/errors/app.exception';
import { ErrorCode } from './common/errors/error-codes';
import { ErrorLog } from './common/errors/error-log';
import { PasswordLengthConstraint } from './common/validation/validators';
import { ErrorWriter } from './common/errors/error-writer';
import { setupSwagger } from './common/swagger/swagger';
import { AppConfig, TrustProxy } from './config/app-config';
import { nestJsonLogger } from './logging/process-logger';
import { installAccessLog, serviceLogger } from './logging/request-log';
import { MetricsService } from './metrics/metrics.service';
import { RateLimitGuard } from './auth/rate-limit.guard';
import { IMPORTS_PATH } from './imports/imports.controller';

const MAX_JSON_DEPTH = 32;
/**
 * helmet's headers, computed once: they do not depend on the request, and helmet's own middleware
 * (and @fastify/helmet) would rebuild them on every request. The Swagger UI at /docs loads only its
 * own scripts; it needs inline styles and data: images, and must work over plain HTTP under any host
 * name (no upgrade-insecure-requests). API clients on other origins
 * (CORS_ORIGINS) must be able to read the answers (Cross-Origin-Resource-Policy same-site).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = (() => {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => void (headers[name] = String(value)),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // helmet adds this by default; on plain HTTP under any name but localhost (http://devbox:3000/docs)
        // it makes the browser fetch the UI's own assets over https, and the page stays blank.
        upgradeInsecureRequests: null,
      },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
  })({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
})();

/** How deeply objects and arrays nest in a JSON text (brackets inside strings do not count). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === '}' || char === ']') depth -= 1;
  }
  return deepest;
}

/**
 * JSON is the only body the API takes: forms, XML and text get 415 (41501), a body that does not
 * parse gets 40000, an empty body counts as no body, and __proto__/constructor keys are refused.
 */
function installJsonOnlyBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit },
    (_request: FastifyRequest, body: string | Buffer, done: (error: Error | null, value?: unknown) => void) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') return done(null, undefined);
      // No request of this API nests deeply; a deeply nested body is an attack on the parsers after this one.
      if (jsonDepth(text) > MAX_JSON_DEPTH) return done(new AppException(ErrorCode.MALFORMED_REQUEST));
      try {
        done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
      } catch {
        done(new AppException(ErrorCode.MALFORMED_REQUEST));
      }
    },
  );
}

/**
 * TRUST_PROXY as Fastify takes it. A hop count becomes a function of the hop index (0 is the socket's
 * peer): Fastify's own numeric form does not take X-Forwarded-For into account in this version.
 */
function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : trust;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The request id: the client's X-Request-Id when it is sane, a fresh UUID otherwise. */
export function requestId(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Nest's start-up chatter (every module and route) goes to debug; everything else as it comes. */
const FRAMEWORK_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

function quietFramework(logger: LoggerService): LoggerService {
  return {
    log: (message: unknown, ...rest: unknown[]) =>
      FRAMEWORK_CONTEXTS.has(rest[rest.length - 1] as string) ? logger.debug?.(message, ...rest) : logger.log(message, ...rest),
    error: (message: unknown, ...rest: unknown[]) => logger.error(message, ...rest),
    warn: (message: unknown, ...rest: unknown[]) => logger.warn(message, ...rest),
    debug: (message: unknown, ...rest: unknown[]) => logger.debug?.(message, ...rest),
    verbose: (message: unknown, ...rest: unknown[]) => logger.verbose?.(message, ...rest),
    fatal: (message: unknown, ...rest: unknown[]) => logger.fatal?.(message, ...rest),
  };
}

/** The application, configured but not listening: main.ts, the OpenAPI script and tests share it. */
export async function createApp(config: AppConfig, options: { logs?: boolean } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimit,
    // Slow clients are cut off: the headers within HEADERS_TIMEOUT, the whole request within REQUEST_TIMEOUT
    // (Node answers 408 and closes), idle keep-alive connections after KEEP_ALIVE_TIMEOUT. Node checks the
    // first two every connectionsCheckingInterval (30 s by default), so a check each second keeps them close
    // to their bound. A socket silent for longer than all of them is closed as a backstop.
    http: { headersTimeout: config.timeouts.headersMs, connectionsCheckingInterval: 1000 },
    requestTimeout: config.timeouts.requestMs,
    keepAliveTimeout: config.timeouts.keepAliveMs,
    connectionTimeout: Math.max(config.timeouts.requestMs, config.timeouts.keepAliveMs) + 5000,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // On close Node itself ends keep-alive connections that sit idle; Fastify's own 'idle' mode also
    // reset connections whose request had just arrived, so it stays off.
    forceCloseConnections: false,
    // Errors Fastify raises before routing (a malformed URL, say) get the same writer as every other error.
    genReqId: requestId,
    // Requests that reach an accepted connection while shutting down are still served (not 503).
    return503OnClosing: false,
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => app.get(ErrorWriter).write(request, reply, error),
  });
  const log = serviceLogger(options.logs === false ? 'silent' : config.logLevel);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config), adapter, {
    bodyParser: false,
    abortOnError: false,
    // JSON lines from the first one, also when start-up fails.
    logger: options.logs === false ? false : quietFramework(nestJsonLogger(log)),
  });
  // Constraint classes that need configuration (PasswordLengthConstraint) come from Nest's container; class-validator's
  // own classes from its default one (asking Nest for them would log an error on every validation).
  useContainer(
    {
      get: <T>(type: new (...args: unknown[]) => T): T | undefined =>
        type === PasswordLengthConstraint ? (app.get(type) as T) : undefined,
    },
    { fallback: true },
  );
  const fastify = app.getHttpAdapter().getInstance();
  installJsonOnlyBodyParser(fastify, config.bodyLimit);
  // POST /imports takes a whole source export: its own limit (a route's bodyLimit wins over the parser's).
  fastify.addHook('onRoute', (route) => {
    if (route.url.replace(/\/$/, '') === IMPORTS_PATH) route.bodyLimit = config.importBodyLimit;
  });
  // Before routing and body parsing: every /api answer counts and carries the rate-limit headers.
  const rateLimiter = app.get(RateLimitGuard);
  fastify.addHook('onRequest', (request, reply) => rateLimiter.countRequest(request, reply));
  // API answers carry tokens and personal data: no shared or browser cache may keep them.
  fastify.addHook('onSend', async (request, reply) => {
    void reply.headers(SECURITY_HEADERS);
    void reply.header('X-Request-Id', request.id);
    if (request.url.startsWith('/api/')) void reply.header('Cache-Control', 'no-store');
  });
  installAccessLog(fastify, log);
  const metrics = app.get(MetricsService);
  const errorLog = app.get(ErrorLog);
  fastify.addHook('onResponse', async (request, reply) => {
    // An answer that needed the database ends a logged outage (every /api route but a refusal reads a session or a row).
    if (reply.statusCode < 400 && (request.url.startsWith('/api/') || request.url.startsWith('/health/ready'))) errorLog.databaseAnswered();
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Accept-Language', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    });
  }
  setupSwagger(app);
  return app;
}
