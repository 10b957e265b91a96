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

/** Other error shapes (the source APIs'), each for the paths it serves; everything else gets the envelope. */
const styles: Array<{ name: string; renderer: ErrorRenderer; paths: RegExp }> = [];

export function registerErrorStyle(name: string, renderer: ErrorRenderer, paths: RegExp): void {
  styles.push({ name, renderer, paths });
}

function rendererFor(url: string): ErrorRenderer {
  return styles.find((style) => style.paths.test(url))?.renderer ?? envelopeErrorRenderer;
}

/** Writes any error as the response for the route's error style; the one place errors reach the wire. */
export function writeError(request: FastifyRequest, reply: FastifyReply, exception: unknown, log: ErrorLog): void {
  const error = toErrorResponse(exception);
  log.record(error, request.id);
  if (reply.sent || error.clientAborted) return;
  const { status, body } = rendererFor(request.url)(error, preferredLanguage(request.headers['accept-language']));
  void reply.code(status).headers(error.headers).header('content-type', 'application/json; charset=utf-8').send(body);
}
