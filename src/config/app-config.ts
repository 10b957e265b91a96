import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { EnvironmentVariables } from './env.schema';

export type Role = 'user' | 'admin' | 'superadmin';
export type TrustProxy = boolean | number | string[];

/** The typed, validated configuration. Built once at boot; everything else reads this. */
export class AppConfig {
  readonly env!: 'development' | 'production' | 'test';
  readonly isProduction!: boolean;
  readonly port!: number;
  readonly host!: string;
  readonly dataDir!: string;
  readonly database!: {
    /** Unset until the embedded server is up when DATABASE_URL is not given. */
    url: string | undefined;
    embedded: boolean;
    embeddedPort: number;
    poolSize: number;
    /** Start-up waits this long for an unreachable database, retrying with backoff. */
    connectTimeoutSeconds: number;
    migrationsRun: boolean;
    /** False only for tools that build the app without a database (the OpenAPI generator). */
    connect: boolean;
  };
  readonly jwt!: {
    secret: string;
    /**
     * The secret as a KeyObject: jsonwebtoken otherwise tries (and fails) to parse a string secret
     * as a PEM public key on every sign and verify, which cost a third of an authenticated request.
     */
    key: KeyObject;
    secretIsGenerated: boolean;
    accessTtl: number;
    refreshTtl: number;
    issuer: string;
    audience: string;
    refreshReuseGraceSeconds: number;
    /** A session ends this long after sign-in, however often it is refreshed. */
    sessionMaxAge: number;
  };
  readonly superadmin!: { username?: string; email?: string; password?: string };
  readonly adminInvitationCode!: string | undefined;
  readonly userDeleteMinRole!: Role;
  readonly passwordMinLength!: number;
  readonly bodyLimit!: number;
  /** IMPORT_BODY_LIMIT: the body limit of POST /imports. */
  readonly importBodyLimit!: number;
  /** Slow-client bounds, in milliseconds (HEADERS_TIMEOUT, REQUEST_TIMEOUT, KEEP_ALIVE_TIMEOUT). */
  readonly timeouts!: { headersMs: number; requestMs: number; keepAliveMs: number };
  readonly corsOrigins!: string[];
  readonly trustProxy!: TrustProxy;
  readonly login!: { maxFailures: number; lockSeconds: number };
  readonly rateLimit!: { windowSeconds: number; api: number; login: number; register: number; redisUrl: string | undefined };
  /** Read replicas (DATABASE_REPLICA_URLS) and the lag past which one is skipped. */
  readonly replicas!: { urls: string[]; maxLagSeconds: number };
  readonly logLevel!: EnvironmentVariables['LOG_LEVEL'];
  readonly metrics!: { enabled: boolean; token: string | undefined };
  readonly shutdownTimeoutSeconds!: number;
  /** After SIGTERM, /health/ready fails for this long while requests are still served, so load balancers move away first. */
  readonly shutdownDrainSeconds!: number;
  readonly argon2!: { memoryCost: number; timeCost: number; parallelism: number; concurrency: number };
  readonly mail!: {
    smtpUrl: string | undefined;
    from: string;
    publicUrl: string;
    templatesDir: string | undefined;
    /** Outside production without SMTP_URL each message is a JSON log line; in production without it the mail flows answer 503. */
    transport: 'smtp' | 'log' | 'none';
    verification: 'off' | 'optional' | 'required';
    resetTtl: number;
    verifyTtl: number;
    resetMaxPerHour: number;
    retryDelay: number;
    retryLimit: number;
    sendTimeout: number;
  };
  /** The per-process cache of the per-request session check (size 0: off). */
  /** The second factor: TOTP issuer and secret key (null: TOTP enrolment refused), roles that must enrol, WebAuthn party. */
  readonly mfa!: { issuer: string; encryptionKey: Buffer | null; requiredRoles: Role[] };
  readonly webauthn!: { rpId: string; rpName: string; origins: string[] };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

function flattenErrors(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => Object.values(error.constraints ?? {}));
}

