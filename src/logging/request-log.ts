import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import pino, { DestinationStream, Level, Logger } from 'pino';

/** Paths never written to the log: these fields at the top of a line or one level down. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...['password', 'old_password', 'new_password', 'access_token', 'refresh_token', 'invitation', 'token', 'invitation_code'].flatMap(
    (field) => [field, `*.${field}`],
  ),
];

/** What an error summary (src/common/errors/error-response.ts) may carry besides its type and message: codes and src/file.ts:line. */
const LOCATING_FIELDS = ['code', 'sqlstate', 'constraint', 'table', 'at'] as const;

type LoggedError = { type?: string; name?: string; message?: unknown } & Partial<Record<(typeof LOCATING_FIELDS)[number], unknown>>;

/** Never a stack trace in the log: an `err` is written as its type, a short message and where in our code. */
function errorFields(error: LoggedError): Record<string, unknown> {
  return {
    type: error.type ?? error.name,
    message: typeof error.message === 'string' ? error.message.slice(0, 300) : undefined,
    ...Object.fromEntries(LOCATING_FIELDS.filter((field) => typeof error[field] === 'string').map((field) => [field, error[field]])),
  };
}

/** The running service's JSON log (pino): what Nest's Logger writes (see nestJsonLogger) and the access lines. */
export function serviceLogger(level: Level | 'silent', destination?: DestinationStream): Logger {
  const options = { level, base: null, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers: { err: errorFields } };
  return destination ? pino(options, destination) : pino(options);
}

function requestFields(request: FastifyRequest): Record<string, unknown> {
  return { id: request.id, method: request.method, url: request.url, remoteAddress: request.raw.socket?.remoteAddress };
}

/**
 * One access line per request, written when the answer has gone out (Fastify's onResponse), from
 * what Fastify already holds: no per-request child logger, no request-scoped context. A 5xx other
 * than 503 is an error line ("request failed"); a 503 (database down) is logged by ErrorLog on the
 * outage's transitions. A request whose client went away before the answer is an info line
 * ("request aborted"). Nothing is installed when the level writes neither info nor error lines.
 */
export function installAccessLog(fastify: FastifyInstance, logger: Logger): void {
  if (!logger.isLevelEnabled('error')) return;
  const info = logger.isLevelEnabled('info');
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const statusCode = reply.statusCode;
    const responseTime = Math.round(reply.elapsedTime);
    if (statusCode >= 500 && statusCode !== 503) {
      logger.error(
        {
          req: requestFields(request),
          res: { statusCode },
          err: { type: 'Error', message: `failed with status code ${statusCode}` },
          responseTime,
        },
        'request failed',
      );
    } else if (info) {
      logger.info({ req: requestFields(request), res: { statusCode }, responseTime }, 'request completed');
    }
    done();
  });
  if (info) {
    fastify.addHook('onRequestAbort', (request: FastifyRequest, done: () => void) => {
      logger.info({ req: requestFields(request) }, 'request aborted');
      done();
    });
  }
}
