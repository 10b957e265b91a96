import { randomUUID } from 'node:crypto';
import { withClient } from '../support/database';
import { registerUser, signInRoles, TestUser } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

describe('Audit log (/user-logs)', () => {
  let service: RunningService;
  let superadmin: TestUser;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    service = await startService();
    ({ superadmin, admin, user } = await signInRoles(service.http));
  });
  afterAll(() => service?.dispose());

  it('lists records newest first with operation names, for admin+', async () => {
    const subject = await registerUser(service.http);
    await service.http.post('/api/v1/auth/logout', undefined, { token: subject.token });
    const response = await service.http.get(`/api/v1/user-logs?user=${subject.id}`, { token: admin.token });
    expectEnvelope(response, 200);
    expect(response.body.data.count).toBe(3);
    expect(response.body.data.total).toBeGreaterThan(3);
    expect(response.body.data.data.map((r: { operation: number; operation_name: string }) => [r.operation, r.operation_name])).toEqual([
      [1, 'logout'],
      [0, 'login'],
      [3, 'registered'],
    ]);
    expect(response.body.data.data[0]).toEqual(
      expect.objectContaining({
        id: expect.any(String),
        user: subject.id,
        operator: subject.id,
        ip: expect.any(String),
        operate_time: expect.any(String),
      }),
    );
  });

  it('filters by operation, operator, ip and time', async () => {
    const subject = await registerUser(service.http);
    const before = new Date(Date.now() - 60_000).toISOString();
    await service.http.patch(`/api/v1/users/${subject.id}`, { state: 0 }, { token: admin.token });
    const changed = await service.http.get(`/api/v1/user-logs?user=${subject.id}&operation=9`, { token: admin.token });
    expect(changed.body.data.data).toHaveLength(1);
    expect(changed.body.data.data[0]).toEqual(expect.objectContaining({ operator: admin.id, details: { from: 1, to: 0 } }));
    expect(
      (await service.http.get(`/api/v1/user-logs?user=${subject.id}&operator=${admin.id}`, { token: admin.token })).body.data.count,
    ).toBe(1);
    const ip = changed.body.data.data[0].ip;
    expect((await service.http.get(`/api/v1/user-logs?user=${subject.id}&ip=${ip}`, { token: admin.token })).body.data.count).toBe(3);
    expect((await service.http.get(`/api/v1/user-logs?user=${subject.id}&ip=10.9.9.9`, { token: admin.token })).body.data.count).toBe(0);
    expect((await service.http.get(`/api/v1/user-logs?user=${subject.id}&from=${before}`, { token: admin.token })).body.data.count).toBe(3);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await service.http.get(`/api/v1/user-logs?user=${subject.id}&from=${future}`, { token: admin.token })).body.data.count).toBe(0);
    expect((await service.http.get(`/api/v1/user-logs?user=${subject.id}&to=${before}`, { token: admin.token })).body.data.count).toBe(0);
  });

  it('refuses bad filters (40001), users (40301) and anonymous callers (40101)', async () => {
    expectEnvelope(await service.http.get('/api/v1/user-logs?operation=99', { token: admin.token }), 400, 40001);
    expectEnvelope(await service.http.get('/api/v1/user-logs?from=yesterday', { token: admin.token }), 400, 40001);
    expectEnvelope(await service.http.get('/api/v1/user-logs?user=me', { token: admin.token }), 400, 40001);
    expectEnvelope(await service.http.get('/api/v1/user-logs', { token: user.token }), 403, 40301);
    expectEnvelope(await service.http.get('/api/v1/user-logs'), 401, 40101);
  });

  it('reads one record (admin+), 40401 for an unknown id', async () => {
    const list = await service.http.get('/api/v1/user-logs?limit=1', { token: admin.token });
    const record = list.body.data.data[0];
    const one = await service.http.get(`/api/v1/user-logs/${record.id}`, { token: superadmin.token });
    expectEnvelope(one, 200);
    expect(one.body.data).toEqual(record);
    expectEnvelope(await service.http.get(`/api/v1/user-logs/${randomUUID()}`, { token: admin.token }), 404, 40401);
    expectEnvelope(await service.http.get(`/api/v1/user-logs/${record.id}`, { token: user.token }), 403, 40301);
  });

  it("hides staff members' address and browser from a user reading their own records; total counts that user's records", async () => {
    const subject = await registerUser(service.http);
    await service.http.patch(
      `/api/v1/users/${subject.id}`,
      { profile: { name: 'Watched' } },
      { token: admin.token, headers: { 'user-agent': 'StaffBrowser/1.0' } },
    );
    const own = await service.http.get(`/api/v1/users/${subject.id}/user-logs`, { token: subject.token });
    expect(own.body.data.total).toBe(own.body.data.count);
    const byStaff = own.body.data.data.find((r: { operator: string }) => r.operator === admin.id);
    expect(byStaff).toEqual(expect.objectContaining({ operation: 5, ip: null, user_agent: null }));
    const ownLogin = own.body.data.data.find((r: { operation: number }) => r.operation === 0);
    expect(ownLogin.ip).toEqual(expect.any(String));
    const asAdmin = await service.http.get(`/api/v1/users/${subject.id}/user-logs`, { token: admin.token });
    expect(asAdmin.body.data.data.find((r: { operator: string }) => r.operator === admin.id).user_agent).toBe('StaffBrowser/1.0');
  });

  it("shows a user their own records, admins anyone's, refuses others", async () => {
    const mine = await service.http.get(`/api/v1/users/${user.id}/user-logs`, { token: user.token });
    expectEnvelope(mine, 200);
    expect(mine.body.data.data.every((r: { user: string }) => r.user === user.id)).toBe(true);
    expectEnvelope(await service.http.get(`/api/v1/users/${user.id}/user-logs?operation=0`, { token: admin.token }), 200);
    expectEnvelope(await service.http.get(`/api/v1/users/${admin.id}/user-logs`, { token: user.token }), 403, 40301);
    expectEnvelope(await service.http.get(`/api/v1/users/${randomUUID()}/user-logs`, { token: admin.token }), 404, 40401);
    expectEnvelope(await service.http.get(`/api/v1/users/${user.id}/user-logs?user=${admin.id}`, { token: admin.token }), 400, 40001);
  });

  it('has no route that changes the log, and the database refuses UPDATE and DELETE', async () => {
    const list = await service.http.get('/api/v1/user-logs?limit=1', { token: superadmin.token });
    const id = list.body.data.data[0].id;
    expectEnvelope(await service.http.delete(`/api/v1/user-logs/${id}`, { token: superadmin.token }), 404, 40401);
    expectEnvelope(await service.http.patch(`/api/v1/user-logs/${id}`, { ip: 'x' }, { token: superadmin.token }), 404, 40401);
    await withClient(service.databaseUrl, async (client) => {
      await expect(client.query(`UPDATE audit_logs SET ip = '6.6.6.6' WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
      await expect(client.query(`DELETE FROM audit_logs WHERE id = $1`, [id])).rejects.toThrow(/append-only/);
      await expect(client.query(`TRUNCATE audit_logs`)).rejects.toThrow(/append-only/);
    });
  });

  it('writes the record in the same transaction as the change (a refused change leaves no record)', async () => {
    const subject = await registerUser(service.http);
    const other = await registerUser(service.http);
    const before = (await service.http.get(`/api/v1/user-logs?user=${subject.id}`, { token: admin.token })).body.data.count;
    expectEnvelope(
      await service.http.patch(`/api/v1/users/${subject.id}`, { username: other.username }, { token: admin.token }),
      409,
      40901,
    );
    expect((await service.http.get(`/api/v1/user-logs?user=${subject.id}`, { token: admin.token })).body.data.count).toBe(before);
  });

  it('verifies the hash chain after mixed operations, and names the first entry altered behind its back', async () => {
    const subject = await registerUser(service.http);
    await service.http.patch(`/api/v1/users/${subject.id}`, { profile: { name: '测试' } }, { token: admin.token });
    await service.http.post('/api/v1/auth/login', { username: subject.username, password: 'wrong-password' });
    await service.http.post('/api/v1/black-list', { user: subject.id, reason: 'testing' }, { token: admin.token });
    await service.http.post('/api/v1/auth/logout', undefined, { token: admin.token });
    const ok = await service.http.get('/api/v1/user-logs/verify', { token: superadmin.token });
    expectEnvelope(ok, 200);
    expect(ok.body.data).toEqual(expect.objectContaining({ valid: true, first_broken: null }));
    expect(ok.body.data.checked).toBe(ok.body.data.head_seq);
    expectEnvelope(await service.http.get('/api/v1/user-logs/verify', { token: user.token }), 403, 40301);

    const target = await withClient(service.databaseUrl, async (client) => {
      const { rows } = await client.query(`SELECT id, seq FROM audit_logs WHERE user_id = $1 AND operation = 5`, [subject.id]);
      await client.query('ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only');
      await client.query(`UPDATE audit_logs SET ip = '6.6.6.6' WHERE id = $1`, [rows[0].id]);
      await client.query('ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only');
      return rows[0];
    });
    const broken = await service.http.get('/api/v1/user-logs/verify', { token: superadmin.token });
    expect(broken.body.data.valid).toBe(false);
    expect(broken.body.data.first_broken).toEqual({ id: target.id, seq: Number(target.seq), reason: 'hash_mismatch' });
  });

  it('reports entries deleted behind its back', async () => {
    const local = await startService();
    try {
      const roles = await signInRoles(local.http);
      await registerUser(local.http);
      const victim = await withClient(local.databaseUrl, async (client) => {
        const { rows } = await client.query(`SELECT id, seq FROM audit_logs ORDER BY seq LIMIT 1 OFFSET 2`);
        await client.query('ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only');
        await client.query(`DELETE FROM audit_logs WHERE id = $1`, [rows[0].id]);
        await client.query('ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only');
        return rows[0];
      });
      const result = await local.http.get('/api/v1/user-logs/verify', { token: roles.admin.token });
      expect(result.body.data.valid).toBe(false);
      expect(result.body.data.first_broken).toEqual(expect.objectContaining({ seq: Number(victim.seq) + 1, reason: 'missing_entries' }));
    } finally {
      await local.dispose();
    }
  });
});
