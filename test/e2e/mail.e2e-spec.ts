import { withClient } from '../support/database';
import { createUserWithRole, login, newAccount, registerUser, signInRoles, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';
import { ReceivedMail, TestSmtpServer } from '../support/smtp';

/**
 * Account recovery and email verification end to end, over a real SMTP server started here: each flow
 * is followed by reading the delivered message and using the token of its link.
 */
describe('Mail flows (forgot/reset, verification, email change, staff reset, admin list)', () => {
  let smtp: TestSmtpServer;
  let service: RunningService;
  let roles: Record<'superadmin' | 'admin' | 'user', TestUser>;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    service = await startService({
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Accounts <accounts@app.test>',
      PUBLIC_URL: 'https://app.test',
      MAIL_RETRY_DELAY: '1',
      MAIL_SEND_TIMEOUT: '4',
      PASSWORD_RESET_MAX_PER_HOUR: '3',
    });
    roles = await signInRoles(service.http);
  }, 120000);

  afterAll(async () => {
    await service?.dispose();
    await smtp?.stop();
  });

  const forgot = (email: string, headers: Record<string, string> = {}) =>
    service.http.post('/api/v1/auth/password/forgot', { email }, { headers });

  async function resetMail(email: string, count = 1): Promise<ReceivedMail> {
    const mails = (await smtp.waitFor(email, count)).filter((mail) => mail.link?.includes('/reset-password'));
    return mails[mails.length - 1];
  }

  it('forgot -> reset: the link works once, older links die with it, sessions end, a notice and an audit record follow', async () => {
    const user = await registerUser(service.http);
    const other = await login(service.http, { username: user.username }, user.password);
    await smtp.waitFor(user.email); // registration's verification mail, so that `before` counts it
    const before = smtp.to(user.email).length;

    const first = await forgot(user.email);
    expectEnvelope(first, 200);
    expect(first.body.data).toBeNull();
    const older = await resetMail(user.email, before + 1);
    await forgot(user.email);
    const newer = await resetMail(user.email, before + 2);
    expect(newer.token).not.toEqual(older.token);
    expect(newer.link).toMatch(/^https:\/\/app\.test\/reset-password\?token=[A-Za-z0-9_-]{43}$/);
    expect(newer.subject).toBe('Reset your password');
    expect(newer.html).toContain('https://app.test/reset-password?token=');
    expect(newer.messageId).toMatch(/^<[0-9a-f-]{36}@app\.test>$/);

    const reset = await service.http.post('/api/v1/auth/password/reset', { token: newer.token, new_password: 'brand-new-pass-1' });
    expectEnvelope(reset, 200);
    // Reuse, and the older link, are refused.
    for (const token of [newer.token, older.token]) {
      const again = await service.http.post('/api/v1/auth/password/reset', { token, new_password: 'brand-new-pass-2' });
      expectEnvelope(again, 400, 40003);
    }
    // Every session ended; the old password is gone, the new one works.
    expect((await service.http.get('/api/v1/auth/me', { token: user.token })).status).toBe(401);
    expect((await service.http.get('/api/v1/auth/me', { token: other.token })).status).toBe(401);
    expect((await service.http.post('/api/v1/auth/login', { username: user.username, password: user.password })).status).toBe(401);
    const fresh = await login(service.http, { username: user.username }, 'brand-new-pass-1');
    // The notice, and the audit record (14 password_reset).
    const notices = await smtp.waitFor(user.email, before + 3);
    expect(notices.some((mail) => mail.subject === 'Your password was changed')).toBe(true);
    const logs = await service.http.get(`/api/v1/users/${user.id}/user-logs?operation=14`, { token: fresh.token });
    expectEnvelope(logs, 200);
    expect(logs.body.data.data).toHaveLength(1);
    expect(logs.body.data.data[0].operation_name).toBe('password_reset');
  }, 90000);

  it('reset: wrong, expired and malformed tokens', async () => {
    const wrong = await service.http.post('/api/v1/auth/password/reset', { token: 'x'.repeat(43), new_password: 'brand-new-pass-1' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errorCode).toBe(40003);
    const user = await registerUser(service.http);
    await smtp.waitFor(user.email); // registration's verification mail, so that `before` counts it
    const before = smtp.to(user.email).length;
    await forgot(user.email);
    const mail = await resetMail(user.email, before + 1);
    await withClient(service.databaseUrl, (client) =>
      client.query(`UPDATE account_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [user.id]),
    );
    const expired = await service.http.post('/api/v1/auth/password/reset', { token: mail.token, new_password: 'brand-new-pass-1' });
    expect(expired.status).toBe(400);
    expect(expired.body.errorCode).toBe(40003);
    for (const body of [
      { token: null, new_password: 'brand-new-pass-1' },
      { token: mail.token, new_password: '123' },
      { token: 'a'.repeat(129), new_password: 'x'.repeat(10) },
    ]) {
      const invalid = await service.http.post('/api/v1/auth/password/reset', body);
      expect(invalid.status).toBe(400);
      expect(invalid.body.errorCode).toBe(40001);
    }
  }, 60000);

  it('forgot: no enumeration (same status, body and time order), no mail for unknown, disabled or blacklisted accounts', async () => {
    const disabled = await registerUser(service.http);
    await service.http.patch(`/api/v1/users/${disabled.id}`, { state: 0 }, { token: roles.superadmin.token });
    const blacklisted = await registerUser(service.http);
    await service.http.post('/api/v1/black-list', { user: blacklisted.id, reason: 'spam' }, { token: roles.superadmin.token });
    const known = await registerUser(service.http);
    const unknown = `nobody${Date.now()}@example.com`;

    const time = async (email: string): Promise<{ ms: number; text: string; status: number }> => {
      const started = process.hrtime.bigint();
      const response = await forgot(email);
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, text: response.text, status: response.status };
    };
    const answers = [];
    // Alternate known and unknown (within the hourly limit of 3 per address for the known one).
    const knownMs: number[] = [];
    const unknownMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const k = await time(known.email);
      const u = await time(`x${i}${unknown}`);
      knownMs.push(k.ms);
      unknownMs.push(u.ms);
      answers.push(k, u);
    }
    answers.push(await time(disabled.email), await time(blacklisted.email));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.text).toBe(answers[0].text);
    }
    const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    // Same order of magnitude (the delivery is asynchronous; the request only writes the outbox).
    expect(median(knownMs) / median(unknownMs)).toBeLessThan(5);
    expect(median(unknownMs) / median(knownMs)).toBeLessThan(5);

    await smtp.waitFor(known.email, 2); // registration's verification + reset mails arrive
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(smtp.to(`x0${unknown}`)).toHaveLength(0);
    expect(smtp.to(disabled.email).filter((mail) => mail.link?.includes('reset-password'))).toHaveLength(0);
    expect(smtp.to(blacklisted.email).filter((mail) => mail.link?.includes('reset-password'))).toHaveLength(0);
  }, 90000);

  it('forgot: at most PASSWORD_RESET_MAX_PER_HOUR reset mails per address, counted in the database', async () => {
    const user = await registerUser(service.http);
    for (let i = 0; i < 6; i++) expectEnvelope(await forgot(user.email.toUpperCase()), 200);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const resets = smtp.to(user.email).filter((mail) => mail.link?.includes('reset-password'));
    expect(resets).toHaveLength(3);
  }, 60000);

  it('a Chinese-preferring user gets the zh-CN template; Accept-Language decides without a preference', async () => {
    const zh = await registerUser(service.http, { profile: { language_preference: 'zh-CN' } });
    await forgot(zh.email);
    const mail = await resetMail(zh.email, 2);
    expect(mail.subject).toBe('重置您的密码');
    expect(mail.text).toContain('分钟后失效');

    const account = newAccount();
    const registered = await service.http.post('/api/v1/auth/register', account, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(registered.status).toBe(201);
    const [verify] = await smtp.waitFor(account.email as string);
    expect(verify.subject).toBe('请验证您的邮箱地址');
  }, 60000);

  it('email verification: registration sends a link; verify sets email_verified_at; reuse and resend rules', async () => {
    const user = await registerUser(service.http);
    const me = await service.http.get('/api/v1/auth/me', { token: user.token });
    expect(me.body.data.email_verified_at).toBeNull();
    const [mail] = await smtp.waitFor(user.email);
    expect(mail.link).toMatch(/^https:\/\/app\.test\/verify-email\?token=/);
    expect(mail.subject).toBe('Confirm your email address');

    // A resend makes the first link stale.
    expectEnvelope(await service.http.post('/api/v1/auth/email/verify/resend', {}, { token: user.token }), 200);
    const [, second] = await smtp.waitFor(user.email, 2);
    const stale = await service.http.post('/api/v1/auth/email/verify', { token: mail.token });
    expect(stale.body.errorCode).toBe(40003);

    expectEnvelope(await service.http.post('/api/v1/auth/email/verify', { token: second.token }), 200);
    const after = await service.http.get('/api/v1/auth/me', { token: user.token });
    expect(after.body.data.email_verified_at).toEqual(expect.any(String));
    const reused = await service.http.post('/api/v1/auth/email/verify', { token: second.token });
    expectEnvelope(reused, 400, 40003);
    const nothing = await service.http.post('/api/v1/auth/email/verify/resend', {}, { token: user.token });
    expectEnvelope(nothing, 409, 40903);
    expect((await service.http.post('/api/v1/auth/email/verify/resend', {})).status).toBe(401);
    const logs = await service.http.get(`/api/v1/users/${user.id}/user-logs?operation=15`, { token: user.token });
    expect(logs.body.data.data).toHaveLength(1);
    // The configured superadmin counts as verified.
    const root = await service.http.get('/api/v1/auth/me', { token: roles.superadmin.token });
    expect(root.body.data.email_verified_at).toEqual(expect.any(String));
  }, 60000);

  it('email change: the old address stays until the new one is confirmed; a notice goes to the old one', async () => {
    const user = await registerUser(service.http);
    const newEmail = `new${user.username}@example.com`;
    const patched = await service.http.patch('/api/v1/auth/me', { email: newEmail }, { token: user.token });
    expectEnvelope(patched, 200);
    expect(patched.body.data.email).toBe(user.email);
    expect(patched.body.data.pending_email).toBe(newEmail);
    const [confirm] = await smtp.waitFor(newEmail);
    expect(confirm.link).toMatch(/\/verify-email\?token=/);
    const notices = await smtp.waitFor(user.email, 2);
    expect(notices.some((mail) => mail.subject === 'A change of your email address was requested' && mail.text.includes(newEmail))).toBe(
      true,
    );
    // Meanwhile the old address still signs in, and staff see the pending one.
    await login(service.http, { email: user.email }, user.password);
    const staffView = await service.http.get(`/api/v1/users/${user.id}`, { token: roles.admin.token });
    expect(staffView.body.data.pending_email).toBe(newEmail);

    expectEnvelope(await service.http.post('/api/v1/auth/email/verify', { token: confirm.token }), 200);
    const me = await service.http.get('/api/v1/auth/me', { token: user.token });
    expect(me.body.data.email).toBe(newEmail);
    expect(me.body.data.pending_email).toBeNull();
    await login(service.http, { email: newEmail }, user.password);
    expect((await service.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(401);
    const logs = await service.http.get(`/api/v1/users/${user.id}/user-logs?operation=16`, { token: user.token });
    expect(logs.body.data.data).toHaveLength(1);

    // Staff change (PATCH /users/:id) goes the same way.
    const target = await registerUser(service.http);
    const staffEmail = `staff${target.username}@example.com`;
    const byStaff = await service.http.patch(`/api/v1/users/${target.id}`, { email: staffEmail }, { token: roles.admin.token });
    expectEnvelope(byStaff, 200);
    expect(byStaff.body.data.email).toBe(target.email);
    expect(byStaff.body.data.pending_email).toBe(staffEmail);
    await smtp.waitFor(staffEmail);
  }, 60000);

  it('POST /users/:id/password-reset: staff send a reset link; refused roles, unknown ids, audit 17', async () => {
    const user = await registerUser(service.http);
    await smtp.waitFor(user.email); // registration's verification mail, so that `before` counts it
    const before = smtp.to(user.email).length;
    const sent = await service.http.post(`/api/v1/users/${user.id}/password-reset`, {}, { token: roles.admin.token });
    expectEnvelope(sent, 200);
    const mail = await resetMail(user.email, before + 1);
    expectEnvelope(await service.http.post('/api/v1/auth/password/reset', { token: mail.token, new_password: 'reset-by-staff-1' }), 200);
    await login(service.http, { username: user.username }, 'reset-by-staff-1');

    const admin2 = await createUserWithRole(service.http, 'admin', roles.superadmin.token);
    const onAdmin = await service.http.post(`/api/v1/users/${admin2.id}/password-reset`, {}, { token: roles.admin.token });
    expect(onAdmin.body.errorCode).toBe(40301);
    const bySuperadmin = await service.http.post(`/api/v1/users/${admin2.id}/password-reset`, {}, { token: roles.superadmin.token });
    expectEnvelope(bySuperadmin, 200);
    const byUser = await service.http.post(`/api/v1/users/${user.id}/password-reset`, {}, { token: roles.user.token });
    expect(byUser.body.errorCode).toBe(40301);
    const missing = await service.http.post(
      `/api/v1/users/00000000-0000-4000-8000-000000000000/password-reset`,
      {},
      { token: roles.admin.token },
    );
    expect(missing.body.errorCode).toBe(40401);
    expect((await service.http.post(`/api/v1/users/${user.id}/password-reset`, {})).status).toBe(401);
    expect((await service.http.post(`/api/v1/users/not-a-uuid/password-reset`, {}, { token: roles.admin.token })).body.errorCode).toBe(
      40001,
    );
    const logs = await service.http.get(`/api/v1/users/${user.id}/user-logs?operation=17`, { token: roles.admin.token });
    expect(logs.body.data.data).toHaveLength(1);
    expect(logs.body.data.data[0].operation_name).toBe('password_reset_link_sent_by_staff');
  }, 60000);

  it('GET /admin/mail: superadmin sees status and attempts, never a token; others are refused', async () => {
    const list = await service.http.get('/api/v1/admin/mail?limit=100', { token: roles.superadmin.token });
    expectEnvelope(list, 200);
    expect(list.body.data.data.length).toBeGreaterThan(0);
    const first = list.body.data.data[0];
    expect(Object.keys(first).sort()).toEqual(
      [
        'attempts',
        'created_at',
        'id',
        'language',
        'last_attempt_at',
        'last_error',
        'recipient',
        'sent_at',
        'status',
        'template',
        'user_id',
      ].sort(),
    );
    for (const mail of smtp.messages) if (mail.token) expect(list.text).not.toContain(mail.token);
    expect(list.text).not.toContain('token=');
    const sent = await service.http.get('/api/v1/admin/mail?status=sent', { token: roles.superadmin.token });
    expect(sent.body.data.data.every((row: { status: string; attempts: number }) => row.status === 'sent' && row.attempts >= 1)).toBe(true);
    expect((await service.http.get('/api/v1/admin/mail', { token: roles.admin.token })).body.errorCode).toBe(40301);
    expect((await service.http.get('/api/v1/admin/mail')).status).toBe(401);
    expect((await service.http.get('/api/v1/admin/mail?status=bogus', { token: roles.superadmin.token })).body.errorCode).toBe(40001);
  }, 30000);
});

describe('EMAIL_VERIFICATION=required', () => {
  let smtp: TestSmtpServer;
  let service: RunningService;

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    service = await startService({ SMTP_URL: smtp.url, EMAIL_VERIFICATION: 'required', MAIL_RETRY_DELAY: '1' });
  }, 120000);

  afterAll(async () => {
    await service?.dispose();
    await smtp?.stop();
  });

  it('an unverified account gets 40304 only after the right password; login-status names it; verifying lets it in', async () => {
    const account = newAccount();
    expect((await service.http.post('/api/v1/auth/register', account)).status).toBe(201);
    const wrong = await service.http.post('/api/v1/auth/login', { username: account.username, password: 'wrong-password' });
    expect(wrong.body.errorCode).toBe(40102);
    const right = await service.http.post('/api/v1/auth/login', { username: account.username, password: account.password });
    expectEnvelope(right, 403, 40304);

    const { token: rootToken } = await login(service.http, { username: 'rootadmin' }, 'Sup3r-secret-pass');
    const found = await service.http.get(`/api/v1/users?username=${account.username}`, { token: rootToken });
    const id = found.body.data.data[0].id;
    const status = await service.http.get(`/api/v1/users/${id}/login-status`, { token: rootToken });
    expect(status.body.data.reasons).toEqual([{ code: 'unverified' }]);

    const [mail] = await smtp.waitFor(account.email as string);
    expectEnvelope(await service.http.post('/api/v1/auth/email/verify', { token: mail.token }), 200);
    await login(service.http, { username: account.username }, account.password);
  }, 60000);

  it('a password reset proves the address too', async () => {
    const account = newAccount();
    await service.http.post('/api/v1/auth/register', account);
    await service.http.post('/api/v1/auth/password/forgot', { email: account.email });
    const mails = await smtp.waitFor(account.email as string, 2);
    const reset = mails.find((mail) => mail.link?.includes('reset-password')) as ReceivedMail;
    expectEnvelope(await service.http.post('/api/v1/auth/password/reset', { token: reset.token, new_password: 'brand-new-pass-1' }), 200);
    await login(service.http, { username: account.username }, 'brand-new-pass-1');
  }, 60000);
});
