import { getSchemaPath } from '@nestjs/swagger';
import type { HeaderObject, OpenAPIObject, OperationObject, PathItemObject, ReferenceObject, ResponseObject } from '@nestjs/swagger';
import { Detail000, Error001 } from '../../legacy/dto/legacy-responses';
import { SOURCE_000_PATHS, SOURCE_001_PATHS } from '../../legacy/legacy-errors';
import { ErrorCode, ERRORS } from '../errors/error-codes';
import { errorEnvelopeResponse, ErrorEnvelopeDto, FieldErrorDto } from './api-docs.decorators';

/**
 * What holds for every operation, documented once instead of on each route: path ids are UUIDs; any
 * route can answer 400 (undeclared query or body fields are refused) and 500; /api routes also answer
 * 401 when protected, 413 and 415 when they read a body, 429 and 503, each in the error shape of its family
 * (shared components.responses), Retry-After on 429 (and on a 503 that expects to recover). The rate-limit and
 * CORS headers every /api answer carries are declared once, in components.headers and the API description.
 */

/** The response headers, as components.headers. */
export const COMMON_HEADERS: Record<string, HeaderObject> = {
  'RateLimit-Limit': {
    description:
      'Requests this client may make per window under the tightest limit that applies to the route (RATE_LIMIT_API, ' +
      'and RATE_LIMIT_LOGIN or RATE_LIMIT_REGISTER on those routes). Sent on every /api answer, errors included ' +
      '(unknown routes, 40000, 41301, 41501, 429); not sent when the limits are 0 (off). Declared here once rather than on every response.',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 100000000 },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current window under that limit (sent with RateLimit-Limit).',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 100000000 },
  },
  'RateLimit-Reset': {
    description: 'Seconds until the current window of that limit ends (RATE_LIMIT_WINDOW_SECONDS at most; sent with RateLimit-Limit).',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86400 },
  },
  'Retry-After': {
    description:
      'Seconds to wait before trying again: until the rate-limit window ends, or until a login lockout (LOGIN_LOCK_SECONDS) expires.',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 86400 },
  },
  'Retry-After-Unavailable': {
    description: 'Seconds to wait before trying again; sent when the database is expected back soon (it was unreachable, or a deadlock).',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 5 },
  },
  'Access-Control-Allow-Origin': {
    description:
      "The request's Origin, echoed when CORS_ORIGINS allows it. CORS is off by default (CORS_ORIGINS empty): then it is never sent.",
    schema: { type: 'string', maxLength: 2048 },
  },
};

const ref = (name: keyof typeof COMMON_HEADERS): ReferenceObject => ({ $ref: `#/components/headers/${name}` });

/**
 * The headers of every /api answer, as references to components.headers. Spectral OWASP (api4 rate-limit, api8
 * CORS) wants them on each response, so each response names them in one line each; the shared error responses
 * (components.responses) carry them once.
 */
const API_HEADERS: Record<string, ReferenceObject> = {
  'RateLimit-Limit': ref('RateLimit-Limit'),
  'RateLimit-Remaining': ref('RateLimit-Remaining'),
  'RateLimit-Reset': ref('RateLimit-Reset'),
  'Access-Control-Allow-Origin': ref('Access-Control-Allow-Origin'),
};

/** How a route family writes its errors (see legacy-errors.ts and error-writer.ts: the same path tests). */
type Family = 'envelope' | '000' | '001';

function familyOf(path: string): Family {
  if (SOURCE_001_PATHS.test(path)) return '001';
  if (SOURCE_000_PATHS.test(path)) return '000';
  return 'envelope';
}

/** The rate limiter counts /api only: health, metrics and docs are for probes and operators. */
const isRateLimited = (path: string): boolean => path.startsWith('/api/');

/** What the 40001 of an undeclared field says (undeclared-input.interceptor.ts). */
const UNDECLARED_FIELD = { field: 'force', message: 'property force should not exist' };

/** The body a source API writes for an error code, as its error writer does (legacy-errors.ts). */
function legacyExample(family: '000' | '001', code: ErrorCode): Record<string, string> {
  const message = ERRORS[code].message.en;
  const detail = code === ErrorCode.VALIDATION_FAILED ? `${message}: ${UNDECLARED_FIELD.field}: ${UNDECLARED_FIELD.message}` : message;
  return family === '000' ? { detail } : { result: message, error: detail };
}

/** A response documenting `codes` of one HTTP status (their own status in every family they are added to). */
function errorResponse(family: Family, codes: ErrorCode[]): ResponseObject {
  if (family === 'envelope') {
    const { description, schema, examples } = errorEnvelopeResponse(codes, UNDECLARED_FIELD);
    return { description, content: { 'application/json': { schema, examples } } };
  }
  return {
    description: codes.map((code) => `${code}: ${ERRORS[code].message.en}`).join('; '),
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(family === '000' ? Detail000 : Error001) },
        examples: Object.fromEntries(
          codes.map((code) => [String(code), { summary: ERRORS[code].message.en, value: legacyExample(family, code) }]),
        ),
      },
    },
  };
}

/**
 * Path ids are UUIDs (API.md); UuidParamPipe, on every path parameter, answers anything else with 40001.
 * A parameter that documents its own format or pattern (the source APIs' own ids) keeps it.
 */
