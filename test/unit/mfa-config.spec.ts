import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseMfaKey } from '../../src/config/app-config';
import { newRecoveryCodes, normalizeRecoveryCode, openSecret, sealSecret } from '../../src/mfa/totp';

const dataDir = mkdtempSync(join(tmpdir(), 'ums-mfa-config-'));

describe('second-factor configuration', () => {
  const key = randomBytes(32);

  it('takes MFA_ENCRYPTION_KEY as 64 hex characters or as base64 (standard or URL-safe)', () => {
    expect(parseMfaKey(key.toString('hex'))).toEqual(key);
    expect(parseMfaKey(key.toString('hex').toUpperCase())).toEqual(key);
    expect(parseMfaKey(key.toString('base64'))).toEqual(key);
    expect(parseMfaKey(key.toString('base64url'))).toEqual(key);
    expect(parseMfaKey(` ${key.toString('base64')} `)).toEqual(key);
  });

  it.each([
    ['too short hex', randomBytes(16).toString('hex')],
    ['too long base64', randomBytes(48).toString('base64')],
    ['a passphrase', 'correct horse battery staple correct horse'],
    ['63 hex characters', randomBytes(32).toString('hex').slice(1)],
  ])('refuses %s at start-up, naming the variable', (_name, value) => {
    expect(parseMfaKey(value)).toBeNull();
    expect(() => loadConfig({ DATA_DIR: dataDir, MFA_ENCRYPTION_KEY: value })).toThrow(/MFA_ENCRYPTION_KEY must be 32 bytes/);
  });

  it('defaults: no key (TOTP enrolment refused with 40306), no required roles, WebAuthn on localhost', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config.mfa).toEqual({ issuer: 'User Management Service', encryptionKey: null, requiredRoles: [] });
    expect(config.webauthn).toEqual({ rpId: 'localhost', rpName: 'User Management Service', origins: ['http://localhost:3000'] });
  });

  it('reads MFA_REQUIRED_ROLES and WEBAUTHN_ORIGINS as lists, and refuses unknown roles and bad origins', () => {
    const config = loadConfig({
      DATA_DIR: dataDir,
      MFA_REQUIRED_ROLES: 'admin, superadmin',
      WEBAUTHN_ORIGINS: 'https://app.example.com, http://localhost:8080',
    });
    expect(config.mfa.requiredRoles).toEqual(['admin', 'superadmin']);
    expect(config.webauthn.origins).toEqual(['https://app.example.com', 'http://localhost:8080']);
    expect(() => loadConfig({ DATA_DIR: dataDir, MFA_REQUIRED_ROLES: 'admins' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_DIR: dataDir, WEBAUTHN_ORIGINS: 'app.example.com' })).toThrow(/WEBAUTHN_ORIGINS/);
  });

  it('seals TOTP secrets with AES-256-GCM: another key cannot open them, a changed byte fails', () => {
    const sealed = sealSecret(key, 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    expect(sealed).not.toContain('JBSWY3DP');
    expect(openSecret(key, sealed)).toBe('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP');
    expect(openSecret(randomBytes(32), sealed)).toBeNull();
    expect(openSecret(key, `${sealed.slice(0, -2)}AA`)).toBeNull();
  });

  it('makes 10 distinct recovery codes and reads them whatever the case, spaces and dashes', () => {
    const codes = newRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    expect(normalizeRecoveryCode(` ${codes[0].toUpperCase()} `)).toBe(codes[0].replace('-', ''));
  });
});
