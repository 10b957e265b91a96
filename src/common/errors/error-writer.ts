import type { FastifyReply, FastifyRequest } from 'fastify';
import { Language, localize, preferredLanguage } from '../i18n/language';
import type { FieldError } from './app.exception';
import type { ErrorLog } from './error-log';
import { ErrorResponse, toErrorResponse } from './error-response';

/** How an error looks on the wire for one family of routes (the envelope, or a source API's shape). */
export type ErrorRenderer = (error: ErrorResponse, language: Language) => { status: number; body: unknown };

function localizeData(data: unknown, language: Language): unknown {
  if (!data || typeof data !== 'object' || !Array.isArray((data as { errors?: unknown }).errors)) return data;
  const errors = (data as { errors: FieldError[] }).errors.map((error) => ({
    field: error.field,
    message: localize(error.message, language),
  }));
  return { ...data, errors };
}

export const envelopeErrorRenderer: ErrorRenderer = (error, language) => ({
  status: error.status,
  body: {
    data: localizeData(error.data, language),
    message: error.message[language],
    errorCode: error.code,
    status: error.status,
  },
});

/** An error shape other than the envelope (a source API's), for the paths it serves. */
export interface ErrorStyle {
  name: string;
  renderer: ErrorRenderer;
  paths: RegExp;
}

/**
 * The one place errors reach the wire: any error, written in the shape of the route's family (the
 * first style whose paths match the URL, else the envelope), and recorded in the error log.
 */
export class ErrorWriter {
  constructor(
    private readonly log: ErrorLog,
    private readonly styles: readonly ErrorStyle[],
  ) {}

  write(request: FastifyRequest, reply: FastifyReply, exception: unknown): void {
    const error = toErrorResponse(exception);
    this.log.record(error, request.id);
    if (reply.sent || error.clientAborted) return;
    const renderer = this.styles.find((style) => style.paths.test(request.url))?.renderer ?? envelopeErrorRenderer;
    const { status, body } = renderer(error, preferredLanguage(request.headers['accept-language']));
    void reply.code(status).headers(error.headers).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
