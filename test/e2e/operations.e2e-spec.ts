import { ChildProcess, spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { login, newAccount, registerUser, signInRoles } from '../support/factories';
import { expectEnvelope, HttpClient } from '../support/http';
import { rawRequest, RawOutcome } from '../support/raw-http';
import { withClient } from '../support/database';
import { freePort, RunningService, spawnService, startService, stopChild, SUPERADMIN, waitFor } from '../support/service';

const root = join(__dirname, '..', '..');

describe('Operations: metrics, headers, request ids, logs', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ LOG_LEVEL: 'info', CORS_ORIGINS: 'https://app.example.com' });
  });
  afterAll(() => service?.dispose());

  it('serves Prometheus metrics: request durations by route template, login outcomes, lockouts, reuse, pool, process', async () => {
    const user = await registerUser(service.http);
    await service.http.get(`/api/v1/users/${user.id}`, { token: user.token });
    await service.http.post('/api/v1/auth/login', { username: user.username, password: 'wrong-password' });
    const response = await service.http.get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = response.text;
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*method="GET"[^}]*route="\/api\/v1\/users\/:id"[^}]*status_code="200"/);
    expect(text).toMatch(/auth_login_attempts_total\{outcome="success"\} [1-9]/);
    expect(text).toMatch(/auth_login_attempts_total\{outcome="wrong_credentials"\} [1-9]/);
    expect(text).toMatch(/auth_login_attempts_total\{outcome="locked"\} \d/);
    expect(text).toMatch(/auth_lockouts_total \d/);
    expect(text).toMatch(/auth_refresh_token_reuse_total \d/);
    expect(text).toMatch(/db_pool_connections\{state="total"\} \d/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
    expect(text).toMatch(/nodejs_eventloop_lag_seconds/);
  });

  it('sends security headers, no X-Powered-By, and Cache-Control: no-store on the API', async () => {
    const response = await service.http.get('/api/v1/occupations');
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    // The docs must load over plain http under any host name (see test/browser).
    expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    expect(response.headers.get('strict-transport-security')).toBeTruthy();
    expect(response.headers.get('x-frame-options')).toBeTruthy();
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers GET / with where to go: the docs and the health probes', async () => {
    const response = await service.http.get('/');
    expect(response.status).toBe(200);
    expect(response.body).toEqual(
      expect.objectContaining({ docs: '/docs', api: '/api/v1', health: { live: '/health/live', ready: '/health/ready' } }),
    );
    expect((await service.http.get(response.body.health.live)).status).toBe(200);
    expect((await service.http.get(response.body.docs)).status).toBe(200);
  });

  it('tells clients their rate-limit budget on every API answer', async () => {
    const response = await service.http.get('/api/v1/occupations');
    expect(Number(response.headers.get('ratelimit-limit'))).toBeGreaterThan(0);
    expect(Number(response.headers.get('ratelimit-remaining'))).toBeGreaterThanOrEqual(0);
    expect(Number(response.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(0);
  });

  it('allows CORS for the configured origins only', async () => {
    const allowed = await service.http.request('OPTIONS', '/api/v1/auth/login', undefined, {
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const refused = await service.http.request('OPTIONS', '/api/v1/auth/login', undefined, {
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('takes a sane X-Request-Id from the client, makes one otherwise, and returns it', async () => {
    const given = await service.http.get('/api/v1/occupations', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc-123');
    const made = await service.http.get('/api/v1/occupations', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unknown = await service.http.get('/api/v1/nothing-here');
    expect(unknown.headers.get('x-request-id')).toEqual(expect.any(String));
    await waitFor(async () => service.output().includes('trace-abc-123'), 3000, 'the access line');
    const line = service
      .output()
      .split('\n')
      .find((entry) => entry.includes('"trace-abc-123"'));
    expect(JSON.parse(line as string)).toEqual(
      expect.objectContaining({
        level: 30,
        req: expect.objectContaining({ id: 'trace-abc-123', method: 'GET' }),
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
        msg: 'request completed',
      }),
    );
    // An unknown route is an access line too, with its status, at info level.
    await waitFor(async () => service.output().includes('"url":"/api/v1/nothing-here"'), 3000, 'the 404 access line');
    const notFound = service
      .output()
      .split('\n')
      .find((entry) => entry.includes('"url":"/api/v1/nothing-here"'));
    expect(JSON.parse(notFound as string)).toEqual(expect.objectContaining({ level: 30, res: { statusCode: 404 } }));
  });

  it('writes no access line below LOG_LEVEL=info, and still starts and answers', async () => {
    const quiet = await startService({ LOG_LEVEL: 'warn' });
    try {
      const marked = await quiet.http.get('/api/v1/occupations', { headers: { 'x-request-id': 'quiet-trace-1' } });
      expect(marked.status).toBe(200);
      expect(marked.headers.get('x-request-id')).toBe('quiet-trace-1');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(quiet.output()).not.toContain('quiet-trace-1');
      expect(quiet.output()).not.toContain('request completed');
    } finally {
      await quiet.dispose();
    }
  });

  it('writes no password, token, secret or invitation code to the log', async () => {
    const secrets: string[] = [SUPERADMIN.password, service.env.JWT_SECRET];
    const roles = await signInRoles(service.http);
    const account = newAccount({ password: `Pw-${randomBytes(6).toString('hex')}` });
    secrets.push(account.password as string);
    await service.http.post('/api/v1/auth/register', account);
    const signedIn = await login(service.http, { username: account.username }, account.password as string);
    secrets.push(signedIn.token, signedIn.refreshToken, roles.user.token, roles.admin.token);
    const newPassword = `New-${randomBytes(6).toString('hex')}`;
    secrets.push(newPassword);
    await service.http.put(
      '/api/v1/auth/password',
      { old_password: account.password, new_password: newPassword },
      { token: signedIn.token },
    );
    const refreshed = await service.http.post('/api/v1/auth/refresh', { refresh_token: signedIn.refreshToken });
    secrets.push(refreshed.body.data.refresh_token);
    // A password typed into the username field, a failed login, a validation failure carrying a password.
    const typo = `Typo-${randomBytes(6).toString('hex')}`;
    secrets.push(typo);
    await service.http.post('/api/v1/auth/login', { username: typo, password: typo });
    await service.http.post('/api/v1/auth/register', { ...newAccount(), password: typo, role: 'admin' });
    const invitation = await service.http.post('/api/v1/invitations', {}, { token: roles.superadmin.token });
    secrets.push(invitation.body.data.code);
    await service.http.post('/api/v1/auth/register', { ...newAccount(), is_admin: 1, invitation: invitation.body.data.code });
    await service.http.post('/api/login/', { email: account.email, password: newPassword });
    await service.http.get('/api/v1/auth/me', { headers: { authorization: `Bearer ${signedIn.token}` } });

    await new Promise((resolve) => setTimeout(resolve, 300));
    const log = service.output();
    expect(log).toContain('request completed');
    for (const secret of secrets) expect(log).not.toContain(secret);
    expect(log).not.toMatch(/eyJhbGciOi/);
    expect(log).not.toMatch(/argon2id/);
    expect(log).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  });
});

describe('Metrics can be protected or turned off', () => {
  it('asks for METRICS_TOKEN when one is set', async () => {
    const token = randomBytes(16).toString('hex');
    const service = await startService({ METRICS_TOKEN: token });
    try {
      expect((await service.http.get('/metrics')).status).toBe(401);
      expect((await service.http.get('/metrics', { token: 'wrong-token-wrong-token' })).status).toBe(401);
      expect((await service.http.get('/metrics', { token })).status).toBe(200);
    } finally {
      await service.dispose();
    }
  });

  it('hides /metrics with METRICS_ENABLED=false', async () => {
    const service = await startService({ METRICS_ENABLED: 'false' });
    try {
      expect((await service.http.get('/metrics')).status).toBe(404);
    } finally {
      await service.dispose();
    }
  });
});

describe('Graceful shutdown', () => {
  /**
   * Correctness, not speed: 12 clients (half on keep-alive connections, half on a new connection per
   * request) log in and read /auth/me without pause, and a "load balancer" polls /health/ready and stops
   * sending as soon as it fails. Then SIGTERM. Every request sent must get its normal answer: none
   * reset, none refused, no 5xx, in-flight requests finished, and every answer after SIGTERM tells its
   * client to close the connection.
   */
  it('under load, fails readiness first, keeps answering through SHUTDOWN_DRAIN_SECONDS, loses no request, then exits 0', async () => {
    const service = await startService({ RATE_LIMIT_API: '0', LOG_LEVEL: 'info', SHUTDOWN_DRAIN_SECONDS: '3' });
    const agent = new Agent({ keepAlive: true, maxSockets: 6 });
    try {
      const user = await registerUser(service.http);
      const outcomes: RawOutcome[] = [];
      const probes: RawOutcome[] = [];
      let routing = true;
      const worker = async (index: number): Promise<void> => {
        const via = index % 2 === 0 ? agent : undefined;
        while (routing) {
          outcomes.push(
            index % 3 === 0
              ? await rawRequest(service.url, 'POST', '/api/v1/auth/login', { username: user.username, password: user.password }, {}, via)
              : await rawRequest(service.url, 'GET', '/api/v1/auth/me', undefined, { authorization: `Bearer ${user.token}` }, via),
          );
        }
      };
      const balancer = async (): Promise<void> => {
        while (routing) {
          const probe = await rawRequest(service.url, 'GET', '/health/ready');
          probes.push(probe);
          if (probe.status !== 200) routing = false;
          else await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      const clients = [...Array.from({ length: 12 }, (_, index) => worker(index)), balancer()];
      await waitFor(async () => outcomes.length >= 24, 30000, 'the load to be running');

      const sigtermAt = Date.now();
      const exited = stopChild(service.process);
      await Promise.all(clients);
      expect(await exited).toBe(0);

      const afterSigterm = outcomes.filter((outcome) => outcome.endedAt > sigtermAt);
      if (process.env.E2E_SHUTDOWN_REPORT) {
        process.stdout.write(
          `${JSON.stringify({ requests: outcomes.length, answeredAfterSigterm: afterSigterm.length, inFlightAtSigterm: outcomes.filter((o) => o.startedAt < sigtermAt && o.endedAt > sigtermAt).length, errors: outcomes.filter((o) => o.error).length, probes: probes.length })}\n`,
        );
      }
      // Nothing reset or refused, nothing but a normal answer.
      expect(outcomes.filter((outcome) => outcome.error !== undefined)).toEqual([]);
      expect(outcomes.filter((outcome) => outcome.status !== 200)).toEqual([]);
      expect(probes.filter((probe) => probe.error !== undefined)).toEqual([]);
      // Readiness failed first, while requests were still answered.
      expect(probes[probes.length - 1].status).toBe(503);
      expect(afterSigterm.length).toBeGreaterThan(0);
      // Requests running when SIGTERM arrived finished with their normal answer.
      expect(outcomes.some((outcome) => outcome.startedAt < sigtermAt && outcome.endedAt > sigtermAt)).toBe(true);
      // Once draining, every keep-alive connection is told to close after its answer.
      for (const outcome of outcomes.filter((entry) => entry.startedAt > sigtermAt + 200)) expect(outcome.connection).toBe('close');
      const log = service.output();
      expect(log).toContain('SIGTERM received: readiness fails now; still serving for 3 s');
      expect(log).not.toContain('request aborted');
      // The failing readiness probes are the only error-level lines (pino-http logs every 5xx as an error).
      const errors = log.split('\n').filter((line) => line.includes('"level":50'));
      expect(errors.filter((line) => !line.includes('"url":"/health/ready"'))).toEqual([]);
      expect((await rawRequest(service.url, 'GET', '/health/live')).error).toBe('ECONNREFUSED');
      expect(log).toContain('stopped');
    } finally {
      agent.destroy();
      await service.dispose();
    }
  });

  it('with Ctrl-C (SIGINT) does not drain: finishes what is running and exits 0 at once', async () => {
    const service = await startService({ SHUTDOWN_DRAIN_SECONDS: '30', LOG_LEVEL: 'info' });
    try {
      expectEnvelope(await service.http.get('/api/v1/occupations'), 200);
      expect(await stopChild(service.process, 'SIGINT')).toBe(0);
      expect(service.output()).toContain('SIGINT received: finishing in-flight requests');
      expect(service.output()).not.toContain('still serving for');
    } finally {
      await service.dispose();
    }
  });
});

describe('Database outage', () => {
  it('answers 503/50301 while PostgreSQL is down, stays alive and live, and recovers by itself', async () => {
    const dataDir = mkdtempSync(join(root, '.data', 'outage-'));
    const port = await freePort();
    const startPostgres = async (): Promise<{ child: ChildProcess; url: string }> => {
      const child = spawn(process.execPath, [join(__dirname, '..', 'support', 'pg-server.js'), dataDir, String(port)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`pg-server exited with ${code}`)));
      });
      return { child, url: JSON.parse(line).url };
    };
    let postgres = await startPostgres();
    const started = await spawnService({
      NODE_ENV: 'test',
      ENV_FILE: 'none',
      HOST: '127.0.0.1',
      DATABASE_URL: postgres.url,
      DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(32).toString('hex'),
      SUPERADMIN_USERNAME: SUPERADMIN.username,
      SUPERADMIN_EMAIL: SUPERADMIN.email,
      SUPERADMIN_PASSWORD: SUPERADMIN.password,
      LOG_LEVEL: 'warn',
    });
    try {
      const http = new HttpClient(started.url);
      const user = await registerUser(http);

      await stopChild(postgres.child);
      const me = await http.get('/api/v1/auth/me', { token: user.token });
      expectEnvelope(me, 503, 50301);
      expectEnvelope(await http.post('/api/v1/auth/login', { username: user.username, password: user.password }), 503, 50301);
      expectEnvelope(await http.get('/api/v1/occupations'), 503, 50301);
      expect((await http.get('/health/ready')).status).toBe(503);
      expect((await http.get('/health/live')).status).toBe(200);
      expect(started.child.exitCode).toBeNull();

      postgres = await startPostgres();
      await waitFor(async () => (await http.get('/health/ready')).status === 200, 30000, 'readiness after PostgreSQL returned');
      expectEnvelope(await http.get('/api/v1/auth/me', { token: user.token }), 200);
      expectEnvelope(await http.post('/api/v1/auth/login', { username: user.username, password: user.password }), 200);
      expect(started.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);
    } finally {
      await stopChild(started.child);
      await stopChild(postgres.child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('The error log locates a 500', () => {
  it('names the TypeScript file and line in the default (bundled) build, and no stack trace', async () => {
    const service = await startService({ LOG_LEVEL: 'info' });
    try {
      // A table the service relies on disappears: its query fails with a database error the service cannot map to anything but 500.
      await withClient(service.databaseUrl, (client) => client.query('DROP TABLE occupations CASCADE'));
      const response = await service.http.get('/api/v1/occupations');
      expectEnvelope(response, 500, 50001);
      await waitFor(async () => service.output().includes('"level":50'), 3000, 'the error line');
      const line = service
        .output()
        .split('\n')
        .find((entry) => entry.includes('"level":50') && entry.includes('"at":'));
      expect(line).toBeDefined();
      const entry = JSON.parse(line as string);
      expect(JSON.stringify(entry)).toMatch(/"at":"src\/[a-z0-9/.-]+\.ts:\d+"/);
      expect(service.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);
    } finally {
      await service.dispose();
    }
  });
});
