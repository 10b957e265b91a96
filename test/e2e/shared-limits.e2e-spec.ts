import { ChildProcess, spawnSync } from 'node:child_process';
import { Client } from 'pg';
import { registerUser, uniqueUsername } from '../support/factories';
import { expectEnvelope, HttpClient } from '../support/http';
import { freePort, RunningService, spawnService, startService, stopChild } from '../support/service';

/**
 * Limits are one truth for every instance: three instances on one database count one per-client
 * limit, a restarted instance remembers the counts, and the lockout counts per account whichever
 * identifier is typed and whichever instance answers. The same again with the counters in Redis
 * (REDIS_URL) when the machine runs one at 127.0.0.1:6379.
 */
/** Whether a Redis answers at 127.0.0.1:6379 (asked once, synchronously, as the suite is declared). */
const redisAnswers =
  spawnSync(
    process.execPath,
    ['-e', "const s=require('net').connect(6379,'127.0.0.1');s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1))"],
    { timeout: 3000 },
  ).status === 0;
const API_LIMIT = 30;
const stores = redisAnswers ? (['postgres', 'redis'] as const) : (['postgres'] as const);

describe.each(stores)('Shared limits across instances (%s)', (store) => {
  let a: RunningService;
  let others: Array<{ child: ChildProcess; http: HttpClient }> = [];
  const clients = (): HttpClient[] => [a.http, ...others.map((other) => other.http)];
  // One Redis database per run, flushed first: the counters of an earlier run must not count here.
  const redisUrl = `redis://127.0.0.1:6379/${7 + (process.pid % 8)}`;

  beforeAll(async () => {
    const extra: Record<string, string> = store === 'redis' ? { REDIS_URL: redisUrl } : {};
    if (store === 'redis') await flushRedis(redisUrl);
    // TRUST_PROXY: the API-wide tests name their own clients (X-Forwarded-For); the login test is 127.0.0.1.
    a = await startService({
      RATE_LIMIT_LOGIN: '9',
      RATE_LIMIT_API: String(API_LIMIT),
      TRUST_PROXY: 'true',
      RATE_LIMIT_WINDOW_SECONDS: '600',
      LOGIN_MAX_FAILURES: '5',
      ...extra,
    });
    others = await Promise.all(
      [0, 1].map(async () => {
        const started = await spawnService({ ...a.env });
        return { child: started.child, http: new HttpClient(started.url) };
      }),
    );
  }, 180000);

  afterAll(async () => {
    await Promise.all(others.map((other) => stopChild(other.child)));
    // After the restart a.process is the new child; dispose() stops the one it started, then drops the database.
    if (a) await stopChild(a.process);
    await a?.dispose();
  });

  it('enforces one per-client login limit over three instances, and a restart forgets nothing', async () => {
    const attempt = (http: HttpClient): Promise<number> =>
      http.post('/api/v1/auth/login', { username: uniqueUsername('nobody'), password: 'wrong-password' }).then((r) => r.status);
    // 6 of 9 spread over the three instances (in parallel: the counter is one atomic statement).
    const first = await Promise.all(clients().flatMap((http) => [attempt(http), attempt(http)]));
    expect(first).toEqual(Array(6).fill(401));

    // Instance A restarts: the counts are not in its memory.
    await stopChild(a.process);
    const restarted = await spawnService({ ...a.env });
    a = { ...a, process: restarted.child, http: new HttpClient(restarted.url), stop: () => stopChild(restarted.child) };
    const headers = await a.http.post('/api/v1/auth/login', { username: uniqueUsername('nobody'), password: 'wrong-password' });
    expect(headers.status).toBe(401);
    expect(headers.headers.get('ratelimit-limit')).toBe('9');
    expect(headers.headers.get('ratelimit-remaining')).toBe('2');

    const rest = await Promise.all(clients().map((http) => attempt(http)));
    expect(rest.sort()).toEqual([401, 401, 429]);
    for (const http of clients()) {
      const refused = await http.post('/api/v1/auth/login', { username: uniqueUsername('nobody'), password: 'x' });
      expectEnvelope(refused, 429, 42901);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(500);
    }
  });

  // The API-wide limit is counted in memory and shared every FLUSH_INTERVAL_MS (100 ms): after an
  // interval, every instance knows the exact total; within one, an instance may let through its own
  // interval's hits beyond the limit (the documented overshoot).
  const get = (http: HttpClient, client: string) => http.get('/api/v1/occupations', { headers: { 'x-forwarded-for': client } });
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 400));

  it('shares the API-wide count: after a flush interval every instance knows the exact total', async () => {
    const client = '198.51.100.7';
    const [one, two, three] = clients();
    for (let index = 0; index < 10; index += 1) expect((await get(one, client)).status).toBe(200);
    await settle();
    const second = await get(two, client);
    expect(second.headers.get('ratelimit-limit')).toBe(String(API_LIMIT));
    expect(second.headers.get('ratelimit-remaining')).toBe(String(API_LIMIT - 11));
    await settle();
    expect((await get(three, client)).headers.get('ratelimit-remaining')).toBe(String(API_LIMIT - 12));
    await settle();
    // The first instance learnt the others' hits at its last flush, or learns them at its next one.
    await get(one, client);
    await settle();
    expect((await get(one, client)).headers.get('ratelimit-remaining')).toBe(String(API_LIMIT - 14));
  });

  it('enforces one API-wide limit over three instances (within the documented overshoot), and a restart forgets nothing', async () => {
    const client = '198.51.100.8';
    // Twice the limit, spread over the three instances: alone, each would let its 2/3 of the limit through.
    const answers: number[] = [];
    for (let index = 0; index < API_LIMIT * 2; index += 1) answers.push((await get(clients()[index % 3], client)).status);
    const passed = answers.filter((status) => status === 200).length;
    expect(passed).toBeGreaterThanOrEqual(API_LIMIT);
    expect(answers.filter((status) => status !== 200).every((status) => status === 429)).toBe(true);
    await settle();
    // One flush later the total is known everywhere: every instance refuses.
    for (const http of clients()) {
      const refused = await get(http, client);
      expectEnvelope(refused, 429, 42901);
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(500);
    }
    // A clean restart flushes what was counted in memory; the new process reads the count back.
    await stopChild(a.process);
    const restarted = await spawnService({ ...a.env });
    a = { ...a, process: restarted.child, http: new HttpClient(restarted.url), stop: () => stopChild(restarted.child) };
    expectEnvelope(await get(a.http, client), 429, 42901);
    // Another client is not affected.
    expect((await get(a.http, '198.51.100.9')).status).toBe(200);
  });
});

