import { HttpException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AppException } from './app.exception';
import { ERRORS, ErrorCode, LocalizedText } from './error-codes';
import { ownSourceLocation } from './source-location';

/** What any thrown value becomes before it is written in a response. */
export interface ErrorResponse {
  code: ErrorCode;
  status: number;
  message: LocalizedText;
  data: unknown;
  headers: Record<string, string>;
  /** Set for 5xx: a safe summary for the log (no stack, no SQL, no parameters). */
  logSummary?: Record<string, unknown>;
  /** The client closed the connection while its body was being read: nobody is left to answer. */
  clientAborted?: boolean;
}

const STATUS_TO_CODE: Record<number, ErrorCode> = {
  400: ErrorCode.MALFORMED_REQUEST,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN_ROLE,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.NOT_FOUND,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.BODY_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.TOO_MANY_REQUESTS,
  503: ErrorCode.DATABASE_UNAVAILABLE,
};

/** PostgreSQL SQLSTATEs and socket errors that mean "the database is not reachable right now". */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[1-3]|53300)/;
const UNAVAILABLE_MESSAGE =
  /(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|Connection terminated due to connection timeout|the database system is (starting up|shutting down)|terminating connection)/i;

function errorCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const candidates = [error, (error as { driverError?: unknown })?.driverError, (error as { cause?: unknown })?.cause];
  return candidates.some((candidate) => {
    if (!candidate || typeof candidate !== 'object') return false;
    const code = errorCodeOf(candidate);
    if (code && UNAVAILABLE_SQLSTATE.test(code)) return true;
    if (code && /^E[A-Z]+$/.test(code) && UNAVAILABLE_MESSAGE.test(code)) return true;
    return UNAVAILABLE_MESSAGE.test(String((candidate as { message?: unknown }).message ?? ''));
  });
}

/** The first frame in our own code, so a 500 can be located without logging a stack trace. */
function ownFrame(error: unknown): string | undefined {
  const stack = (error as { stack?: unknown })?.stack;
  if (typeof stack !== 'string') return undefined;
  return ownSourceLocation(stack);
}

function summarize(error: unknown): Record<string, unknown> {
  if (error instanceof QueryFailedError) {
    const driver = error.driverError as { code?: string; constraint?: string; table?: string; routine?: string };
    return { type: 'QueryFailedError', sqlstate: driver?.code, constraint: driver?.constraint, table: driver?.table, at: ownFrame(error) };
  }
  if (error instanceof Error) {
    return { type: error.name, code: errorCodeOf(error), message: error.message.slice(0, 300), at: ownFrame(error) };
  }
  return { type: typeof error };
}

function build(code: ErrorCode, extra: Partial<ErrorResponse> = {}): ErrorResponse {
  const definition = ERRORS[code];
  return { code, status: definition.status, message: definition.message, data: null, headers: {}, ...extra };
}

/**
 * The request stream failed under the body parser: the client aborted (Node's "aborted", ECONNRESET).
 * Fastify stamps these with a 4xx statusCode, which no database error carries, so a client's
 * ECONNRESET is never taken for the database's.
 */
export function isClientAbort(error: unknown): boolean {
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode !== 'number' || statusCode >= 500) return false;
  const code = errorCodeOf(error);
  return (
    code === 'ECONNRESET' || code === 'ECONNABORTED' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (error as Error).message === 'aborted'
  );
}

/** Maps anything thrown (ours, Nest's, Fastify's, TypeORM's, pg's) to an error response. */
export function toErrorResponse(exception: unknown): ErrorResponse {
  if (isClientAbort(exception)) return build(ErrorCode.MALFORMED_REQUEST, { clientAborted: true });
  if (exception instanceof AppException) {
    return build(exception.code, {
      data: exception.options.data ?? null,
      message: exception.options.message ?? ERRORS[exception.code].message,
      headers: exception.options.headers ?? {},
    });
  }
  if (isDatabaseUnavailable(exception)) {
    return build(ErrorCode.DATABASE_UNAVAILABLE, { headers: { 'Retry-After': '5' }, logSummary: summarize(exception) });
  }
  if (exception instanceof QueryFailedError) {
    const sqlstate = errorCodeOf(exception.driverError);
    // A uniqueness race the service did not foresee is still the client's conflict, not a crash.
    if (sqlstate === '23505') return build(ErrorCode.CONFLICT);
    if (sqlstate === '57014') return build(ErrorCode.DATABASE_UNAVAILABLE, { logSummary: summarize(exception) });
    // Class 22 (data exception: bad encoding, out-of-range value, invalid datetime) is bad input that slipped past validation.
    if (sqlstate?.startsWith('22')) return build(ErrorCode.MALFORMED_REQUEST, { logSummary: summarize(exception) });
    // A deadlock or serialization failure that survived the retries: the client may simply try again.
    if (sqlstate === '40P01' || sqlstate === '40001')
      return build(ErrorCode.DATABASE_UNAVAILABLE, { headers: { 'Retry-After': '1' }, logSummary: summarize(exception) });
    return build(ErrorCode.INTERNAL, { logSummary: summarize(exception) });
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = STATUS_TO_CODE[status];
    if (code !== undefined) return build(code);
    return status >= 500 ? build(ErrorCode.INTERNAL, { logSummary: summarize(exception) }) : build(ErrorCode.MALFORMED_REQUEST);
  }
  // Fastify's own errors (content-type parsing, body size, bad URL) carry a statusCode.
  const fastifyStatus = (exception as { statusCode?: unknown })?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    return build(STATUS_TO_CODE[fastifyStatus] ?? ErrorCode.MALFORMED_REQUEST);
  }
  return build(ErrorCode.INTERNAL, { logSummary: summarize(exception) });
}
