import { Logger } from '@nestjs/common';
import { ErrorCode } from './error-codes';
import type { ErrorResponse } from './error-response';

export interface LogSink {
  error(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
  log(object: Record<string, unknown>, message: string): void;
}

/** How often a continuing database outage is logged again (one line, with how many answers were 503 since). */
export const OUTAGE_REPEAT_MS = 30_000;

/**
 * What the error writer logs, classified: a client that went away is an info line of its own
 * (reason "client-aborted"), never an error; a database outage is logged on its transitions only
 * (down, still down every OUTAGE_REPEAT_MS, back), not once per refused request; any other 5xx is
 * one error line with its safe summary. One instance per application (AllExceptionsFilter owns it).
 */
export class ErrorLog {
  private outage?: { since: number; lastLogged: number; refused: number };

  constructor(
    private readonly sink: LogSink,
    private readonly now: () => number = Date.now,
  ) {}

  record(error: ErrorResponse, requestId: string): void {
    if (error.clientAborted) {
      this.sink.log({ reqId: requestId, reason: 'client-aborted' }, 'client closed the connection before its request was read');
      return;
    }
    if (error.code === ErrorCode.DATABASE_UNAVAILABLE && error.logSummary) {
      this.databaseUnavailable(error.logSummary);
      return;
    }
    if (error.logSummary) this.sink.error({ err: error.logSummary, errorCode: error.code, reqId: requestId }, 'request failed');
  }

  private databaseUnavailable(summary: Record<string, unknown>): void {
    const now = this.now();
    if (!this.outage) {
      this.outage = { since: now, lastLogged: now, refused: 1 };
      this.sink.error({ err: summary, errorCode: ErrorCode.DATABASE_UNAVAILABLE, outage: 'down' }, 'database unavailable');
      return;
    }
    this.outage.refused += 1;
    if (now - this.outage.lastLogged >= OUTAGE_REPEAT_MS) {
      this.outage.lastLogged = now;
      this.sink.error(
        {
          err: summary,
          errorCode: ErrorCode.DATABASE_UNAVAILABLE,
          outage: 'still-down',
          downForSeconds: Math.round((now - this.outage.since) / 1000),
          refused: this.outage.refused,
        },
        'database still unavailable',
      );
    }
  }

  /** A request that needed the database succeeded: ends an outage, if one was logged. */
  databaseAnswered(): void {
    if (!this.outage) return;
    const { since, refused } = this.outage;
    this.outage = undefined;
    this.sink.warn({ outage: 'back', downForSeconds: Math.round((this.now() - since) / 1000), refused }, 'database available again');
  }
}

/** The application's ErrorLog, writing through Nest's logger (context "Errors"). */
export function createErrorLog(): ErrorLog {
  const logger = new Logger('Errors');
  return new ErrorLog({
    error: (object, message) => logger.error(object, message),
    warn: (object, message) => logger.warn(object, message),
    log: (object, message) => logger.log(object, message),
  });
}
