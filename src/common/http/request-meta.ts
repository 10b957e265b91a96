import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { Language, preferredLanguage } from '../i18n/language';

/** Where a request came from, for the audit log. The ip honours TRUST_PROXY (Fastify's trustProxy). */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
  /** The client's preferred language (Accept-Language), for mail to users without a language_preference. */
  language?: Language;
}

/**
 * The client's address: Fastify's request.ip (which honours TRUST_PROXY), unless a proxy header put
 * something there that is not an IP address; then the socket's peer.
 */
export function clientIp(request: FastifyRequest): string | null {
  const ip = request.ip;
  if (ip && isIP(ip)) return ip;
  const peer = request.socket?.remoteAddress;
  return peer && isIP(peer) ? peer : null;
}

export function requestMetaOf(request: FastifyRequest): RequestMeta {
  const agent = request.headers['user-agent'];
  return {
    ip: clientIp(request),
    userAgent: typeof agent === 'string' && agent ? agent.replace(/\0/g, '').slice(0, 512) : null,
    language: preferredLanguage(request.headers['accept-language']),
  };
}

export const ClientMeta = createParamDecorator((_: unknown, context: ExecutionContext): RequestMeta =>
  requestMetaOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
