import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/app-config';

const dataDir = mkdtempSync(join(tmpdir(), 'ums-config-'));
const randomSecret = randomBytes(36).toString('base64');

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toEqual(
      expect.objectContaining({
        port: 3000,
        bodyLimit: 102400,
        timeouts: { headersMs: 10000, requestMs: 30000, keepAliveMs: 72000 },
        passwordMinLength: 6,
        userDeleteMinRole: 'superadmin',
        trustProxy: false,
        logLevel: 'info',
      }),
    );
    expect(config.jwt).toEqual(expect.objectContaining({ accessTtl: 900, refreshTtl: 1209600, secretIsGenerated: true }));
    expect(config.database).toEqual(expect.objectContaining({ embedded: true, embeddedPort: 54329, migrationsRun: true }));
    expect(config.login).toEqual({ maxFailures: 5, lockSeconds: 900 });
    expect(config.argon2).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1, concurrency: availableParallelism() });
  });

  it('keeps a generated development secret between boots', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).jwt.secret).toBe(loadConfig({ DATA_DIR: dataDir }).jwt.secret);
  });

  it('refuses production without JWT_SECRET or DATABASE_URL, naming each', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir })).toThrow(ConfigError);
    try {
      loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir });
    } catch (error) {
      expect((error as Error).message).toMatch(/JWT_SECRET is required/);
      expect((error as Error).message).toMatch(/DATABASE_URL is required/);
      expect((error as Error).message).not.toContain('\n');
    }
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: randomSecret, DATABASE_URL: 'postgres://h/db' })).not.toThrow();
  });

  const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://h/db', DATA_DIR: dataDir };
  const messageOf = (env: NodeJS.ProcessEnv): string => {
    try {
      loadConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('loadConfig accepted it');
  };

  it.each([
    ['the docker-compose.yml placeholder', 'change-me-to-48-random-characters-change-me-now!!', /looks like a placeholder/],
    ['a "changeme" value', 'changeme-changeme-changeme-changeme-1234', /looks like a placeholder/],
    ['a "your secret" value', 'your-jwt-secret-goes-here-0123456789abcdef', /looks like a placeholder/],
    ['one character repeated', 'x'.repeat(40), /looks like a placeholder/],
    ['31 bytes', randomBytes(31).toString('hex').slice(0, 31), /at least 32/],
  ])('refuses %s as a production JWT_SECRET, in one line saying what to do', (_what, value, reason) => {
    const message = messageOf({ ...production, JWT_SECRET: value });
    expect(message).toMatch(reason);
    expect(message).toContain('openssl rand');
    expect(message).not.toContain('\n');
  });

  it('accepts a placeholder-looking secret outside production, and none at all for tools that sign nothing', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir, JWT_SECRET: 'change-me-to-48-random-characters-change-me-now!!' })).not.toThrow();
    const cli = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://h/db', DATA_DIR: dataDir }, { needsJwtSecret: false });
    expect(cli.jwt.secret.length).toBeGreaterThanOrEqual(32);
  });

  it.each([
    ['a # in the password', 'postgres://app:s3cr#tz@db.internal:5432/users'],
    ['a password starting with #', 'postgres://app:#s3crtz@db.internal:5432/users'],
  ])('refuses a DATABASE_URL with %s, saying to percent-encode it and never echoing it', (_what, url) => {
    const message = messageOf({ DATA_DIR: dataDir, DATABASE_URL: url });
    expect(message).toContain('# as %23');
    expect(message).not.toContain('s3cr');
    expect(() => loadConfig({ DATA_DIR: dataDir, DATABASE_URL: url.replace('#', '%23') })).not.toThrow();
  });

  it.each([
    [{ PORT: 'abc' }],
    [{ PASSWORD_MIN_LENGTH: '4' }],
    [{ ARGON2_MEMORY_KIB: '1024' }],
    [{ JWT_SECRET: 'short' }],
    [{ USER_DELETE_MIN_ROLE: 'user' }],
    [{ DATABASE_URL: 'mysql://x' }],
    [{ SUPERADMIN_USERNAME: 'only-one' }],
  ])('refuses %p', (env) => {
    expect(() => loadConfig({ DATA_DIR: dataDir, ...env })).toThrow(ConfigError);
  });

  it.each([
    ['false', false],
    ['true', 1],
    ['2', 2],
    ['10.0.0.0/8, 127.0.0.1', ['10.0.0.0/8', '127.0.0.1']],
  ])('reads TRUST_PROXY=%s', (value, expected) => {
    expect(loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it('refuses a HEADERS_TIMEOUT above REQUEST_TIMEOUT', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir, HEADERS_TIMEOUT: '40', REQUEST_TIMEOUT: '30' })).toThrow(
      'HEADERS_TIMEOUT must not exceed REQUEST_TIMEOUT',
    );
  });

  it('reads booleans and lists', () => {
    const config = loadConfig({ DATA_DIR: dataDir, MIGRATIONS_RUN: 'false', CORS_ORIGINS: 'https://a.example, https://b.example' });
    expect(config.database.migrationsRun).toBe(false);
    expect(config.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });
});
