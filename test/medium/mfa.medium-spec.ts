import { SessionsService } from '../../src/auth/sessions.service';
import type { AuthUser } from '../../src/common/decorators/auth.decorators';
import { Transactions } from '../../src/database/transactions';
import { createMedium, Medium, MEDIUM_META } from '../support/medium';

/**
 * The second factor in the one definition of a session (src/auth/sessions.repository.ts): the per-request
 * check answers the session's amr and whether MFA_REQUIRED_ROLES still wants a factor enrolled (one
 * statement, no extra query), and the login lookup names the enrolled methods.
 */
describe('Second factor in the session check (medium)', () => {
  let medium: Medium;
  let sessions: SessionsService;
  let transactions: Transactions;

  beforeAll(async () => {
    medium = await createMedium({ MFA_REQUIRED_ROLES: 'admin' });
    sessions = medium.get(SessionsService);
    transactions = medium.get(Transactions);
  });
  afterAll(() => medium?.dispose());

  const openSession = async (user: AuthUser, amr?: string[]): Promise<string> =>
    (await transactions.run((tx) => sessions.open(tx, user.id, MEDIUM_META, amr))).sessionId;

  it('flags an account of a required role without a factor, and clears the flag once it has one', async () => {
    const admin = await medium.user({ role: 'admin' });
    const sessionId = await openSession(admin);
    expect(await sessions.authenticate(sessionId, admin.id)).toEqual(expect.objectContaining({ mfaEnrolmentPending: true, amr: ['pwd'] }));
    expect(await sessions.mfaEnrolmentPending(admin.id)).toBe(true);

    // A pending (unconfirmed) TOTP enrolment is not a factor yet.
    await medium.sql(`INSERT INTO mfa_totp (user_id, secret_enc) VALUES ($1, 'v1.x')`, [admin.id]);
    expect((await sessions.authenticate(sessionId, admin.id))?.mfaEnrolmentPending).toBe(true);
    expect((await sessions.loginAccount({ username: admin.username }))?.mfaMethods).toEqual([]);

    await medium.sql(`UPDATE mfa_totp SET confirmed_at = now() WHERE user_id = $1`, [admin.id]);
    expect((await sessions.authenticate(sessionId, admin.id))?.mfaEnrolmentPending).toBe(false);
    expect(await sessions.mfaEnrolmentPending(admin.id)).toBe(false);
    expect((await sessions.loginAccount({ username: admin.username }))?.mfaMethods).toEqual(['totp']);

    await medium.sql(`INSERT INTO passkeys (user_id, credential_id, public_key, name) VALUES ($1, 'cred-1', '\\x00', 'k')`, [admin.id]);
    expect((await sessions.loginAccount({ username: admin.username }))?.mfaMethods).toEqual(['totp', 'webauthn']);
    await medium.sql(`DELETE FROM mfa_totp WHERE user_id = $1`, [admin.id]);
    expect((await sessions.authenticate(sessionId, admin.id))?.mfaEnrolmentPending).toBe(false);
  });

  it('does not flag roles that are not listed', async () => {
    const user = await medium.user();
    expect((await sessions.authenticate(await openSession(user), user.id))?.mfaEnrolmentPending).toBe(false);
  });

  it('keeps the amr a session was opened with, for the request check and refresh', async () => {
    const user = await medium.user();
    const sessionId = await openSession(user, ['pwd', 'otp']);
    expect((await sessions.authenticate(sessionId, user.id))?.amr).toEqual(['pwd', 'otp']);
  });
});
