import { getSchemaPath } from '@nestjs/swagger';
import type {
  HeaderObject,
  OpenAPIObject,
  OperationObject,
  PathItemObject,
  ReferenceObject,
  ResponseObject,
  ResponsesObject,
} from '@nestjs/swagger';
import { Detail000, Error001 } from '../../legacy/dto/legacy-responses';
import { SOURCE_000_PATHS, SOURCE_001_PATHS } from '../../legacy/legacy-errors';
import { ErrorCode, ERRORS } from '../errors/error-codes';
import { errorEnvelopeResponse, ErrorEnvelopeDto, FieldErrorDto } from './api-docs.decorators';

/**
 * What holds for every operation, documented once instead of on each route: path ids are UUIDs; any
 * route can answer 400 (undeclared query or body fields are refused) and 500; /api routes also answer
 * 401 when protected, 429 and 503, each in the error shape of its family, and carry the rate-limit
 * headers, Retry-After on 429 (and on a 503 that expects to recover) and CORS.
 */

/** The response headers, as components.headers. */
export const COMMON_HEADERS: Record<string, HeaderObject> = {
  'RateLimit-Limit': {
    description:
      'Requests this client may make per window under the tightest limit that applies to the route (RATE_LIMIT_API, ' +
      'and RATE_LIMIT_LOGIN or RATE_LIMIT_REGISTER on those routes). Sent on every /api answer once the request has ' +
      'passed the limiter, so not on a refusal by the limiter itself nor on a body refused before routing (40000, 41301, 41501); ' +
      'not sent when the limits are 0 (off).',
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

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': ref('RateLimit-Limit'),
  'RateLimit-Remaining': ref('RateLimit-Remaining'),
  'RateLimit-Reset': ref('RateLimit-Reset'),
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

/** Path ids are UUIDs (API.md); UuidParamPipe, on every path parameter, answers anything else with 40001. */
function describePathIds(operation: OperationObject): void {
  for (const parameter of operation.parameters ?? []) {
    if ('$ref' in parameter || parameter.in !== 'path' || (parameter.schema && 'format' in parameter.schema)) continue;
    parameter.schema = { type: 'string', format: 'uuid', maxLength: 36 };
    parameter.description ??= 'A UUID; anything else is refused as invalid input (400)';
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

function addIfMissing(responses: ResponsesObject, status: number, response: () => ResponseObject): void {
  if (!responses[String(status)]) responses[String(status)] = response();
}

/** Adds the common responses, headers and path-id schemas to every operation; see the file comment. */
export function applyOperationDefaults(document: OpenAPIObject): void {
  document.components ??= {};
  document.components.headers = { ...document.components.headers, ...COMMON_HEADERS };
  const schemas = document.components.schemas ?? {};
  const missing = [ErrorEnvelopeDto, FieldErrorDto, Detail000, Error001].map((model) => model.name).filter((name) => !schemas[name]);
  if (missing.length > 0) throw new Error(`error schemas missing from the document: ${missing.join(', ')}`);
  for (const { path, method, operation } of operationsOf(document)) {
    const family = familyOf(path);
    const responses = operation.responses;
    describePathIds(operation);
    // Every route refuses undeclared query fields (40001); routes that read a body also refuse one that is not JSON (40000).
    const badInput = method === 'get' ? [ErrorCode.VALIDATION_FAILED] : [ErrorCode.MALFORMED_REQUEST, ErrorCode.VALIDATION_FAILED];
    addIfMissing(responses, 400, () => errorResponse(family, badInput));
    // 001 answers a missing or bad token with 403 ("Authorization failed"), as its document does; the others with 401.
    if (family !== '001' && isProtected(document, operation))
      addIfMissing(responses, 401, () => errorResponse(family, [ErrorCode.UNAUTHENTICATED]));
    addIfMissing(responses, 500, () => errorResponse(family, [ErrorCode.INTERNAL]));
    if (!isRateLimited(path)) continue;
    addIfMissing(responses, 429, () => errorResponse(family, [ErrorCode.TOO_MANY_REQUESTS]));
    addIfMissing(responses, 503, () => errorResponse(family, [ErrorCode.DATABASE_UNAVAILABLE]));
    for (const [status, response] of Object.entries(responses)) {
      if (!response || '$ref' in response) continue;
      const headers: Record<string, HeaderObject | ReferenceObject> = { ...RATE_LIMIT_HEADERS };
      if (status === '429') headers['Retry-After'] = ref('Retry-After');
      if (status === '503') headers['Retry-After'] = ref('Retry-After-Unavailable');
      headers['Access-Control-Allow-Origin'] = ref('Access-Control-Allow-Origin');
      response.headers = { ...response.headers, ...headers };
    }
  }
}
