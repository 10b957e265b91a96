import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';
import { newAccount, registerUser, signInSuperadmin } from '../support/factories';

describe('The common layer: envelope, errors, languages, health, docs', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService({ BODY_LIMIT: '2048' });
  });
  afterAll(() => service?.dispose());

  describe('errors from the HTTP layer come back in the envelope', () => {
    it('answers an unknown route with 404/40401', async () => {
      const response = await service.http.get('/api/v1/nothing-here');
      expectEnvelope(response, 404, 40401);
      expect(response.body.data).toBeNull();
    });

    it('answers an unknown route outside /api/v1 with 404/40401 too', async () => {
      expectEnvelope(await service.http.get('/nope'), 404, 40401);
    });

    it('refuses a body that is not JSON with 40000', async () => {
      const response = await service.http.post('/api/v1/auth/login', undefined, { raw: '{"username": ', contentType: 'application/json' });
      expectEnvelope(response, 400, 40000);
    });

    it.each([
      ['an array', '[1,2]'],
      ['a string', '"text"'],
      ['a number', '42'],
      ['null', 'null'],
    ])('refuses %s as a body with 40000', async (_name, raw) => {
      const response = await service.http.post('/api/v1/auth/login', undefined, { raw, contentType: 'application/json' });
      expectEnvelope(response, 400, 40000);
    });

    it('refuses prototype-poisoning keys with 40000', async () => {
      const response = await service.http.post('/api/v1/auth/login', undefined, {
        raw: '{"username":"someone1","password":"x","__proto__":{"admin":true}}',
        contentType: 'application/json',
      });
      expectEnvelope(response, 400, 40000);
    });

    it.each([
      ['a form', 'application/x-www-form-urlencoded', 'username=a&password=b'],
      ['XML', 'application/xml', '<a/>'],
      ['text', 'text/plain', 'hello'],
      ['multipart', 'multipart/form-data; boundary=x', '--x--'],
    ])('refuses %s with 415/41501', async (_name, contentType, raw) => {
      const response = await service.http.post('/api/v1/auth/login', undefined, { raw, contentType });
      expectEnvelope(response, 415, 41501);
    });

    it('refuses a body over BODY_LIMIT with 413/41301', async () => {
      const response = await service.http.post('/api/v1/auth/register', { ...newAccount(), padding: 'x'.repeat(4096) });
      expectEnvelope(response, 413, 41301);
    });

    it('answers a malformed URL or an over-long path parameter with 400 in the envelope', async () => {
      expectEnvelope(await service.http.get('/api/v1/occupations/%E0%A4%A'), 400, 40000);
      expectEnvelope(await service.http.get(`/api/v1/occupations/${'a'.repeat(5000)}`), 400, 40000);
    });

    it('refuses a deeply nested body with 40000 instead of crashing a parser', async () => {
      const deep = '{"a":'.repeat(40) + '1' + '}'.repeat(40);
      expectEnvelope(await service.http.post('/api/v1/auth/login', undefined, { raw: deep, contentType: 'application/json' }), 400, 40000);
      const arrays = '['.repeat(40) + ']'.repeat(40);
      expectEnvelope(
        await service.http.post('/api/v1/auth/register', undefined, { raw: `{"profile":${arrays}}`, contentType: 'application/json' }),
        400,
        40000,
      );
    });

    it('refuses a body or query on routes that take none (40001 naming the field)', async () => {
      const { token } = await registerUser(service.http);
      const logout = await service.http.post('/api/v1/auth/logout', { evil: 1 }, { token });
      expectEnvelope(logout, 400, 40001);
      expect(logout.body.data.errors).toEqual([{ field: 'evil', message: expect.any(String) }]);
      expectEnvelope(await service.http.get('/api/v1/auth/me?x=1', { token }), 400, 40001);
      expectEnvelope(await service.http.get('/api/v1/auth/me', { token }), 200);
    });

    it('keeps answers short for many unknown fields', async () => {
      const body = Object.fromEntries(Array.from({ length: 150 }, (_, index) => [`k${index}`, 1]));
      const response = await service.http.post('/api/v1/auth/login', body);
      expectEnvelope(response, 400, 40001);
      expect(response.body.data.errors.length).toBeLessThanOrEqual(50);
    });

    it('parses query integers strictly', async () => {
      for (const value of ['0x10', '1e1', '+5', '1.5', 'abc']) {
        expectEnvelope(await service.http.get(`/api/v1/occupations?limit=${encodeURIComponent(value)}`), 400, 40001);
      }
      const repeated = await service.http.get('/api/v1/occupations?page=1&page=2');
      expectEnvelope(repeated, 400, 40001);
      expect(repeated.body.data.errors[0].message).toMatch(/integer/);
    });

    it('marks API answers Cache-Control: no-store', async () => {
      const response = await service.http.post('/api/v1/auth/login', { username: 'someone1', password: 'x' });
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it.each([
      ['a body string', () => service.http.post('/api/v1/auth/login', { username: 'a\u0000b', password: 'x' })],
      ['a query string', () => service.http.get('/api/v1/occupations?name=%00')],
      ['a nested field', () => service.http.post('/api/v1/auth/register', { ...newAccount(), profile: { name: 'x\u0000' } })],
    ])('refuses a NUL character in %s with 40001, not a 500', async (_where, send) => {
      const response = await send();
      expectEnvelope(response, 400, 40001);
    });

    it.each(['20240101', '2024-W01-1', '2024-13-01', '2024-01-01T25:00'])('refuses the date-time %s with 40001', async (value) => {
      const { token } = await signInSuperadmin(service.http);
      expectEnvelope(await service.http.get(`/api/v1/user-logs?from=${value}`, { token }), 400, 40001);
    });

    it('never answers 500 for a malformed path id', async () => {
      const { token } = await registerUser(service.http);
      const response = await service.http.get('/api/v1/users/not-a-uuid', { token });
      expectEnvelope(response, 400, 40001);
      expect(response.body.data.errors).toEqual([{ field: 'id', message: expect.any(String) }]);
    });
  });

  describe('validation', () => {
    it('names unknown fields with 40001 and changes nothing', async () => {
      const account = newAccount({ role: 'superadmin' });
      const response = await service.http.post('/api/v1/auth/register', account);
      expectEnvelope(response, 400, 40001);
      expect(response.body.data.errors).toContainEqual({ field: 'role', message: expect.stringContaining('role') });
      const login = await service.http.post('/api/v1/auth/login', { username: account.username, password: account.password });
      expectEnvelope(login, 401, 40102);
    });

    it('reports the most telling rule of a field (presence or type before size)', async () => {
      const missing = await service.http.post('/api/v1/auth/login', {});
      expect(missing.body.data.errors).toContainEqual({ field: 'username', message: 'give username or email' });
      const typed = await service.http.post('/api/v1/auth/register', { ...newAccount(), profile: { age: '20' } });
      expect(typed.body.data.errors).toEqual([{ field: 'profile.age', message: 'age must be an integer number' }]);
    });

    it('counts password length in characters, an emoji being one', async () => {
      expectEnvelope(await service.http.post('/api/v1/auth/register', newAccount({ password: '😀😀😀' })), 400, 40001);
      expectEnvelope(await service.http.post('/api/v1/auth/register', newAccount({ password: '😀'.repeat(100) })), 201);
    });

    it('lists every invalid field, nested ones with their path', async () => {
      const response = await service.http.post('/api/v1/auth/register', {
        username: 'ab',
        email: 'not-an-email',
        password: '1',
        profile: { age: 200, gender: 7, unknown: true },
      });
      expectEnvelope(response, 400, 40001);
      const fields = response.body.data.errors.map((error: { field: string }) => error.field);
      expect(fields).toEqual(expect.arrayContaining(['username', 'email', 'password', 'profile.age', 'profile.gender', 'profile.unknown']));
    });

    it('refuses unknown query parameters with 40001', async () => {
      const { token } = await registerUser(service.http);
      const response = await service.http.get('/api/v1/auth/sessions?pagee=2', { token });
      expectEnvelope(response, 400, 40001);
      expect(response.body.data.errors[0].field).toBe('pagee');
    });
  });

  describe('languages', () => {
    it('answers in English by default', async () => {
      const response = await service.http.post('/api/v1/auth/login', { username: 'nobody123', password: 'whatever' });
      expect(response.body.message).toBe('Wrong username/email or password');
    });

    it('answers in Simplified Chinese when Accept-Language prefers zh, with the same errorCode', async () => {
      const response = await service.http.post(
        '/api/v1/auth/login',
        { username: 'nobody123', password: 'whatever' },
        { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' } },
      );
      expectEnvelope(response, 401, 40102);
      expect(response.body.message).toBe('用户名/邮箱或密码错误');
    });

    it('honours q-values', async () => {
      const response = await service.http.get('/api/v1/nothing', { headers: { 'accept-language': 'zh;q=0.3, en;q=0.9' } });
      expect(response.body.message).toBe('Not found');
    });

    it('translates field messages too', async () => {
      const response = await service.http.post(
        '/api/v1/auth/register',
        { ...newAccount(), username: 'ab' },
        { headers: { 'accept-language': 'zh' } },
      );
      expect(response.body.message).toBe('参数校验失败');
      expect(response.body.data.errors[0].message).toMatch(/username/);
      expect(response.body.data.errors[0].message).toMatch(/字母和数字/);
    });
  });

  describe('routes', () => {
    it('accepts a trailing slash on every route', async () => {
      const account = newAccount();
      expectEnvelope(await service.http.post('/api/v1/auth/register/', account), 201);
      const login = await service.http.post('/api/v1/auth/login/', { username: account.username, password: account.password });
      expectEnvelope(login, 200);
      expectEnvelope(await service.http.get('/api/v1/auth/me/', { token: login.body.data.access_token }), 200);
    });
  });

  describe('health and docs (outside the envelope)', () => {
    it('GET /health/live answers 200', async () => {
      const response = await service.http.get('/health/live');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok' });
    });

    it('GET /health/ready checks the database and the migrations', async () => {
      const response = await service.http.get('/health/ready');
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('ok');
      expect(response.body.info.database.status).toBe('up');
      expect(response.body.info.migrations.status).toBe('up');
    });

    it('serves the Swagger UI at /docs and the document at /docs-json', async () => {
      const ui = await service.http.get('/docs');
      expect(ui.status).toBe(200);
      expect(ui.text).toContain('swagger');
      const doc = await service.http.get('/docs-json');
      expect(doc.status).toBe(200);
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(doc.body.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    });

    it('marks public routes with security: [] and protected ones with the bearer scheme', async () => {
      const { body } = await service.http.get('/docs-json');
      expect(body.paths['/api/v1/auth/login'].post.security).toEqual([]);
      expect(body.paths['/api/v1/auth/register'].post.security).toEqual([]);
      expect(body.paths['/api/v1/auth/me'].get.security).toEqual([{ bearer: [] }]);
    });

    it('documents every /api/v1 operation with an envelope response and its error codes', async () => {
      const { body } = await service.http.get('/docs-json');
      for (const [path, item] of Object.entries<Record<string, any>>(body.paths)) {
        if (!path.startsWith('/api/v1')) continue;
        for (const [method, operation] of Object.entries<any>(item)) {
          const codes = Object.keys(operation.responses);
          const success = codes.find((code) => code.startsWith('2'));
          expect({ path, method, success: Boolean(success) }).toEqual({ path, method, success: true });
          const content = operation.responses[success as string].content;
          // A download (GET /exports/users: CSV or JSON lines) is not wrapped; its errors are, like every other.
          const documented = content['application/json'] ? success : codes.find((code) => code.startsWith('4'));
          if (!content['application/json']) expect(Object.keys(content).sort()).toEqual(['application/x-ndjson', 'text/csv']);
          const schema = JSON.stringify(operation.responses[documented as string].content['application/json'].schema);
          expect(schema).toContain('EnvelopeDto');
          expect(operation.summary).toEqual(expect.any(String));
        }
      }
    });
  });
});
