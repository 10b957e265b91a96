import type { AppConfig } from '../../src/config/app-config';
import { PasswordHasher } from '../../src/common/security/password-hasher';

const hasher = new PasswordHasher({ argon2: { memoryCost: 19456, timeCost: 3, parallelism: 1, concurrency: 2 } } as AppConfig);
const hash = (params: string, type = 'argon2id', version = 19): string =>
  `$${type}$v=${version}$${params}$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNo`;

describe('PasswordHasher.needsRehash', () => {
  it.each([
    [hash('m=19456,p=1,t=2'), true],
    [hash('m=19456,p=1,t=3'), false],
    [hash('m=65536,p=4,t=3'), false],
    [hash('m=65536,p=1,t=4'), false],
    [hash('m=8192,p=1,t=6'), true],
    [hash('m=19456,p=1,t=3', 'argon2i'), true],
    [hash('m=19456,p=1,t=3', 'argon2id', 16), true],
    ['$2b$10$abcdefghijklmnopqrstuv', false], // not a whole bcrypt hash
    ['$2b$10$ABCDEFGHIJKLMNOPQRSTUu5eLqEhOX/6Dq0oiuYbNzfSUdOeb5Dfu', true], // imported: becomes argon2id
    ['not a hash', false],
  ])('%s -> %p (configured m=19456, t=3)', (stored, expected) => {
    expect(hasher.needsRehash(stored)).toBe(expected);
  });
});
