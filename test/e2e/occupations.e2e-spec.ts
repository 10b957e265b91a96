import { randomUUID } from 'node:crypto';
import { newAccount, registerUser, signInRoles, TestUser, uniqueUsername } from '../support/factories';
import { expectEnvelope } from '../support/http';
import { RunningService, startService } from '../support/service';

describe('Occupations', () => {
  let service: RunningService;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    service = await startService();
    ({ admin, user } = await signInRoles(service.http));
  });
  afterAll(() => service?.dispose());

  it('ships a starter set that anyone can list and read without a token', async () => {
    const list = await service.http.get('/api/v1/occupations?limit=100');
    expectEnvelope(list, 200);
    expect(list.body.data.total).toBeGreaterThanOrEqual(40);
    const names = list.body.data.data.map((o: { name: string }) => o.name);
    expect(names).toEqual(expect.arrayContaining(['Engineer', 'Teacher', 'Doctor', 'Student']));
    expect(Object.keys(list.body.data.data[0]).sort()).toEqual(['id', 'name']);
    const one = await service.http.get(`/api/v1/occupations/${list.body.data.data[0].id}`);
    expectEnvelope(one, 200);
    expect(one.body.data).toEqual(list.body.data.data[0]);
  });

  it('filters by name and paginates', async () => {
    const response = await service.http.get('/api/v1/occupations?name=ENG&limit=1');
    expect(response.body.data.count).toBeGreaterThanOrEqual(1);
    expect(response.body.data.data).toHaveLength(1);
    expect(response.body.data.data[0].name.toLowerCase()).toContain('eng');
  });

  it('lets admins create and rename (unique names, 40903), refuses users and anonymous callers', async () => {
    const name = `Job ${uniqueUsername('o')}`;
    const created = await service.http.post('/api/v1/occupations', { name }, { token: admin.token });
    expectEnvelope(created, 201);
    expectEnvelope(await service.http.post('/api/v1/occupations', { name: name.toLowerCase() }, { token: admin.token }), 409, 40903);
    expectEnvelope(await service.http.post('/api/v1/occupations', { name: 'Engineer' }, { token: admin.token }), 409, 40903);
    expectEnvelope(await service.http.post('/api/v1/occupations', { name: 'Nope' }, { token: user.token }), 403, 40301);
    expectEnvelope(await service.http.post('/api/v1/occupations', { name: 'Nope' }), 401, 40101);
    expectEnvelope(await service.http.post('/api/v1/occupations', { name: '   ' }, { token: admin.token }), 400, 40001);

    const renamed = await service.http.patch(`/api/v1/occupations/${created.body.data.id}`, { name: `${name} II` }, { token: admin.token });
    expectEnvelope(renamed, 200);
    expect(renamed.body.data.name).toBe(`${name} II`);
    expectEnvelope(
      await service.http.patch(`/api/v1/occupations/${created.body.data.id}`, { name: 'Teacher' }, { token: admin.token }),
      409,
      40903,
    );
    expectEnvelope(await service.http.patch(`/api/v1/occupations/${randomUUID()}`, { name: 'x' }, { token: admin.token }), 404, 40401);
    expectEnvelope(
      await service.http.patch(`/api/v1/occupations/${created.body.data.id}`, { name: 'x' }, { token: user.token }),
      403,
      40301,
    );
  });

  it('refuses to delete an occupation in use (40903) and deletes it once unused', async () => {
    const created = await service.http.post('/api/v1/occupations', { name: `Job ${uniqueUsername('o')}` }, { token: admin.token });
    const id = created.body.data.id;
    const holder = await registerUser(service.http, { profile: { occupation: id } });
    const me = await service.http.get('/api/v1/auth/me', { token: holder.token });
    expect(me.body.data.profile.occupation).toEqual({ id, name: created.body.data.name });

    const users = await service.http.get(`/api/v1/occupations/${id}/users`, { token: admin.token });
    expectEnvelope(users, 200);
    expect(users.body.data.data.map((u: { id: string }) => u.id)).toEqual([holder.id]);
    expect(users.body.data.total).toBe(1);
    expectEnvelope(await service.http.get(`/api/v1/occupations/${id}/users`, { token: user.token }), 403, 40301);
    expectEnvelope(await service.http.get(`/api/v1/occupations/${randomUUID()}/users`, { token: admin.token }), 404, 40401);

    expectEnvelope(await service.http.delete(`/api/v1/occupations/${id}`, { token: admin.token }), 409, 40903);
    await service.http.patch('/api/v1/auth/me', { profile: { occupation: null } }, { token: holder.token });
    expectEnvelope(await service.http.delete(`/api/v1/occupations/${id}`, { token: user.token }), 403, 40301);
    expectEnvelope(await service.http.delete(`/api/v1/occupations/${id}`, { token: admin.token }), 200);
    expectEnvelope(await service.http.get(`/api/v1/occupations/${id}`), 404, 40401);
    expectEnvelope(await service.http.delete(`/api/v1/occupations/${id}`, { token: admin.token }), 404, 40401);
  });

  it('lets a registration reference an occupation and refuses an unknown one', async () => {
    const list = await service.http.get('/api/v1/occupations?name=Teacher');
    const teacher = list.body.data.data[0];
    const response = await service.http.post('/api/v1/auth/register', newAccount({ profile: { occupation: teacher.id } }));
    expectEnvelope(response, 201);
    expect(response.body.data.profile.occupation).toEqual({ id: teacher.id, name: 'Teacher' });
    expectEnvelope(await service.http.post('/api/v1/auth/register', newAccount({ profile: { occupation: randomUUID() } })), 400, 40001);
    expectEnvelope(await service.http.get('/api/v1/occupations/bad-id'), 400, 40001);
  });
});
