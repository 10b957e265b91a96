import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

/** Environment values arrive as strings; "true"/"1"/"yes" mean true, everything else false. */
const toBoolean = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase()) : value;

const emptyToUndefined = ({ value }: { value: unknown }): unknown => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/**
 * Every environment variable the service reads, with its default.
 * The README's configuration table is written from this class; keep them in step.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** How long start-up keeps trying to reach an unreachable database (with backoff) before giving up; 0: one attempt. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86400)
  DATABASE_CONNECT_TIMEOUT_SECONDS = 120;

  @Transform(toBoolean)
  @IsBoolean()
  MIGRATIONS_RUN = true;

  @IsString()
  DATA_DIR = '.data';

  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters: generate one, e.g. `openssl rand -base64 48`' })
  JWT_SECRET?: string;

  @Type(() => Number)
  @IsInt()
  @Min(30)
  @Max(86400)
  JWT_ACCESS_TTL = 900;

  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(31536000)
  JWT_REFRESH_TTL = 1209600;

  @IsString()
  @MaxLength(200)
  JWT_ISSUER = 'user-management-service';

  @IsString()
  @MaxLength(200)
  JWT_AUDIENCE = 'user-management-api';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(120)
  REFRESH_REUSE_GRACE_SECONDS = 10;

  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(31536000)
  SESSION_MAX_AGE = 2592000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  SUPERADMIN_USERNAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  SUPERADMIN_EMAIL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  SUPERADMIN_PASSWORD?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'ADMIN_INVITATION_CODE must be at least 8 characters' })
  @MaxLength(128)
  ADMIN_INVITATION_CODE?: string;

  @IsIn(['superadmin', 'admin'])
  USER_DELETE_MIN_ROLE: 'superadmin' | 'admin' = 'superadmin';

  @Type(() => Number)
  @IsInt()
  @Min(6, { message: 'PASSWORD_MIN_LENGTH can only be raised above 6' })
  @Max(128)
  PASSWORD_MIN_LENGTH = 6;

  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(10485760)
  BODY_LIMIT = 102400;

  /** Largest body of POST /imports (a source system's export), in bytes. */
  @Type(() => Number)
  @IsInt()
  @Min(1024)
  @Max(1073741824)
  IMPORT_BODY_LIMIT = 20971520;

  /** Seconds a client has to send the request line and all headers (408, then close). At most REQUEST_TIMEOUT. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(600)
  HEADERS_TIMEOUT = 10;

  /** Seconds a client has to send the whole request, body included (408, then close). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  REQUEST_TIMEOUT = 30;

  /** Seconds an idle keep-alive connection stays open between requests. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(600)
  KEEP_ALIVE_TIMEOUT = 72;

  @IsString()
  CORS_ORIGINS = '';

  @IsString()
  TRUST_PROXY = 'false';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES = 5;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_LOCK_SECONDS = 900;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86400)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100000000)
  RATE_LIMIT_API = 6000;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000000)
  RATE_LIMIT_LOGIN = 100;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000000)
  RATE_LIMIT_REGISTER = 100;

  /** Optional: per-client rate limits in Redis instead of PostgreSQL (redis:// URL). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// URL' })
  REDIS_URL?: string;

  /** Comma-separated postgres:// URLs of read replicas (streaming standbys of DATABASE_URL). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^,]+(,\s*postgres(ql)?:\/\/[^,]+)*$/, {
    message: 'DATABASE_REPLICA_URLS must be comma-separated postgres:// URLs',
  })
  DATABASE_REPLICA_URLS?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3600)
  REPLICA_MAX_LAG_SECONDS = 5;

  @Transform(toBoolean)
  @IsBoolean()
  METRICS_ENABLED = true;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(300)
  SHUTDOWN_TIMEOUT_SECONDS = 10;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(120)
  SHUTDOWN_DRAIN_SECONDS = 5;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  @Type(() => Number)
  @IsInt()
  @Min(19456, { message: 'ARGON2_MEMORY_KIB cannot go below the OWASP minimum of 19456' })
  @Max(4194304)
  ARGON2_MEMORY_KIB = 19456;

  @Type(() => Number)
  @IsInt()
  @Min(2, { message: 'ARGON2_TIME_COST cannot go below the OWASP minimum of 2' })
  @Max(20)
  ARGON2_TIME_COST = 2;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(16)
  ARGON2_PARALLELISM = 1;

  /** Hashes computed at once; 0 means one per CPU core (more only queue in the thread pool and evict each other from the caches). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(64)
  ARGON2_CONCURRENCY = 0;

  // Mail (account recovery, email verification): src/mail/.
  /** `smtp://user:pass@host:port` (or smtps://). Unset: outside production each mail is one JSON log line; in production the mail flows answer 503. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\//, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  @MaxLength(2000)
  SMTP_URL?: string;

  @IsString()
  @MaxLength(320)
  MAIL_FROM = 'User Management <no-reply@localhost>';

  /** Base of every link in a mail (no trailing slash needed). */
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'PUBLIC_URL must be an http(s) URL' })
  @MaxLength(2000)
  PUBLIC_URL = 'http://localhost:3000';

  @IsIn(['off', 'optional', 'required'])
  EMAIL_VERIFICATION: 'off' | 'optional' | 'required' = 'optional';

  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(86400)
  PASSWORD_RESET_TTL = 1800;

  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(2592000)
  EMAIL_VERIFY_TTL = 86400;

  /** Reset mails per address (and per account) per hour, counted in the outbox, so the limit holds across instances. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  PASSWORD_RESET_MAX_PER_HOUR = 5;

  /** A directory with {en,zh-CN}/<template>.{subject,txt,html} files that replace the built-in ones. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  MAIL_TEMPLATES_DIR?: string;

  /** First retry delay in seconds; each later retry waits twice as long (pg-boss retryBackoff). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  MAIL_RETRY_DELAY = 10;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100)
  MAIL_RETRY_LIMIT = 10;

  /** Seconds one delivery attempt may take; an attempt whose instance died is retried after this long. */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(600)
  MAIL_SEND_TIMEOUT = 60;

  /** The issuer shown by authenticator apps (the otpauth:// URI's issuer). */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  MFA_ISSUER = 'User Management Service';

  /** 32 bytes as 64 hex characters or as base64; encrypts TOTP secrets (AES-256-GCM). Needed once anyone enrols TOTP. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  MFA_ENCRYPTION_KEY?: string;

  /** Comma-separated roles that must enrol a second factor before anything but enrolment works. */
  @IsString()
  MFA_REQUIRED_ROLES = '';

  /** The WebAuthn relying party: the site's registrable domain (no scheme, no port). */
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  WEBAUTHN_RP_ID = 'localhost';

  @IsString()
  @MinLength(1)
  @MaxLength(64)
  WEBAUTHN_RP_NAME = 'User Management Service';

  /** Comma-separated origins a WebAuthn ceremony may come from (scheme://host[:port]). */
  @IsString()
  WEBAUTHN_ORIGINS = 'http://localhost:3000';
}