function parseTrustProxy(raw: string): TrustProxy {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0' || value === 'no') return false;
  // "true" believes one proxy hop (the address your proxy saw), never a client-written left-most entry.
  if (value === 'true' || value === 'yes') return 1;
  if (/^\d+$/.test(value)) return Number(value);
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** Outside production a missing JWT_SECRET is generated once and kept under DATA_DIR, so restarts keep sessions. */
function developmentSecret(dataDir: string): string {
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Values people leave in from examples and templates; a secret containing one is public. */
const PLACEHOLDER_SECRET =
  /change[-_ .]?me|replace[-_ .]?me|your[-_ .]?(jwt[-_ .]?)?secret|placeholder|example|secret[-_ .]?key|not[-_ .]?secure|insecure/i;
const MIN_SECRET_BYTES = 32;
const MIN_DISTINCT_SECRET_CHARACTERS = 10;

/** Why a production JWT_SECRET is refused, if it is. */
export function weakSecretProblem(secret: string): string | undefined {
  const advice = 'generate one, e.g. `openssl rand -base64 48`';
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) return `JWT_SECRET must be at least ${MIN_SECRET_BYTES} bytes: ${advice}`;
  if (PLACEHOLDER_SECRET.test(secret) || new Set(secret).size < MIN_DISTINCT_SECRET_CHARACTERS) {
    return `JWT_SECRET looks like a placeholder, and a published secret lets anyone sign tokens: ${advice}`;
  }
  return undefined;
}

/**
 * A DATABASE_URL that a URL parser reads differently from what was meant: most often a password
 * holding `#`, `@`, `/` or `?` without percent-encoding (the rest is then read as a fragment or a host).
 */
export function databaseUrlProblem(url: string): string | undefined {
  const advice = 'percent-encode reserved characters in the user name and password (# as %23, @ as %40, / as %2F, ? as %3F, : as %3A)';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `DATABASE_URL is not a valid URL: ${advice}`;
  }
  if (parsed.hash || !parsed.hostname) return `DATABASE_URL is not read as you meant it (it has a '#' fragment or no host): ${advice}`;
  return undefined;
}

/** MFA_ENCRYPTION_KEY: 32 bytes as 64 hex characters or as base64 (standard or URL-safe); null when it is neither. */
export function parseMfaKey(raw: string): Buffer | null {
  const value = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
    const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes;
  }
  return null;
}

const ROLES: readonly Role[] = ['user', 'admin', 'superadmin'];

