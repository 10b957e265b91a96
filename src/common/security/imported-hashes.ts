import * as argon2 from 'argon2';
import { compare as bcryptCompare } from 'bcryptjs';
import { createHash, pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

/**
 * The password hash formats the source systems stored (MIGRATION.md), kept as they are on import and
 * verified at login until the first successful one replaces them with the service's argon2id:
 *
 * - Django (000): `pbkdf2_sha256$<iterations>$<salt>$<base64>`, `pbkdf2_sha1$...`,
 *   `bcrypt_sha256$<bcrypt of the hex SHA-256 of the password>`, `bcrypt$<bcrypt>`,
 *   `argon2$argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>` (Django prefixes the PHC string with `argon2`);
 *   `!...` is Django's unusable password: it never matches.
 * - Go's x/crypto/bcrypt (001) and bcryptjs (003): `$2a$`, `$2b$`, `$2y$`.
 * - argon2 PHC strings (`$argon2id$...`, `$argon2i$...`, `$argon2d$...`): the service's own format.
 */
export type HashFormat =
  | 'argon2'
  | 'bcrypt'
  | 'django_pbkdf2_sha256'
  | 'django_pbkdf2_sha1'
  | 'django_bcrypt_sha256'
  | 'django_bcrypt'
  | 'django_argon2'
  | 'unusable';

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
const ARGON2 = /^\$argon2(?:id|i|d)\$v=\d+\$[a-z]=\d+(?:,[a-z]=\d+)*\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const DJANGO_PBKDF2 = /^pbkdf2_(sha256|sha1)\$(\d{1,7})\$([^$]{1,128})\$([A-Za-z0-9+/]+={0,2})$/;

/** The format of a stored hash, or null when the service cannot verify it (an import rejects such a row). */
export function hashFormat(hash: string): HashFormat | null {
  if (hash.startsWith('!')) return 'unusable';
  if (ARGON2.test(hash)) return 'argon2';
  if (BCRYPT.test(hash)) return 'bcrypt';
  const pbkdf2Match = DJANGO_PBKDF2.exec(hash);
  if (pbkdf2Match && Number(pbkdf2Match[2]) > 0) return pbkdf2Match[1] === 'sha256' ? 'django_pbkdf2_sha256' : 'django_pbkdf2_sha1';
  if (hash.startsWith('bcrypt_sha256$') && BCRYPT.test(hash.slice('bcrypt_sha256$'.length))) return 'django_bcrypt_sha256';
  if (hash.startsWith('bcrypt$') && BCRYPT.test(hash.slice('bcrypt$'.length))) return 'django_bcrypt';
  if (hash.startsWith('argon2$') && ARGON2.test(hash.slice('argon2'.length))) return 'django_argon2';
  return null;
}

/** bcryptjs knows $2a$ and $2b$; $2y$ (PHP's name for the fixed algorithm) is the same as $2b$. */
function bcryptHash(hash: string): string {
  return hash.startsWith('$2y$') ? `$2b$${hash.slice(4)}` : hash;
}

/**
 * Verifies a password against an imported hash (plain argon2 PHC strings are the hasher's own job).
 * Comparisons are constant-time: timingSafeEqual for PBKDF2, bcryptjs's own constant-time compare.
 * Returns false for unusable and unknown formats.
 */
export async function verifyImported(format: HashFormat, hash: string, password: string): Promise<boolean> {
  switch (format) {
    case 'bcrypt':
      return bcryptCompare(password, bcryptHash(hash));
    case 'django_bcrypt':
      return bcryptCompare(password, bcryptHash(hash.slice('bcrypt$'.length)));
    case 'django_bcrypt_sha256':
      // Django hashes the password with SHA-256 (hex) first, so passwords longer than bcrypt's 72 bytes count whole.
      return bcryptCompare(createHash('sha256').update(password, 'utf8').digest('hex'), bcryptHash(hash.slice('bcrypt_sha256$'.length)));
    case 'django_pbkdf2_sha256':
    case 'django_pbkdf2_sha1': {
      const [, algorithm, iterations, salt, encoded] = DJANGO_PBKDF2.exec(hash) ?? [];
      const expected = Buffer.from(encoded, 'base64');
      const digest = algorithm === 'sha256' ? 'sha256' : 'sha1';
      // Django's dklen is the digest's own size; the stored value tells it.
      if (expected.length !== (digest === 'sha256' ? 32 : 20)) return false;
      const actual = await pbkdf2Async(
        Buffer.from(password, 'utf8'),
        Buffer.from(salt, 'utf8'),
        Number(iterations),
        expected.length,
        digest,
      );
      return timingSafeEqual(actual, expected);
    }
    case 'django_argon2':
      return argon2.verify(hash.slice('argon2'.length), password);
    case 'argon2':
    case 'unusable':
      return false;
  }
}
