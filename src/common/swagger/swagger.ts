import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { applyOperationDefaults, operationsOf } from './operation-defaults';
import { applySchemaDefaults } from './schema-defaults';
import { ErrorCode, ERRORS } from '../errors/error-codes';

const DESCRIPTION = `
User management: sign-up, login, sessions, user administration, groups, occupations, audit log, blacklist and invitations.

Every response under \`/api/v1\` is the envelope \`{ data, message, errorCode, status }\`; \`status\` equals the HTTP status and
\`errorCode\` is 0 on success. \`message\` is English, or Simplified Chinese when \`Accept-Language\` prefers \`zh\`.
Validation errors (40001) list \`data.errors: [{ field, message }]\`; unknown fields are refused.

Authenticate with \`Authorization: Bearer <access_token>\` from \`POST /api/v1/auth/login\`. Roles are ordered user < admin < superadmin.
Access tokens are HS256 JWTs (RFC8725: the algorithm is pinned, issuer and audience are checked) and are only ids: the session
and the user's state are checked on every request, so logout, a password change, disabling, deleting or blacklisting a user
takes effect on the very next request.

Every answer under \`/api\`, errors included, carries \`RateLimit-Limit\`, \`RateLimit-Remaining\` and \`RateLimit-Reset\`
(see components.headers; declared once here rather than on every response), \`X-Request-Id\` and \`Cache-Control: no-store\`;
429 and 503 add \`Retry-After\`. Request bodies are JSON only (415 otherwise), at most \`BODY_LIMIT\` bytes (413 above).
`.trim();

/** The table of error codes, from the one table that maps them (error-codes.ts). */
function errorCodeTable(): string {
  const rows = (Object.entries(ERRORS) as Array<[string, (typeof ERRORS)[ErrorCode]]>)
    .filter(([code]) => Number(code) !== ErrorCode.SUCCESS)
    .map(([code, { status, message }]) => `| ${code} | ${status} | ${message.en} |`);
  return [
    '## Error codes',
    '',
    '`errorCode` never changes with the language of `message`.',
    '',
    '| errorCode | HTTP | meaning |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

/** The tags, in the order the UI shows them. */
const TAGS: Array<{ name: string; description: string }> = [
  { name: 'Auth', description: 'Registration, login, token refresh, logout, my account, password and sessions' },
  { name: 'Users', description: 'User administration (admin+) and a user reading their own record' },
  { name: 'Groups', description: 'Groups and their members' },
  { name: 'Occupations', description: 'The occupations a profile can name (public list for the registration form)' },
  { name: 'User logs', description: 'The append-only, hash-chained audit log' },
  { name: 'Blacklist', description: 'Blacklisting users (admin+ on users of a lower role)' },
  { name: 'Invitations', description: 'Invitation codes for admin registrations (superadmin)' },
  { name: 'Source API 003 (deprecated)', description: "The 003 system's routes under /api/v1/user, in the envelope" },
  { name: 'Source API 001 (deprecated)', description: "The 001 system's routes: `{ result, ... }` bodies, 400/403 for failures" },
  { name: 'Source API 000 (deprecated)', description: "The 000 system's routes: plain JSON, errors as `{ detail }`" },
  { name: 'Health', description: 'Liveness and readiness probes (outside /api: no envelope, no rate limit)' },
  { name: 'Operations', description: 'Prometheus metrics (outside /api: no envelope, no rate limit)' },
];

/**
 * Builds the OpenAPI document: bearer scheme by default, `security: []` on public routes, then the
 * facts every operation shares (operation-defaults.ts) and the schema facts implied by others (schema-defaults.ts).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('User Management Service')
    .setDescription(`${DESCRIPTION}\n\n${errorCodeTable()}`)
    .setVersion('1.0.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'This deployment (local, staging or production alike): the host that serves this document')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'Access token from POST /api/v1/auth/login. An HS256 JWT following the JWT best current practices of RFC8725: ' +
        'the algorithm is pinned (no "none", no algorithm switching), issuer, audience, expiry and token type are checked, ' +
        'and the session it names is checked on every request.',
    })
    .addSecurityRequirements('bearer');
  for (const tag of TAGS) builder.addTag(tag.name, tag.description);
  const document = SwaggerModule.createDocument(app, builder.build());
  for (const { operation } of operationsOf(document)) {
    // @Public() marks an operation with an empty requirement; OpenAPI spells "no auth" as [].
    if (operation.security?.some((requirement) => Object.keys(requirement).length === 0)) operation.security = [];
  }
  // The audience of the one server entry (OWASP API9): a public API.
  for (const server of document.servers ?? []) Object.assign(server, { 'x-internal': false });
  const declared = new Set(TAGS.map((tag) => tag.name));
  for (const { operation } of operationsOf(document)) {
    for (const tag of operation.tags ?? []) {
      if (!declared.has(tag)) throw new Error(`tag "${tag}" is used but not declared in swagger.ts`);
    }
  }
  applyOperationDefaults(document);
  applySchemaDefaults(document);
  return document;
}

/**
 * Serves the Swagger UI at /docs and the document at /docs-json. The document is built on its first
 * request rather than at boot (a factory), which keeps it out of the time to ready.
 */
export function setupSwagger(app: INestApplication): void {
  serveDocumentCompressed(app);
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'User Management Service API',
    swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
  });
}

interface CompressedDocument {
  etag: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

/**
 * GET /docs-json, answered before Swagger's own route: the document is built and compressed once (gzip and
 * brotli, chosen by Accept-Encoding), with an ETag (If-None-Match gets 304) and Cache-Control, so a browser
 * fetches its ~400 KB as ~40 KB, once. The document changes only with a deployment.
 */
function serveDocumentCompressed(app: INestApplication): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  let compressed: CompressedDocument | undefined;
  const load = (): CompressedDocument => {
    if (compressed) return compressed;
    const identity = Buffer.from(JSON.stringify(buildOpenApiDocument(app)));
    compressed = {
      etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
      identity,
      gzip: gzipSync(identity, { level: 9 }),
      br: brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
    };
    return compressed;
  };
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || request.url.split('?')[0].replace(/\/$/, '') !== '/docs-json') return;
    const document = load();
    void reply
      .header('ETag', document.etag)
      .header('Cache-Control', 'public, max-age=300, must-revalidate')
      .header('Vary', 'Accept-Encoding')
      .header('Content-Type', 'application/json; charset=utf-8');
    if (request.headers['if-none-match'] === document.etag) return reply.code(304).send();
    const accepted = String(request.headers['accept-encoding'] ?? '');
    const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : undefined;
    if (encoding) void reply.header('Content-Encoding', encoding);
    return reply.send(encoding ? document[encoding] : document.identity);
  });
}