describe('Login lockout across instances', () => {
  let a: RunningService;
  let b: { child: ChildProcess; http: HttpClient };

  beforeAll(async () => {
    a = await startService({ LOGIN_MAX_FAILURES: '5', LOGIN_LOCK_SECONDS: '600' });
    const started = await spawnService({ ...a.env });
    b = { child: started.child, http: new HttpClient(started.url) };
  }, 120000);

  afterAll(async () => {
    if (b) await stopChild(b.child);
    await a?.dispose();
  });

  it('five wrong passwords by username, then the right one by email (any case, other instance): locked', async () => {
    const user = await registerUser(a.http);
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const http = attempt % 2 === 0 ? a.http : b.http;
      expectEnvelope(await http.post('/api/v1/auth/login', { username: user.username, password: 'wrong-password' }), 401, 40102);
    }
    for (const http of [a.http, b.http]) {
      const byEmail = await http.post('/api/v1/auth/login', { email: user.email.toUpperCase(), password: user.password });
      expectEnvelope(byEmail, 429, 42901);
      expect(Number(byEmail.headers.get('retry-after'))).toBeGreaterThan(500);
      expectEnvelope(await http.post('/api/v1/auth/login', { username: user.username.toUpperCase(), password: user.password }), 429, 42901);
    }
  });

  it('wrong passwords by email lock the username too; a burst over both instances answers exactly five', async () => {
    const user = await registerUser(a.http);
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        (index % 2 === 0 ? a.http : b.http).post('/api/v1/auth/login', {
          ...(index % 3 === 0 ? { username: user.username } : { email: user.email }),
          password: `wrong-${index}`,
        }),
      ),
    );
    expect(burst.filter((r) => r.status === 401)).toHaveLength(5);
    expect(burst.filter((r) => r.status === 429)).toHaveLength(7);
    expectEnvelope(await b.http.post('/api/v1/auth/login', { username: user.username, password: user.password }), 429, 42901);
  });

  it('an identifier that names no account is counted as typed (any case), and reveals nothing', async () => {
    const ghost = uniqueUsername('ghost');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      expectEnvelope(await (attempt % 2 ? a.http : b.http).post('/api/v1/auth/login', { username: ghost, password: 'wrong' }), 401, 40102);
    }
    expectEnvelope(await a.http.post('/api/v1/auth/login', { username: ghost.toUpperCase(), password: 'wrong' }), 429, 42901);
    // Another unknown identifier is not affected.
    expectEnvelope(await b.http.post('/api/v1/auth/login', { email: `${ghost}@example.com`, password: 'wrong' }), 401, 40102);
  });

  it('keeps the invitation-guess lock in PostgreSQL, shared by the instances', async () => {
    const guess = (http: HttpClient, index: number): Promise<number> =>
      http
        .post('/api/v1/auth/register', {
          username: uniqueUsername('inv'),
          email: `${uniqueUsername('inv')}@example.com`,
          password: 'pa55word-ok',
          is_admin: 1,
          invitation: `wrong-code-${index}`,
        })
        .then((r) => r.status);
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) statuses.push(await guess(index % 2 ? a.http : b.http, index));
    expect(statuses.slice(0, 4)).toEqual([400, 400, 400, 400]);
    expect(statuses[5]).toBe(429);
    const rows = await withDatabase(a.databaseUrl, (client) =>
      client.query(`SELECT count(*)::int AS n FROM login_failures WHERE key LIKE 'invitation:%'`),
    );
    expect(rows.rows[0].n).toBe(1);
  });
});

