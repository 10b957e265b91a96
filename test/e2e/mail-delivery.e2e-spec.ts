import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { withClient } from '../support/database';
import { newAccount, signInSuperadmin } from '../support/factories';
import { expectEnvelope, HttpClient } from '../support/http';
import { RunningService, spawnService, startService, stopChild, waitFor } from '../support/service';
import { TestSmtpServer } from '../support/smtp';

interface OutboxState {
  status: string;
  attempts: number;
  last_error: string | null;
}

async function outboxOf(service: RunningService, recipient: string): Promise<OutboxState[]> {
  return withClient(service.databaseUrl, async (client) => {
    const { rows } = await client.query<OutboxState>(
      `SELECT status, attempts, last_error FROM mail_outbox WHERE recipient = $1 AND template = 'password-reset' ORDER BY created_at`,
      [recipient],
    );
    return rows;
  });
}

/** Registers accounts straight through the API of one instance (no mail needed for them: verification is off here). */
async function register(http: HttpClient, count: number): Promise<string[]> {
  const emails: string[] = [];
  for (let i = 0; i < count; i++) {
    const account = newAccount();
    const response = await http.post('/api/v1/auth/register', account);
    if (response.status !== 201) throw new Error(`register failed: ${response.text}`);
    emails.push(account.email as string);
  }
  return emails;
}

/**
 * Delivery: three instances on one database send each message exactly once; an SMTP server that is
 * down for a while gets the messages once it is back (attempts recorded); an instance killed between
 * the commit and the SMTP server's acceptance loses nothing (the message goes out after restart).
 */
