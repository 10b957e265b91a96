import { get as httpGet, IncomingMessage } from 'node:http';
import { connect, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectEnvelope } from '../support/http';
import { RunningService, SUPERADMIN, startService, waitFor } from '../support/service';
import { newAccount, registerUser, signInSuperadmin, TestUser } from '../support/factories';

/** Opens a raw connection, writes `text`, and resolves with what came back and when the server closed it. */
function stall(url: string, text: string): Promise<{ response: string; closedAfterMs: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket: Socket = connect(Number(port), hostname, () => socket.write(text));
    let response = '';
    socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept a stalled connection open for 20 s: ${response}`));
    }, 20000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, closedAfterMs: Date.now() - started });
    });
  });
}

describe('Hardening: bad input never reaches a 500, slow clients are cut off, every /api answer is counted', () => {
  let service: RunningService;
  let superadmin: TestUser;

  beforeAll(async () => {
    service = await startService({ HEADERS_TIMEOUT: '1', REQUEST_TIMEOUT: '2', BODY_LIMIT: '2048', LOG_LEVEL: 'info' });
    superadmin = await signInSuperadmin(service.http);
  });
  afterAll(() => service?.dispose());

  describe('a null identifier beside a valid one is a 400 on every login route, even with the right password', () => {
    it.each([
      ['canonical', '/api/v1/auth/login', 400],
      ['003', '/api/v1/user/login', 400],
      ['000', '/api/auth/', 400],
    ])('%s %s', async (_family, path, status) => {
      for (const body of [
        { username: SUPERADMIN.username, email: null, password: SUPERADMIN.password },
        { email: SUPERADMIN.email, username: null, password: SUPERADMIN.password },
        { username: SUPERADMIN.username, password: null },
      ]) {
        const response = await service.http.post(path, body);
        expect({ body, status: response.status }).toEqual({ body, status });
      }
    });

    it('001 /api/login/ (its own 400 shape)', async () => {
      for (const body of [
        { email: SUPERADMIN.email, username: null, password: SUPERADMIN.password },
        { username: SUPERADMIN.username, email: null, password: SUPERADMIN.password },
        { email: SUPERADMIN.email, password: SUPERADMIN.password, is_admim: null },
      ]) {
        const response = await service.http.post('/api/login/', body);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expect(response.body).toEqual(expect.objectContaining({ result: expect.any(String) }));
      }
    });
  });

  describe('POST /users refuses null where PATCH does', () => {
    it.each(['role', 'state', 'username', 'email', 'password', 'profile'])('"%s": null is 400/40001 naming the field', async (field) => {
      const response = await service.http.post('/api/v1/users', newAccount({ [field]: null }), { token: superadmin.token });
      expectEnvelope(response, 400, 40001);
      expect(response.body.data.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('still clears the nullable profile fields with null', async () => {
      const user = await registerUser(service.http, { profile: { gender: 1, occupation: null, birthday: '2000-01-31' } });
      const response = await service.http.patch(
        '/api/v1/auth/me',
        { phone_number: null, profile: { gender: null, birthday: null, occupation: null, name: null } },
        { token: user.token },
      );
      expectEnvelope(response, 200);
      expect(response.body.data.profile).toEqual(expect.objectContaining({ gender: null, birthday: null, occupation: null }));
    });
  });

  describe('slow clients are cut off (HEADERS_TIMEOUT=1, REQUEST_TIMEOUT=2)', () => {
    it('answers a stalled body with 408 and closes the connection', async () => {
      const { response, closedAfterMs } = await stall(
        service.url,
        'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"username":',
      );
      expect(response).toMatch(/^HTTP\/1\.1 408 /);
      expect(closedAfterMs).toBeLessThan(10000);
    });

    it('closes a connection whose headers never end', async () => {
      const { response } = await stall(service.url, 'GET /api/v1/occupations HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      expect(response === '' || /^HTTP\/1\.1 408 /.test(response)).toBe(true);
    });

    it('logs a client that aborts its upload as info with its own reason, never as 50301', async () => {
      const { hostname, port } = new URL(service.url);
      const socket = connect(Number(port), hostname);
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        'POST /api/v1/auth/register HTTP/1.1\r\nHost: x\r\nX-Request-Id: abort-test-1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"username":',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      socket.resetAndDestroy();
      await waitFor(
        async () => service.output().includes('"reqId":"abort-test-1","reason":"client-aborted"'),
        10000,
        'the client-abort log line',
      );
      const lines = service
        .output()
        .split('\n')
        .filter((line) => line.includes('abort-test-1'));
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).not.toContain('50301');
        expect(JSON.parse(line).level).toBeLessThanOrEqual(30);
      }
    });
  });

  describe('every /api answer carries the rate-limit headers and counts', () => {
    const remaining = (headers: Headers): number => Number(headers.get('ratelimit-remaining'));

    it.each([
      ['malformed JSON', () => service.http.post('/api/v1/auth/login', undefined, { raw: '{"a":', contentType: 'application/json' }), 400],
      ['a body over BODY_LIMIT', () => service.http.post('/api/v1/auth/login', { padding: 'x'.repeat(4096) }), 413],
      [
        'a form',
        () => service.http.post('/api/v1/auth/login', undefined, { raw: 'a=b', contentType: 'application/x-www-form-urlencoded' }),
        415,
      ],
      ['an unknown route', () => service.http.get('/api/v1/nothing-here'), 404],
      ['an unknown source route', () => service.http.get('/api/nothing-here/'), 404],
    ])('%s', async (_name, send, status) => {
      const first = await send();
      const second = await send();
      expect([first.status, second.status]).toEqual([status, status]);
      for (const response of [first, second]) {
        expect(response.headers.get('ratelimit-limit')).toMatch(/^\d+$/);
        expect(response.headers.get('ratelimit-reset')).toMatch(/^\d+$/);
      }
      expect(remaining(second.headers)).toBe(remaining(first.headers) - 1);
    });

    it('says nothing of rate limits outside /api', async () => {
      const response = await service.http.get('/health/live');
      expect(response.headers.get('ratelimit-limit')).toBeNull();
    });
  });

  describe('the OpenAPI document at /docs-json', () => {
    it('is served compressed, with an ETag and Cache-Control, and answers 304 to If-None-Match', async () => {
      const { hostname, port } = new URL(service.url);
      const fetchRaw = (headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; size: number }> =>
        new Promise((resolvePromise, reject) => {
          const request = httpGet({ hostname, port, path: '/docs-json', headers }, (response: IncomingMessage) => {
            let size = 0;
            response.on('data', (chunk: Buffer) => (size += chunk.length));
            response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, headers: response.headers, size }));
          });
          request.on('error', reject);
        });
      const plain = await fetchRaw({});
      const brotli = await fetchRaw({ 'accept-encoding': 'gzip, deflate, br' });
      const gzip = await fetchRaw({ 'accept-encoding': 'gzip' });
      expect([plain.status, brotli.status, gzip.status]).toEqual([200, 200, 200]);
      expect([brotli.headers['content-encoding'], gzip.headers['content-encoding']]).toEqual(['br', 'gzip']);
      expect(brotli.size).toBeLessThan(plain.size / 5);
      expect(gzip.size).toBeLessThan(plain.size / 5);
      expect(plain.headers['cache-control']).toMatch(/max-age=\d+/);
      expect(plain.headers.etag).toMatch(/^".+"$/);
      const again = await fetchRaw({ 'if-none-match': String(plain.headers.etag) });
      expect(again.status).toBe(304);
      const document = (await service.http.get('/docs-json')).body;
      expect(document.info.description).toContain('| 50301 | 503 |');
      expect(document.paths['/api/v1/auth/login'].post.responses['415']).toBeDefined();
    });
  });

  describe("the README's claims about headers", () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

    it('match what an /api answer sends', async () => {
      const response = await service.http.get('/api/v1/nothing-here');
      const frameOptions = response.headers.get('x-frame-options');
      expect(readme).toContain(`X-Frame-Options: ${frameOptions}`);
      expect(readme).not.toMatch(/frame denial/i);
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('cache-control')).toBe('no-store');
      for (const header of ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']) {
        expect(readme).toContain(header);
        expect(response.headers.get(header)).not.toBeNull();
      }
    });
  });
});

describe('PASSWORD_MIN_LENGTH flows from the configuration into validation', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ PASSWORD_MIN_LENGTH: '10' });
  });
  afterAll(() => service?.dispose());

  it('refuses a password under the configured minimum, naming it, and accepts one at it', async () => {
    const short = await service.http.post('/api/v1/auth/register', newAccount({ password: 'abcdefghi' }));
    expectEnvelope(short, 400, 40001);
    expect(short.body.data.errors).toEqual([{ field: 'password', message: 'password must be 10 to 128 characters' }]);
    const enough = await service.http.post('/api/v1/auth/register', newAccount({ password: 'abcdefghij' }));
    expectEnvelope(enough, 201);
  });
});
