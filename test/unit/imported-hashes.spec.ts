import * as argon2 from 'argon2';
import { hashSync } from 'bcryptjs';
import { createHash, pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../../src/config/app-config';
import { hashFormat } from '../../src/common/security/imported-hashes';
import { PasswordHasher } from '../../src/common/security/password-hasher';

const hasher = new PasswordHasher({ argon2: { memoryCost: 19456, timeCost: 2, parallelism: 1, concurrency: 2 } } as AppConfig);

// Django 3.2's own test vector (django/tests/auth_tests/test_hashers.py): make_password('lètmein', 'seasalt', 'pbkdf2_sha256').
const DJANGO_PBKDF2_SHA256 = 'pbkdf2_sha256$260000$seasalt$YlZ2Vggtqdc61YjArZuoApoBh9JNGYoDRBUGu6tcJQo=';
// The same for pbkdf2_sha1 (dklen 20); real Django output is also checked end to end (test/fixtures/sources).
const DJANGO_PBKDF2_SHA1 = 'pbkdf2_sha1$260000$seasalt$XXHk2gQ7tjWIyrS320RXXsGqkUg=';

const bcrypt4 = (password: string): string => hashSync(password, 4);
const django = {
  pbkdf2: (password: string, salt = 'abcdefgh', iterations = 1000): string =>
    `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64')}`,
  bcryptSha256: (password: string): string => `bcrypt_sha256$${bcrypt4(createHash('sha256').update(password).digest('hex'))}`,
  bcrypt: (password: string): string => `bcrypt$${bcrypt4(password)}`,
};

beforeAll(async () => {
  await hasher.onModuleInit();
});

describe('hashFormat', () => {
  it.each([
    [DJANGO_PBKDF2_SHA256, 'django_pbkdf2_sha256'],
    [DJANGO_PBKDF2_SHA1, 'django_pbkdf2_sha1'],
    ['bcrypt_sha256$$2b$12$ABCDEFGHIJKLMNOPQRSTUu5eLqEhOX/6Dq0oiuYbNzfSUdOeb5Dfu', 'django_bcrypt_sha256'],
    ['bcrypt$$2b$12$ABCDEFGHIJKLMNOPQRSTUu5eLqEhOX/6Dq0oiuYbNzfSUdOeb5Dfu', 'django_bcrypt'],
    ['argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo', 'django_argon2'],
    ['$2a$10$ABCDEFGHIJKLMNOPQRSTUu5eLqEhOX/6Dq0oiuYbNzfSUdOeb5Dfu', 'bcrypt'],
    ['$2y$10$ABCDEFGHIJKLMNOPQRSTUu5eLqEhOX/6Dq0oiuYbNzfSUdOeb5Dfu', 'bcrypt'],
    ['$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo', 'argon2'],
    ['!Xp2z8yNq3vW7eR4tY6uI1oP0aS5dF9gH2jK3lZ7x', 'unusable'],
    ['md5$salt$5f4dcc3b5aa765d61d8327deb882cf99', null],
    ['sha1$salt$abc', null],
    ['plaintext', null],
    ['', null],
  ])('%s -> %p', (hash, format) => {
    expect(hashFormat(hash)).toBe(format);
  });
});

describe('PasswordHasher.verify with imported hashes', () => {
  it("matches Django's own PBKDF2 test vectors and nothing else", async () => {
    expect(await hasher.verify(DJANGO_PBKDF2_SHA256, 'lètmein')).toBe(true);
    expect(await hasher.verify(DJANGO_PBKDF2_SHA256, 'letmein')).toBe(false);
    expect(await hasher.verify(DJANGO_PBKDF2_SHA1, 'lètmein')).toBe(true);
    expect(await hasher.verify(DJANGO_PBKDF2_SHA1, 'lètmeiN')).toBe(false);
  });

  it.each([
    ['Django pbkdf2_sha256', django.pbkdf2],
    ['Django bcrypt_sha256', django.bcryptSha256],
    ['Django bcrypt', django.bcrypt],
    ['plain bcrypt $2a$ (Go, bcryptjs)', (p: string) => bcrypt4(p).replace(/^\$2b\$/, '$2a$')],
    ['plain bcrypt $2b$', bcrypt4],
    ['plain bcrypt $2y$', (p: string) => bcrypt4(p).replace(/^\$2b\$/, '$2y$')],
  ])('%s: the right password matches, a wrong one does not', async (_name, make) => {
    const stored = make('Correct horse 1');
    expect(await hasher.verify(stored, 'Correct horse 1')).toBe(true);
    expect(await hasher.verify(stored, 'Correct horse 2')).toBe(false);
    expect(await hasher.verify(stored, '')).toBe(false);
  });

  it("bcrypt_sha256 counts the whole of a password longer than bcrypt's 72 bytes", async () => {
    const long = 'x'.repeat(80);
    const stored = django.bcryptSha256(long);
    expect(await hasher.verify(stored, long)).toBe(true);
    expect(await hasher.verify(stored, `${'x'.repeat(79)}y`)).toBe(false);
  });

  it("Django's argon2$ form and PHC strings", async () => {
    const phc = await argon2.hash('Argon pass 1', { type: argon2.argon2id, memoryCost: 8192, timeCost: 1 });
    expect(await hasher.verify(phc, 'Argon pass 1')).toBe(true);
    expect(await hasher.verify(`argon2${phc}`, 'Argon pass 1')).toBe(true);
    expect(await hasher.verify(`argon2${phc}`, 'Argon pass 2')).toBe(false);
    const argon2i = await argon2.hash('Argon pass 1', { type: argon2.argon2i, memoryCost: 8192, timeCost: 1 });
    expect(await hasher.verify(`argon2${argon2i}`, 'Argon pass 1')).toBe(true);
  });

  it('an unusable (!...) or unknown hash never matches, whatever the password', async () => {
    expect(await hasher.verify('!', '')).toBe(false);
    expect(await hasher.verify('!abcdef', '!abcdef')).toBe(false);
    expect(await hasher.verify('!abcdef', 'abcdef')).toBe(false);
    expect(await hasher.verify('md5$salt$5f4dcc3b5aa765d61d8327deb882cf99', 'password')).toBe(false);
    expect(await hasher.verify(null, 'anything')).toBe(false);
  });

  it('a malformed PBKDF2 digest length never matches', async () => {
    expect(await hasher.verify('pbkdf2_sha256$1000$salt$YWJj', 'abc')).toBe(false);
  });
});

describe('PasswordHasher.needsRehash of imported hashes', () => {
  it.each([
    [DJANGO_PBKDF2_SHA256, true],
    [DJANGO_PBKDF2_SHA1, true],
    ['bcrypt_sha256$$2b$12$ABCDEFGHIJKLMNOPQRSTUu5eLqEhOX/6Dq0oiuYbNzfSUdOeb5Dfu', true],
    ['$2a$10$ABCDEFGHIJKLMNOPQRSTUu5eLqEhOX/6Dq0oiuYbNzfSUdOeb5Dfu', true],
    ['argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo', true],
    ['!unusable', false],
  ])('%s -> %p', (stored, expected) => {
    expect(hasher.needsRehash(stored)).toBe(expected);
  });
});

describe('hashes made by real Django 3.2, Go-style bcrypt ($2a$10$): test/fixtures/sources', () => {
  // SOURCE_EXPORTS_DIR: a fresh run of make-exports.sh (CI); the committed copy otherwise.
  const dir = process.env.SOURCE_EXPORTS_DIR ?? join(__dirname, '../fixtures/sources/generated');
  const accounts = JSON.parse(readFileSync(join(dir, 'accounts.json'), 'utf8')) as Record<string, Record<string, string>>;
  const dump = JSON.parse(readFileSync(join(dir, '000-dumpdata.json'), 'utf8')) as { model: string; fields: Record<string, unknown> }[];
  const djangoUsers = dump.filter((record) => record.model === 'auth.user').map((record) => record.fields);
  const hashOf = (username: string): string => djangoUsers.find((u) => u.username === username)?.password as string;

  it.each(Object.entries(accounts['000']))('000 %s: its password matches, another does not', async (username, password) => {
    expect(await hasher.verify(hashOf(username), password)).toBe(true);
    expect(await hasher.verify(hashOf(username), `${password}x`)).toBe(false);
  });

  it("000: Django's unusable password (set_unusable_password) and an MD5 hash are never matched", async () => {
    expect(hashOf('patient005').startsWith('!')).toBe(true);
    expect(await hasher.verify(hashOf('patient005'), '')).toBe(false);
    expect(hashFormat(hashOf('md5user009'))).toBeNull();
  });

  it('001 and 003: $2a$10$ bcrypt', async () => {
    const mongo = JSON.parse(readFileSync(join(dir, '001-export.json'), 'utf8')) as { users: { username: string; password: string }[] };
    const koa = JSON.parse(readFileSync(join(dir, '003-users.json'), 'utf8')) as { username: string; password: string }[];
    expect(mongo.users[0].password.startsWith('$2a$10$')).toBe(true);
    expect(await hasher.verify(mongo.users[0].password, accounts['001'][mongo.users[0].username])).toBe(true);
    expect(await hasher.verify(koa[0].password, accounts['003'][koa[0].username])).toBe(true);
  });
});