function describePathIds(operation: OperationObject): void {
  for (const parameter of operation.parameters ?? []) {
    if (
      '$ref' in parameter ||
      parameter.in !== 'path' ||
      (parameter.schema && ('format' in parameter.schema || 'pattern' in parameter.schema))
    )
      continue;
    parameter.schema = { type: 'string', format: 'uuid', maxLength: 36 };
    parameter.description ??= 'A UUID; anything else is refused as invalid input (400)';
  }
}

/** An array in the query is written comma-separated (sort=-role,username), as the validation reads it. */
function describeListParameters(operation: OperationObject): void {
  for (const parameter of operation.parameters ?? []) {
    if ('$ref' in parameter || parameter.in !== 'query' || !parameter.schema || !('type' in parameter.schema)) continue;
    if (parameter.schema.type !== 'array') continue;
    parameter.style = 'form';
    parameter.explode = false;
  }
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Every operation of the document with its path. */
export function* operationsOf(document: OpenAPIObject): Generator<{ path: string; method: string; operation: OperationObject }> {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as PathItemObject)[method];
      if (operation) yield { path, method, operation };
    }
  }
}

function isProtected(document: OpenAPIObject, operation: OperationObject): boolean {
  const security = operation.security ?? document.security ?? [];
  return security.some((requirement) => Object.keys(requirement).length > 0);
}

/** The source APIs' own ways of sending the access token (jwt.strategy.ts legacyToken), on their protected operations. */
export const LEGACY_SECURITY_SCHEMES = {
  legacyTokenHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'token',
    description: 'Source API 001: the access token in a `token` header (a leading `Bearer ` is accepted). Only on the 000 and 001 routes.',
  },
  legacyAuthorizationToken: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'Source API 000 (Django REST): `Authorization: Token <access_token>` (or `JWT <access_token>`). Only on the 000 and 001 routes.',
  },
} as const;

/** Adds the common responses (shared, as components.responses), path-id schemas and legacy schemes to every operation. */
export function applyOperationDefaults(document: OpenAPIObject): void {
  document.components ??= {};
  document.components.headers = { ...document.components.headers, ...COMMON_HEADERS };
  document.components.securitySchemes = { ...document.components.securitySchemes, ...LEGACY_SECURITY_SCHEMES };
  const shared: Record<string, ResponseObject> = {};
  const schemas = document.components.schemas ?? {};
  const missing = [ErrorEnvelopeDto, FieldErrorDto, Detail000, Error001].map((model) => model.name).filter((name) => !schemas[name]);
  if (missing.length > 0) throw new Error(`error schemas missing from the document: ${missing.join(', ')}`);
  /** A response every operation of a family shares, declared once under components.responses and referenced. */
  const sharedResponse = (family: Family, name: string, codes: ErrorCode[], headers?: Record<string, ReferenceObject>): ReferenceObject => {
    const key = `${family === 'envelope' ? 'Envelope' : `Source${family}`}-${name}`;
    if (!shared[key]) shared[key] = { ...errorResponse(family, codes), headers: { ...headers, ...API_HEADERS } };
    return { $ref: `#/components/responses/${key}` };
  };
  for (const { path, method, operation } of operationsOf(document)) {
    const family = familyOf(path);
    const responses = operation.responses;
    describePathIds(operation);
    describeListParameters(operation);
    const readsBody = method !== 'get' && method !== 'head';
    // Every route refuses undeclared query fields (40001); routes that read a body also refuse one that is not JSON (40000).
    if (!responses['400'])
      responses['400'] = readsBody
        ? sharedResponse(family, '400-body', [ErrorCode.MALFORMED_REQUEST, ErrorCode.VALIDATION_FAILED])
        : sharedResponse(family, '400-query', [ErrorCode.VALIDATION_FAILED]);
    // 001 answers a missing or bad token with 403 ("Authorization failed"), as its document does; the others with 401.
    const guarded = isProtected(document, operation);
    if (family !== '001' && guarded && !responses['401']) responses['401'] = sharedResponse(family, '401', [ErrorCode.UNAUTHENTICATED]);
    if (!responses['500']) responses['500'] = sharedResponse(family, '500', [ErrorCode.INTERNAL]);
    if (guarded && family !== 'envelope')
      operation.security = [{ bearer: [] }, { legacyTokenHeader: [] }, { legacyAuthorizationToken: [] }];
    if (!isRateLimited(path)) continue;
    // The body parser runs on every method but GET/HEAD: a body over BODY_LIMIT is 413, one that is not JSON 415.
    if (readsBody) {
      if (!responses['413']) responses['413'] = sharedResponse(family, '413', [ErrorCode.BODY_TOO_LARGE]);
      if (!responses['415']) responses['415'] = sharedResponse(family, '415', [ErrorCode.UNSUPPORTED_MEDIA_TYPE]);
    }
    if (!responses['429'])
      responses['429'] = sharedResponse(family, '429', [ErrorCode.TOO_MANY_REQUESTS], { 'Retry-After': ref('Retry-After') });
    if (!responses['503'])
      responses['503'] = sharedResponse(family, '503', [ErrorCode.DATABASE_UNAVAILABLE], { 'Retry-After': ref('Retry-After-Unavailable') });
    for (const [status, response] of Object.entries(responses)) {
      if (!response || '$ref' in response) continue;
      const retryAfter = status === '429' ? ref('Retry-After') : status === '503' ? ref('Retry-After-Unavailable') : undefined;
      response.headers = { ...response.headers, ...(retryAfter ? { 'Retry-After': retryAfter } : {}), ...API_HEADERS };
    }
  }
  document.components.responses = { ...document.components.responses, ...shared };
}
