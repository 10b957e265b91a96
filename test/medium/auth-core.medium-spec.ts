import { randomUUID } from 'node:crypto';
import { LoginLockoutService } from '../../src/auth/login-lockout.service';
import { SessionsService } from '../../src/auth/sessions.service';
import type { AuthUser } from '../../src/common/decorators/auth.decorators';
import { ErrorCode } from '../../src/common/errors/error-codes';
import { Transactions } from '../../src/database/transactions';
import { ListUsersQuery } from '../../src/users/dto/list-users.query';
import { UsersService } from '../../src/users/users.service';
import { createMedium, errorCodeOf, Medium, MEDIUM_META } from '../support/medium';

const query = (fields: Partial<ListUsersQuery>): ListUsersQuery => Object.assign(new ListUsersQuery(), { page: 1, limit: 10 }, fields);

/**
 * The auth core's rules, wired with their real repositories against a real PostgreSQL: the one
 * definition of session validity, the lockout arithmetic, the users list's counts and search
 * heuristics, and who sees which user fields.
 */
describe('Auth core (medium)', () => {
  let medium: Medium;
  let sessions: SessionsService;
  let users: UsersService;
  let lockout: LoginLockoutService;
  let transactions: Transactions;
  let superadmin: AuthUser;
  let admin: AuthUser;

  beforeAll(async () => {
    medium = await createMedium({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '60' });
    sessions = medium.get(SessionsService);
    users = medium.get(UsersService);
    lockout = medium.get(LoginLockoutService);
    transactions = medium.get(Transactions);
    [superadmin, admin] = await Promise.all([medium.user({ role: 'superadmin' }), medium.user({ role: 'admin' })]);
  });
  afterAll(() => medium?.dispose());

  const openSession = async (user: AuthUser): Promise<string> =>
    (await transactions.run((tx) => sessions.open(tx, user.id, MEDIUM_META))).sessionId;

  describe('session validity: one definition for the request check, login and login-status', () => {
    it('accepts a fresh session and names no block', async () => {
      const user = await medium.user();
      const sessionId = await openSession(user);
      expect(await sessions.authenticate(sessionId, user.id)).toEqual({
        id: user.id,
        username: user.username,
        role: 'user',
        sessionId,
        writeLsn: null,
        amr: ['pwd'],
        mfaEnrolmentPending: false,
      });
      expect(await sessions.blocksOf(user.id)).toEqual([]);
      expect((await sessions.loginAccount({ username: user.username.toUpperCase() }))?.blocks).toEqual([]);
    });

    it.each([
      ['deleted', 'UPDATE users SET deleted_at = now() WHERE id = $1'],
      ['disabled', 'UPDATE users SET state = 0 WHERE id = $1'],
      ['blacklisted', "INSERT INTO black_list (user_id, reason) VALUES ($1, 'medium')"],
    ])('refuses every session of a %s account, and login and login-status name that reason', async (reason, change) => {
      const user = await medium.user();
      const sessionId = await openSession(user);
      await medium.sql(change, [user.id]);
      expect(await sessions.authenticate(sessionId, user.id)).toBeNull();
      expect(await sessions.blocksOf(user.id)).toEqual([reason]);
      expect((await sessions.loginAccount({ email: `${user.username}@example.com` }))?.blocks).toEqual([reason]);
    });

    it('lists every block at once, in precedence order (deleted first: a login answers like an unknown account)', async () => {
      const user = await medium.user();
      await medium.sql("INSERT INTO black_list (user_id, reason) VALUES ($1, 'medium')", [user.id]);
      await medium.sql('UPDATE users SET state = 0, deleted_at = now() WHERE id = $1', [user.id]);
      expect(await sessions.blocksOf(user.id)).toEqual(['deleted', 'disabled', 'blacklisted']);
    });

    it('an unverified email blocks nothing unless EMAIL_VERIFICATION=required', async () => {
      const user = await medium.user();
      await medium.sql('UPDATE users SET email_verified_at = NULL WHERE id = $1', [user.id]);
      const sessionId = await openSession(user);
      expect(await sessions.authenticate(sessionId, user.id)).not.toBeNull();
      expect(await sessions.blocksOf(user.id)).toEqual([]);
    });

    it('refuses a revoked or expired session and one named with another user id', async () => {
      const user = await medium.user();
      const other = await medium.user();
      const revoked = await openSession(user);
      await sessions.revoke(revoked, 'logout');
      expect(await sessions.authenticate(revoked, user.id)).toBeNull();
      const expired = await openSession(user);
      await medium.sql("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [expired]);
      expect(await sessions.authenticate(expired, user.id)).toBeNull();
      expect(await sessions.authenticate(await openSession(user), other.id)).toBeNull();
    });

    it('finds no account for a missing identifier or an unknown name', async () => {
      expect(await sessions.loginAccount({})).toBeNull();
      expect(await sessions.loginAccount({ username: 'nobodyhere1' })).toBeNull();
      const user = await medium.user();
      expect(await sessions.loginAccount({ username: user.username, email: 'someone-else@example.com' })).toBeNull();
    });
  });

  describe('lockout arithmetic (LOGIN_MAX_FAILURES=3)', () => {
    it('keys a failure by the account an identifier names (username or email, any case), else by the identifier as typed', () => {
      const account = { id: randomUUID() };
      expect(LoginLockoutService.loginKey('Alice2024', account)).toBe(LoginLockoutService.loginKey('ALICE@example.com', account));
      expect(LoginLockoutService.loginKey(' Ghost2024 ', null)).toBe(LoginLockoutService.loginKey('ghost2024', null));
      expect(LoginLockoutService.loginKey('ghost2024', null)).not.toBe(LoginLockoutService.loginKey('ghost@example.com', null));
      // An identifier as typed can never collide with an account's key.
      expect(LoginLockoutService.loginKey(`account:${account.id}`, null)).not.toBe(LoginLockoutService.loginKey('x', account));
    });

    it('locks on the third failure, tells parallel guesses past the limit, and clears', async () => {
      const key = LoginLockoutService.loginKey(`  Someone${randomUUID()}@Example.com `, null);
      expect(key).toBe(key.toLowerCase());
      expect(await lockout.recordFailure(key)).toBe(false);
      expect(await lockout.recordFailure(key)).toBe(false);
      expect(await lockout.lockedFor(key)).toBe(0);
      // The failure that reaches the limit locks but still answers "wrong password"; the next ones meet the lock.
      expect(await lockout.recordFailure(key)).toBe(false);
      const seconds = await lockout.lockedFor(key);
      expect(seconds).toBeGreaterThan(55);
      expect(seconds).toBeLessThanOrEqual(60);
      expect(await lockout.recordFailure(key)).toBe(true);
      await lockout.clear(key);
      expect(await lockout.lockedFor(key)).toBe(0);
      expect(await lockout.lockedUntil(key)).toBeNull();
    });

    it('starts counting again once the window has passed', async () => {
      const key = LoginLockoutService.loginKey(`window${randomUUID()}`, null);
      await lockout.recordFailure(key);
      await lockout.recordFailure(key);
      await medium.sql("UPDATE login_failures SET last_failed_at = now() - interval '61 seconds' WHERE key = $1", [key]);
      await lockout.recordFailure(key);
      expect(await lockout.lockedFor(key)).toBe(0);
    });

    it('counts parallel failures exactly (one atomic statement)', async () => {
      const key = LoginLockoutService.loginKey(`burst${randomUUID()}`, null);
      const answers = await Promise.all(Array.from({ length: 10 }, () => lockout.recordFailure(key)));
      expect(answers.filter((alreadyLocked) => !alreadyLocked)).toHaveLength(3);
      expect(await lockout.lockedFor(key)).toBeGreaterThan(0);
    });
  });

  describe('user list: counts and search heuristics', () => {
    let prefix: string;

    beforeAll(async () => {
      prefix = `zq${randomUUID().slice(0, 4)}`;
      for (let index = 0; index < 12; index += 1) {
        await medium.sql(`INSERT INTO users (username, email, password_hash, name, name_search) VALUES ($1, $2, 'x', $3, $4)`, [
          `${prefix}user${index}`,
          `${prefix}${index}@example.com`,
          index % 2 === 0 ? '王伟' : 'Li Lei',
          index % 2 === 0 ? '王伟 wang wei wangwei ww' : 'li lei lilei ll',
        ]);
      }
    });

    it('counts the filtered rows in count and the whole collection in total', async () => {
      const page = await users.list(admin, query({ username_container: prefix }));
      expect(page.count).toBe(12);
      expect(page.total).toBeGreaterThanOrEqual(14);
      expect(page.data).toHaveLength(10);
      const all = await users.list(admin, query({}));
      expect(all.count).toBe(all.total);
    });

    it('takes the 003 spellings of the username filter alike, case-insensitively', async () => {
      for (const spelling of ['username_container', 'username__container', 'username_contains'] as const) {
        expect((await users.list(admin, query({ [spelling]: prefix.toUpperCase() }))).count).toBe(12);
      }
    });

    it('answers a one-to-three letter fragment from its counter, the same count as a scan', async () => {
      const fragment = prefix.slice(0, 3);
      const counted = await users.list(admin, query({ username_container: fragment }));
      const [{ n }] = await medium.sql<{ n: string }>(
        `SELECT count(*) AS n FROM users WHERE deleted_at IS NULL AND lower(username) LIKE '%' || $1 || '%'`,
        [fragment],
      );
      expect(counted.count).toBe(Number(n));
    });

    it('finds a Chinese name by its characters (one- and two-character terms) and by pinyin', async () => {
      for (const name of ['王伟', '伟', 'wang wei']) {
        const page = await users.list(admin, query({ name, username_container: prefix }));
        expect(page.count).toBe(6);
      }
    });

    it('pages by cursor through the same rows as by page, and refuses a cursor with a page', async () => {
      const first = await users.list(admin, query({ username_container: prefix, limit: 5 }));
      const second = await users.list(admin, query({ username_container: prefix, limit: 5, cursor: first.next_cursor as string }));
      const byPage = await users.list(admin, query({ username_container: prefix, limit: 5, page: 2 }));
      expect(second.data.map((user) => user.id)).toEqual(byPage.data.map((user) => user.id));
      expect(await errorCodeOf(users.list(admin, query({ page: 2, cursor: first.next_cursor as string })))).toBe(
        ErrorCode.VALIDATION_FAILED,
      );
    });

    it('lists deleted users to superadmins only', async () => {
      await medium.user({ deleted: true });
      expect((await users.list(superadmin, query({ deleted: 'true' }))).count).toBeGreaterThan(0);
      expect(await errorCodeOf(users.list(admin, query({ deleted: 'true' })))).toBe(ErrorCode.FORBIDDEN_ROLE);
    });
  });

  describe('who sees which user fields, and whether an id exists', () => {
    it('shows an admin a user without time fields, the superadmin everything', async () => {
      const user = await medium.user();
      const byAdmin = await users.getForViewer(admin, user.id);
      expect(byAdmin).not.toHaveProperty('created_at');
      expect(byAdmin.email).toBe(`${user.username}@example.com`);
      expect(await users.getForViewer(superadmin, user.id)).toHaveProperty('created_at');
    });

    it("answers a user 403 for another user's id whether or not it exists, and staff 404 for an unknown one", async () => {
      const [user, other] = await Promise.all([medium.user(), medium.user()]);
      expect(await errorCodeOf(users.getForViewer(user, other.id))).toBe(ErrorCode.FORBIDDEN_ROLE);
      expect(await errorCodeOf(users.getForViewer(user, randomUUID()))).toBe(ErrorCode.FORBIDDEN_ROLE);
      expect(await errorCodeOf(users.getForViewer(admin, randomUUID()))).toBe(ErrorCode.NOT_FOUND);
      expect((await users.getForViewer(user, user.id)).id).toBe(user.id);
    });

    it('hides a deleted user from admins and shows them to the superadmin', async () => {
      const gone = await medium.user({ deleted: true });
      expect(await errorCodeOf(users.getForViewer(admin, gone.id))).toBe(ErrorCode.NOT_FOUND);
      expect((await users.getForViewer(superadmin, gone.id)).deleted_at).not.toBeNull();
    });
  });
});

describe('Auth core with EMAIL_VERIFICATION=required (medium)', () => {
  let medium: Medium;
  let sessions: SessionsService;
  let transactions: Transactions;

  beforeAll(async () => {
    medium = await createMedium({ EMAIL_VERIFICATION: 'required' });
    sessions = medium.get(SessionsService);
    transactions = medium.get(Transactions);
  });
  afterAll(() => medium?.dispose());

  it('refuses every session of an unverified account, names the reason last, and lets it in once verified', async () => {
    const user = await medium.user();
    await medium.sql('UPDATE users SET email_verified_at = NULL WHERE id = $1', [user.id]);
    const sessionId = (await transactions.run((tx) => sessions.open(tx, user.id, MEDIUM_META))).sessionId;
    expect(await sessions.authenticate(sessionId, user.id)).toBeNull();
    expect(await sessions.blocksOf(user.id)).toEqual(['unverified']);
    expect((await sessions.loginAccount({ username: user.username }))?.blocks).toEqual(['unverified']);
    await medium.sql('UPDATE users SET state = 0 WHERE id = $1', [user.id]);
    expect(await sessions.blocksOf(user.id)).toEqual(['disabled', 'unverified']);
    await medium.sql('UPDATE users SET state = 1, email_verified_at = now() WHERE id = $1', [user.id]);
    expect(await sessions.authenticate(sessionId, user.id)).not.toBeNull();
  });
});
