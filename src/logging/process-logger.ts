import type { LoggerService } from '@nestjs/common';
import pino, { Level, Logger } from 'pino';

/**
 * The process's own JSON log (pino), for what happens outside a request: start-up, the database
 * wait, shutdown. Every line is one JSON object, from the first to the last, in every environment.
 */
export function processLogger(level: Level | 'silent' = 'info', context?: string): Logger {
  return pino({ level, base: context ? { context } : null });
}

/** An error as the log takes it: its type, code and message; never a stack trace. */
export function errorSummary(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const code = (error as { code?: unknown }).code;
  return { type: error.name, ...(typeof code === 'string' ? { code } : {}), message: error.message.slice(0, 300) };
}

type NestLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's own logger as JSON lines (the service's logger is serviceLogger in request-log.ts; the CLI
 * and start-up failures use processLogger). Nest passes a stack trace as error()'s second argument: it is dropped. The
 * ExceptionHandler's report of a failed start goes to debug: main.ts writes that failure as one line.
 */
export function nestJsonLogger(root: Logger): LoggerService {
  // Nest's Logger passes its context last; an object message is written with its fields at the top of the line and
  // the next string argument as the message (logger.log({ mail }, 'mail sent')), as nestjs-pino did.
  const write = (level: NestLevel, message: unknown, params: unknown[]): void => {
    const last = params[params.length - 1];
    const context = typeof last === 'string' && params.length > 0 ? last : undefined;
    const rest = context === undefined ? params : params.slice(0, -1);
    const logger = context ? root.child({ context }) : root;
    const effective = context === 'ExceptionHandler' ? 'debug' : level;
    if (message instanceof Error) logger[effective]({ err: errorSummary(message) }, message.message);
    else if (typeof message === 'string') logger[effective](message);
    else if (typeof message === 'object' && message !== null)
      logger[effective]({ ...message }, typeof rest[0] === 'string' ? rest[0] : 'log');
    else logger[effective]({ data: message }, 'log');
  };
  return {
    log: (message, ...params) => write('info', message, params),
    error: (message, ...params) => write('error', message, params),
    warn: (message, ...params) => write('warn', message, params),
    debug: (message, ...params) => write('debug', message, params),
    verbose: (message, ...params) => write('trace', message, params),
    fatal: (message, ...params) => write('fatal', message, params),
  };
}
