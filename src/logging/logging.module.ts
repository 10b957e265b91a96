import { Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from '../config/app-config';

/** Paths never written to the log, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.old_password',
  '*.new_password',
  '*.access_token',
  '*.refresh_token',
  '*.invitation',
  '*.token',
  '*.invitation_code',
];

/** What an error summary (src/common/errors/error-response.ts) may carry besides its type and message: codes and src/file.ts:line. */
const LOCATING_FIELDS = ['code', 'sqlstate', 'constraint', 'table', 'at'] as const;

/**
 * Structured JSON logs (pino): one access line per request with the request id (Fastify's request id,
 * see requestId() in app.factory.ts, which pino-http picks up).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // nestjs-pino's default route pattern does not match under Fastify with Nest 12; '*' does.
        forRoutes: [{ path: '*', method: RequestMethod.ALL }],
        pinoHttp: {
          level: config.logLevel,
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          // A client that went away is not a server error; a 503 (database down) is logged by ErrorLog on the
          // outage's transitions, not on every access line; any other 5xx is an error.
          customLogLevel: (request: IncomingMessage, response: ServerResponse, error?: Error) =>
            request.readableAborted || !response.writableEnded
              ? 'info'
              : error || (response.statusCode >= 500 && response.statusCode !== 503)
                ? 'error'
                : 'info',
          serializers: {
            req: (request: { id: string; method: string; url: string; remoteAddress?: string }) => ({
              id: request.id,
              method: request.method,
              url: request.url,
              remoteAddress: request.remoteAddress,
            }),
            res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
            // Never a stack trace in the log: the type, a short message and where in our code.
            err: (
              error: { type?: string; name?: string; message?: string } & Partial<Record<(typeof LOCATING_FIELDS)[number], unknown>>,
            ) => ({
              type: error.type ?? error.name,
              message: typeof error.message === 'string' ? error.message.slice(0, 300) : undefined,
              ...Object.fromEntries(
                LOCATING_FIELDS.filter((field) => typeof error[field] === 'string').map((field) => [field, error[field]]),
              ),
            }),
          },
          customSuccessMessage: () => 'request completed',
          customErrorMessage: () => 'request failed',
        },
      }),
    }),
  ],
})
export class LoggingModule {}
