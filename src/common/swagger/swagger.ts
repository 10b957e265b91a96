import type { INestApplication } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { applyOperationDefaults, operationsOf } from './operation-defaults';
import { applySchemaDefaults } from './schema-defaults';
import { ErrorCode, ERRORS } from '../errors/error-codes';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

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
  {
    name: 'Second factor',
    description:
      "TOTP with recovery codes, passkeys (WebAuthn), the login's second step (POST /auth/login answers `mfa_required`, then " +
      'POST /auth/mfa/verify), passwordless sign-in, and the staff reset',
  },
  { name: 'Users', description: 'User administration (admin+) and a user reading their own record' },
  { name: 'Groups', description: 'Groups and their members' },
  { name: 'Occupations', description: 'The occupations a profile can name (public list for the registration form)' },
  { name: 'User logs', description: 'The append-only, hash-chained audit log' },
  { name: 'Blacklist', description: 'Blacklisting users (admin+ on users of a lower role)' },
  { name: 'Invitations', description: 'Invitation codes for admin registrations (superadmin)' },
  {
    name: 'Imports',
    description:
      'Moving in from the three source systems (superadmin): their exports with users, passwords, source ids and history, and an export of the users',
  },
  {
    name: 'Mail',
    description:
      'The mail outbox (superadmin): password-reset, email-verification and notice messages with their delivery status; never their links or tokens',
  },
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
 * The options the UI starts with (swagger-ui's names). defaultModelsExpandDepth -1 leaves out the Schemas
 * section under the operations: rendering its 56 models took ~0.8 s of the first ~2.7 s to a usable page
 * (scripts/measure-docs.js); every operation still shows its own schemas.
 */
const UI_OPTIONS = {
  deepLinking: true,
  defaultModelsExpandDepth: -1,
  // No badge from validator.swagger.io: it would send the document's URL there (and the CSP blocks it).
  validatorUrl: null,
  persistAuthorization: true,
  displayRequestDuration: true,
};

/**
 * Serves the Swagger UI at /docs and the document at /docs-json. Nest serves the page; the document, the
 * UI's script that starts it and swagger-ui's own assets are answered before Nest's routes
 * (serveCompressed): compressed, with an ETag and Cache-Control. The document is built on its first
 * request rather than at boot, which keeps it out of the time to ready.
 */
export function setupSwagger(app: INestApplication): void {
  serveCompressed(app);
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'User Management Service API',
    swaggerOptions: UI_OPTIONS,
  });
}

/**
 * The script that starts the UI. Nest's own inlines the whole document into it (~600 KB of JavaScript,
 * uncompressed, parsed on every visit, and fetched again with every visit) and waits for window.onload;
 * this one runs as soon as it is parsed (it is the last script of the page) and has the UI fetch
 * /docs-json, which is compressed and cached.
 */
const INIT_SCRIPT = `(function () {
  var documentUrl = new URL('../docs-json', document.currentScript.src).href;
  var options = ${JSON.stringify(UI_OPTIONS)};
  window.ui = SwaggerUIBundle(Object.assign({
    url: documentUrl,
    dom_id: '#swagger-ui',
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout'
  }, options));
})();
`;

/** swagger-ui's files the page loads, served from swagger-ui-dist (the version @nestjs/swagger pins). */
const UI_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

interface CompressedBody {
  contentType: string;
  etag: string;
  identity: Buffer;
  gzip?: Buffer;
  br?: Buffer;
}

async function compressed(contentType: string, identity: Buffer): Promise<CompressedBody> {
  const etag = `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`;
  // Images are compressed already.
  if (contentType.startsWith('image/')) return { contentType, etag, identity };
  // On the thread pool, not the event loop: swagger-ui-bundle.js alone is 1.5 MB.
  const [gzip, br] = await Promise.all([
    gzipAsync(identity, { level: 9 }),
    brotliAsync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: identity.length } }),
  ]);
  return { contentType, etag, identity, gzip, br };
}

/**
 * GET /docs-json, /docs/swagger-ui-init.js and swagger-ui's assets, answered before Nest's routes: each
 * body is read (the document built) and compressed once (gzip and brotli, chosen by Accept-Encoding),
 * with an ETag (If-None-Match gets 304) and Cache-Control, so a browser fetches the ~600 KB document
 * as ~40 KB and swagger-ui's ~2 MB as ~500 KB, once. All of them change only with a deployment.
 */
function serveCompressed(app: INestApplication): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  const assetsDir = dirname(require.resolve('swagger-ui-dist/package.json'));
  const sources = new Map<string, () => Promise<CompressedBody>>([
    ['/docs-json', () => compressed('application/json; charset=utf-8', Buffer.from(JSON.stringify(buildOpenApiDocument(app))))],
    ['/docs/swagger-ui-init.js', () => compressed('application/javascript; charset=utf-8', Buffer.from(INIT_SCRIPT))],
    ...Object.entries(UI_ASSETS).map(
      ([name, contentType]) =>
        [`/docs/${name}`, async () => compressed(contentType, await readFile(join(assetsDir, name)))] as [
          string,
          () => Promise<CompressedBody>,
        ],
    ),
  ]);
  const loaded = new Map<string, Promise<CompressedBody>>();
  const load = (path: string): Promise<CompressedBody> => {
    let body = loaded.get(path);
    if (!body) {
      body = sources.get(path)!();
      // A failure (a file that cannot be read) is not remembered: the next request tries again.
      body.catch(() => loaded.delete(path));
      loaded.set(path, body);
    }
    return body;
  };
  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return;
    const path = request.url.split('?')[0].replace(/(.)\/$/, '$1');
    if (!sources.has(path)) return;
    const body = await load(path);
    void reply
      .header('ETag', body.etag)
      .header('Cache-Control', 'public, max-age=300, must-revalidate')
      .header('Vary', 'Accept-Encoding')
      .header('Content-Type', body.contentType);
    if (request.headers['if-none-match'] === body.etag) return reply.code(304).send();
    const accepted = String(request.headers['accept-encoding'] ?? '');
    const encoding = body.br && /\bbr\b/.test(accepted) ? 'br' : body.gzip && /\bgzip\b/.test(accepted) ? 'gzip' : undefined;
    if (encoding) void reply.header('Content-Encoding', encoding);
    return reply.send(encoding ? body[encoding] : body.identity);
  });
}
