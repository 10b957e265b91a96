import { availableParallelism } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/app-config';

const dataDir = mkdtempSync(join(tmpdir(), 'ums-config-'));
const secret = 'x'.repeat(40);

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
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, DATABASE_URL: 'postgres://h/db' })).not.toThrow();
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