async function withDatabase<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Empties one Redis database (FLUSHDB) over a bare connection. */
async function flushRedis(url: string): Promise<void> {
  const { connect } = await import('node:net');
  const parsed = new URL(url);
  const db = parsed.pathname.slice(1);
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: parsed.hostname, port: Number(parsed.port) });
    socket.once('error', reject);
    socket.write(`*2\r\n$6\r\nSELECT\r\n$${db.length}\r\n${db}\r\n*1\r\n$7\r\nFLUSHDB\r\n`);
    let seen = '';
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if ((seen.match(/\r\n/g) ?? []).length >= 2) {
        socket.end();
        resolve();
      }
    });
  });
}

describe('REDIS_URL set and Redis unreachable', () => {
  let service: RunningService;

  beforeAll(async () => {
    // A port nothing listens on: every connection is refused.
    const closed = await freePort();
    service = await startService({
      REDIS_URL: `redis://:not-a-secret-that-may-leak@127.0.0.1:${closed}/1`,
      RATE_LIMIT_LOGIN: '4',
      RATE_LIMIT_API: '50',
      RATE_LIMIT_WINDOW_SECONDS: '600',
      LOG_LEVEL: 'info',
    });
  }, 120000);

  afterAll(async () => {
    await service?.dispose();
  });

  it('counts in PostgreSQL instead: no 500, the limits hold with their codes, readiness says Redis is down', async () => {
    const ready = await service.http.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', redis: { status: 'down', rate_limits: 'postgres' } });

    const user = await registerUser(service.http);
    // registerUser signed in once: 3 logins of 4 are left in this window.
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const response = await service.http.post('/api/v1/auth/login', { username: user.username, password: 'wrong-password' });
      statuses.push(response.status);
      if (response.status === 401) expectEnvelope(response, 401, 40102);
      else expectEnvelope(response, 429, 42901);
    }
    // Exact, as with Redis: the 4th login of the window is the last one let through.
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // The counts are in rate_limits, where every instance sees them.
    const rows = await withDatabase(service.databaseUrl, (client) =>
      client.query<{ key: string; hits: number }>(`SELECT key, hits FROM rate_limits WHERE key LIKE 'login:%'`),
    );
    expect(rows.rows).toHaveLength(1);
    expect(rows.rows[0].hits).toBeGreaterThanOrEqual(5);

    const me = await service.http.get('/api/v1/auth/me', { token: user.token });
    expectEnvelope(me, 200);
    expect(me.headers.get('ratelimit-limit')).toMatch(/^\d+$/);

    // One warning for the outage, and neither the URL's password nor a stack in the output.
    const output = service.output();
    expect(output.match(/Redis failed/g) ?? []).toHaveLength(1);
    expect(output).not.toContain('not-a-secret-that-may-leak');
    expect(output).not.toMatch(/\n\s+at /);
  });
});
