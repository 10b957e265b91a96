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
  /** Slow-client bounds, in milliseconds (HEADERS_TIMEOUT, REQUEST_TIMEOUT, KEEP_ALIVE_TIMEOUT). */
  readonly timeouts!: { headersMs: number; requestMs: number; keepAliveMs: number };
  readonly corsOrigins!: string[];
  readonly trustProxy!: TrustProxy;
  readonly login!: { maxFailures: number; lockSeconds: number };
  readonly rateLimit!: { windowSeconds: number; api: number; login: number; register: number };
  readonly logLevel!: EnvironmentVariables['LOG_LEVEL'];
  readonly metrics!: { enabled: boolean; token: string | undefined };
  readonly shutdownTimeoutSeconds!: number;
  /** After SIGTERM, /health/ready fails for this long while requests are still served, so load balancers move away first. */
  readonly shutdownDrainSeconds!: number;
  readonly argon2!: { memoryCost: number; timeCost: number; parallelism: number; concurrency: number };
  /** The per-process cache of the per-request session check (size 0: off). */
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

export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const env = plainToInstance(EnvironmentVariables, { ...source }, { exposeDefaultValues: true });
  const problems = flattenErrors(validateSync(env, { whitelist: false, forbidUnknownValues: false }));
  const isProduction = env.NODE_ENV === 'production';

  if (isProduction && !env.JWT_SECRET) {
    problems.push('JWT_SECRET is required when NODE_ENV=production (at least 32 random characters)');
  }
  if (isProduction && !env.DATABASE_URL) {
    problems.push('DATABASE_URL is required when NODE_ENV=production (the embedded PostgreSQL is for development only)');
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
  if (env.HEADERS_TIMEOUT > env.REQUEST_TIMEOUT) problems.push('HEADERS_TIMEOUT must not exceed REQUEST_TIMEOUT');
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = isAbsolute(env.DATA_DIR) ? env.DATA_DIR : resolve(process.cwd(), env.DATA_DIR);
  const secret = env.JWT_SECRET ?? developmentSecret(dataDir);

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
    }),
  );
}

/** The config with the database URL filled in once the embedded server is known. */
export function withDatabaseUrl(config: AppConfig, url: string): AppConfig {
  return Object.freeze(Object.assign(new AppConfig(), config, { database: { ...config.database, url } }));
}