export interface LoadConfigOptions {
  /** False for tools that sign no tokens (the create-superadmin CLI): JWT_SECRET is then neither required nor checked. */
  needsJwtSecret?: boolean;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): AppConfig {
  const needsJwtSecret = options.needsJwtSecret ?? true;
  const env = plainToInstance(EnvironmentVariables, { ...source }, { exposeDefaultValues: true });
  const problems = flattenErrors(validateSync(env, { whitelist: false, forbidUnknownValues: false }));
  const isProduction = env.NODE_ENV === 'production';

  if (isProduction && needsJwtSecret && !env.JWT_SECRET) {
    problems.push('JWT_SECRET is required when NODE_ENV=production (at least 32 random bytes, e.g. `openssl rand -base64 48`)');
  }
  if (isProduction && needsJwtSecret && env.JWT_SECRET && env.JWT_SECRET.length >= MIN_SECRET_BYTES) {
    const problem = weakSecretProblem(env.JWT_SECRET);
    if (problem) problems.push(problem);
  }
  if (isProduction && !env.DATABASE_URL) {
    problems.push('DATABASE_URL is required when NODE_ENV=production (the embedded PostgreSQL is for development only)');
  }
  if (env.DATABASE_URL && /^postgres(ql)?:\/\//.test(env.DATABASE_URL)) {
    const problem = databaseUrlProblem(env.DATABASE_URL);
    if (problem) problems.push(problem);
  }
  const admin = [env.SUPERADMIN_USERNAME, env.SUPERADMIN_EMAIL, env.SUPERADMIN_PASSWORD];
  if (admin.some(Boolean) && !admin.every(Boolean)) {
    problems.push('SUPERADMIN_USERNAME, SUPERADMIN_EMAIL and SUPERADMIN_PASSWORD must be set together');
  }
  // The first superadmin follows the same rules as every account.
  if (env.SUPERADMIN_USERNAME && !/^[A-Za-z0-9]{6,22}$/.test(env.SUPERADMIN_USERNAME)) {
    problems.push('SUPERADMIN_USERNAME must be 6 to 22 letters and digits');
  }
  if (env.SUPERADMIN_EMAIL && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(env.SUPERADMIN_EMAIL))
    problems.push('SUPERADMIN_EMAIL must be an email address');
  if (env.SUPERADMIN_PASSWORD && (env.SUPERADMIN_PASSWORD.length < env.PASSWORD_MIN_LENGTH || env.SUPERADMIN_PASSWORD.length > 128)) {
    problems.push(`SUPERADMIN_PASSWORD must be ${env.PASSWORD_MIN_LENGTH} to 128 characters`);
  }
  if (isProduction && !env.SMTP_URL && env.EMAIL_VERIFICATION === 'required') {
    problems.push('EMAIL_VERIFICATION=required needs SMTP_URL in production (no account could ever be verified)');
  }
  if (env.HEADERS_TIMEOUT > env.REQUEST_TIMEOUT) problems.push('HEADERS_TIMEOUT must not exceed REQUEST_TIMEOUT');
  const mfaKey = env.MFA_ENCRYPTION_KEY ? parseMfaKey(env.MFA_ENCRYPTION_KEY) : null;
  if (env.MFA_ENCRYPTION_KEY && !mfaKey) {
    problems.push('MFA_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or as base64: generate one, e.g. `openssl rand -hex 32`');
  }
  const mfaRoles = env.MFA_REQUIRED_ROLES.split(',')
    .map((role) => role.trim())
    .filter(Boolean);
  if (mfaRoles.some((role) => !ROLES.includes(role as Role)))
    problems.push('MFA_REQUIRED_ROLES must list roles among user, admin, superadmin');
  const webauthnOrigins = env.WEBAUTHN_ORIGINS.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  if (webauthnOrigins.some((origin) => !/^https?:\/\/[^/\s]+$/.test(origin))) {
    problems.push('WEBAUTHN_ORIGINS must be comma-separated origins such as https://app.example.com');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = isAbsolute(env.DATA_DIR) ? env.DATA_DIR : resolve(process.cwd(), env.DATA_DIR);
  // A tool that signs nothing gets a throw-away secret: nothing it does depends on the value.
  const secret = env.JWT_SECRET ?? (needsJwtSecret ? developmentSecret(dataDir) : randomBytes(48).toString('base64url'));

  return Object.freeze(
    Object.assign(new AppConfig(), {
      env: env.NODE_ENV,
      isProduction,
      port: env.PORT,
      host: env.HOST,
      dataDir,
      database: {
        url: env.DATABASE_URL,
        embedded: !env.DATABASE_URL,
        embeddedPort: env.EMBEDDED_PG_PORT,
        poolSize: env.DATABASE_POOL_SIZE,
        connectTimeoutSeconds: env.DATABASE_CONNECT_TIMEOUT_SECONDS,
        migrationsRun: env.MIGRATIONS_RUN,
        connect: true,
      },
      jwt: {
        secret,
        key: createSecretKey(Buffer.from(secret, 'utf8')),
        secretIsGenerated: !env.JWT_SECRET,
        accessTtl: env.JWT_ACCESS_TTL,
        refreshTtl: env.JWT_REFRESH_TTL,
        issuer: env.JWT_ISSUER,
        audience: env.JWT_AUDIENCE,
        refreshReuseGraceSeconds: env.REFRESH_REUSE_GRACE_SECONDS,
        sessionMaxAge: env.SESSION_MAX_AGE,
      },
      superadmin: {
        username: env.SUPERADMIN_USERNAME,
        email: env.SUPERADMIN_EMAIL,
        password: env.SUPERADMIN_PASSWORD,
      },
      adminInvitationCode: env.ADMIN_INVITATION_CODE,
      userDeleteMinRole: env.USER_DELETE_MIN_ROLE,
      passwordMinLength: env.PASSWORD_MIN_LENGTH,
      bodyLimit: env.BODY_LIMIT,
      importBodyLimit: env.IMPORT_BODY_LIMIT,
      timeouts: {
        headersMs: env.HEADERS_TIMEOUT * 1000,
        requestMs: env.REQUEST_TIMEOUT * 1000,
        keepAliveMs: env.KEEP_ALIVE_TIMEOUT * 1000,
      },
      corsOrigins: env.CORS_ORIGINS.split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      login: { maxFailures: env.LOGIN_MAX_FAILURES, lockSeconds: env.LOGIN_LOCK_SECONDS },
      rateLimit: {
        windowSeconds: env.RATE_LIMIT_WINDOW_SECONDS,
        api: env.RATE_LIMIT_API,
        login: env.RATE_LIMIT_LOGIN,
        register: env.RATE_LIMIT_REGISTER,
        redisUrl: env.REDIS_URL,
      },
      replicas: {
        urls: (env.DATABASE_REPLICA_URLS ?? '')
          .split(',')
          .map((url) => url.trim())
          .filter(Boolean),
        maxLagSeconds: env.REPLICA_MAX_LAG_SECONDS,
      },
      logLevel: env.LOG_LEVEL,
      metrics: { enabled: env.METRICS_ENABLED, token: env.METRICS_TOKEN },
      shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT_SECONDS,
      shutdownDrainSeconds: env.SHUTDOWN_DRAIN_SECONDS,
      argon2: {
        memoryCost: env.ARGON2_MEMORY_KIB,
        timeCost: env.ARGON2_TIME_COST,
        parallelism: env.ARGON2_PARALLELISM,
        concurrency: env.ARGON2_CONCURRENCY || availableParallelism(),
      },
      mail: {
        smtpUrl: env.SMTP_URL,
        from: env.MAIL_FROM,
        publicUrl: env.PUBLIC_URL.replace(/\/+$/, ''),
        templatesDir: env.MAIL_TEMPLATES_DIR ? resolve(process.cwd(), env.MAIL_TEMPLATES_DIR) : undefined,
        transport: env.SMTP_URL ? 'smtp' : isProduction ? 'none' : 'log',
        verification: env.EMAIL_VERIFICATION,
        resetTtl: env.PASSWORD_RESET_TTL,
        verifyTtl: env.EMAIL_VERIFY_TTL,
        resetMaxPerHour: env.PASSWORD_RESET_MAX_PER_HOUR,
        retryDelay: env.MAIL_RETRY_DELAY,
        retryLimit: env.MAIL_RETRY_LIMIT,
        sendTimeout: env.MAIL_SEND_TIMEOUT,
      },
      mfa: { issuer: env.MFA_ISSUER, encryptionKey: mfaKey, requiredRoles: mfaRoles as Role[] },
      webauthn: { rpId: env.WEBAUTHN_RP_ID, rpName: env.WEBAUTHN_RP_NAME, origins: webauthnOrigins },
    }),
  );
}

/** The config with the database URL filled in once the embedded server is known. */
export function withDatabaseUrl(config: AppConfig, url: string): AppConfig {
  return Object.freeze(Object.assign(new AppConfig(), config, { database: { ...config.database, url } }));
}