describe('Mail delivery across instances and failures', () => {
  let smtp: TestSmtpServer;
  let a: RunningService;
  const extra: ChildProcess[] = [];

  beforeAll(async () => {
    smtp = await TestSmtpServer.start();
    a = await startService({
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://app.test',
      EMAIL_VERIFICATION: 'off',
      MAIL_RETRY_DELAY: '1',
      // Generous: on a loaded machine one SMTP conversation can take seconds (the crash test below uses 6 s).
      MAIL_SEND_TIMEOUT: '30',
      PASSWORD_RESET_MAX_PER_HOUR: '1000',
      RATE_LIMIT_API: '1000000',
    });
  }, 120000);

  afterAll(async () => {
    for (const child of extra) await stopChild(child);
    await a?.dispose();
    await smtp?.stop();
  });

  it('three instances on one database: one message per request, no duplicates; latency commit -> SMTP accept', async () => {
    const others = await Promise.all([spawnService({ ...a.env }), spawnService({ ...a.env })]);
    extra.push(...others.map((other) => other.child));
    const instances = [a.http, ...others.map((other) => new HttpClient(other.url))];
    const REQUESTS = 60;
    const emails = await register(a.http, REQUESTS);
    const answers = await Promise.all(emails.map((email, i) => instances[i % 3].post('/api/v1/auth/password/forgot', { email })));
    for (const answer of answers) expectEnvelope(answer, 200);
    await waitFor(async () => smtp.messages.length >= REQUESTS, 60000, `${REQUESTS} messages`);
    // Give any duplicate time to show up.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const perRecipient = new Map<string, number>();
    for (const mail of smtp.messages) perRecipient.set(mail.to, (perRecipient.get(mail.to) ?? 0) + 1);
    const ids = new Set(smtp.messages.map((mail) => mail.messageId));
    const stats = await withClient(a.databaseUrl, async (client) => {
      const { rows } = await client.query<{ sent: number; p50: number; p99: number; max: number; wait50: number; send50: number }>(
        `SELECT count(*)::int AS sent,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM last_attempt_at - created_at) * 1000) AS wait50,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - last_attempt_at) * 1000) AS send50,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at) * 1000) AS p50,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at) * 1000) AS p99,
                max(extract(epoch FROM sent_at - created_at) * 1000)::float8 AS max
           FROM mail_outbox WHERE status = 'sent'`,
      );
      return rows[0];
    });
    process.stdout.write(
      `three instances: ${REQUESTS} requests, ${smtp.messages.length} messages received, ${perRecipient.size} recipients, ` +
        `${ids.size} distinct Message-IDs; latency commit -> SMTP accept p50 ${Math.round(stats.p50)} ms, p99 ${Math.round(stats.p99)} ms, max ${Math.round(stats.max)} ms ` +
        `(queue wait p50 ${Math.round(stats.wait50)} ms, SMTP send p50 ${Math.round(stats.send50)} ms)\n`,
    );
    expect(smtp.messages).toHaveLength(REQUESTS);
    expect(perRecipient.size).toBe(REQUESTS);
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    expect(ids.size).toBe(REQUESTS);
    expect(stats.sent).toBe(REQUESTS);
    // The others stay up for the next tests' sake only as long as needed.
    for (const other of others) await stopChild(other.child);
  }, 180000);

  it('SMTP down for a while: delivered once it is back, with the failed attempts recorded', async () => {
    const [email] = await register(a.http, 1);
    await smtp.down();
    try {
      expectEnvelope(await a.http.post('/api/v1/auth/password/forgot', { email }), 200);
      await waitFor(
        async () => {
          const [row] = await outboxOf(a, email);
          return row?.attempts >= 2 && row.status === 'retrying';
        },
        60000,
        'two failed attempts',
      );
      const down = (await outboxOf(a, email))[0];
      expect(down.status).toBe('retrying');
      expect(down.last_error).toEqual(expect.any(String));
    } finally {
      await smtp.up();
    }
    await smtp.waitFor(email, 1, 60000);
    await waitFor(async () => (await outboxOf(a, email))[0]?.status === 'sent', 10000, 'status sent');
    const sent = (await outboxOf(a, email))[0];
    expect(sent.attempts).toBeGreaterThanOrEqual(3);
    // The admin listing shows the same, without the token.
    const root = await signInSuperadmin(a.http);
    const list = await a.http.get(`/api/v1/admin/mail?recipient=${encodeURIComponent(email)}`, { token: root.token });
    expect(list.body.data.data).toEqual([expect.objectContaining({ status: 'sent', attempts: sent.attempts, recipient: email })]);
    expect(smtp.to(email)).toHaveLength(1);
  }, 120000);

  it('an instance killed (SIGKILL) between the commit and the SMTP acceptance: the message goes out after restart', async () => {
    // A lone instance B, so that no other instance can deliver while it is dead.
    await a.stop();
    const b = await spawnService({ ...a.env, MAIL_SEND_TIMEOUT: '6' });
    const bHttp = new HttpClient(b.url);
    const [email] = await register(bHttp, 1);
    smtp.hold(true);
    expectEnvelope(await bHttp.post('/api/v1/auth/password/forgot', { email }), 200);
    await waitFor(async () => smtp.heldCount >= 1, 30000, 'the message to reach the (hanging) SMTP server');
    b.child.kill('SIGKILL');
    await new Promise((resolve) => b.child.once('exit', resolve));
    smtp.hold(false);
    expect(smtp.to(email)).toHaveLength(0);
    expect((await outboxOf(a, email))[0].status).toBe('sending');

    const restarted = await spawnService({ ...a.env, MAIL_SEND_TIMEOUT: '6' });
    extra.push(restarted.child);
    await smtp.waitFor(email, 1, 60000);
    await waitFor(async () => (await outboxOf(a, email))[0]?.status === 'sent', 10000, 'status sent');
    expect((await outboxOf(a, email))[0].attempts).toBeGreaterThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(smtp.to(email)).toHaveLength(1);
  }, 120000);

  it('production without SMTP_URL: the mail flows answer 503 50302', async () => {
    const prod = await spawnService({
      ...a.env,
      NODE_ENV: 'production',
      SMTP_URL: '',
      JWT_SECRET: randomBytes(32).toString('base64'),
      SUPERADMIN_USERNAME: '',
      SUPERADMIN_EMAIL: '',
      SUPERADMIN_PASSWORD: '',
    });
    extra.push(prod.child);
    const http = new HttpClient(prod.url);
    const answer = await http.post('/api/v1/auth/password/forgot', { email: 'someone@example.com' });
    expectEnvelope(answer, 503, 50302);
    expect(answer.body.message).toMatch(/SMTP_URL/);
  }, 120000);
});
