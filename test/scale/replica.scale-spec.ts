import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { createUserWithRole, signInSuperadmin, TestUser } from '../support/factories';
import { expectEnvelope, HttpClient } from '../support/http';
import { startStreamingPair, StreamingPair } from '../support/replica';
import { spawnService, stopChild, SUPERADMIN, waitFor } from '../support/service';

async function sql(url: string, text: string, values: unknown[] = []): Promise<any[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

interface Replica {
  name: string;
  status: 'up' | 'lagging' | 'down';
  lag_seconds: number | null;
}

/**
 * A real streaming replica: a primary cluster and a pg_basebackup -R copy of it made by the test, the
 * service on the primary with DATABASE_REPLICA_URLS naming the replica. Lists and audit reads go to
 * the replica; a client that wrote reads its own write; access decisions stay on the primary; a
 * lagging or stopped replica is skipped, never an error; /health/ready lists the replica and its lag.
 */
describe('Read replica (streaming, made here)', () => {
  let pair: StreamingPair;
  let service: ChildProcess;
  let strict: ChildProcess;
  let http: HttpClient;
  let strictHttp: HttpClient;
  let dataDir: string;
  let superadmin: TestUser;
  let reader: TestUser;
  const database = 'ums_replica';

  const replicas = async (client: HttpClient): Promise<Replica[]> => {
    const response = await fetch(`${client.baseUrl}/health/ready`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { replicas: Replica[] }).replicas;
  };
  const usernames = async (client: HttpClient, user: TestUser, username: string): Promise<number> => {
    const response = await client.get(`/api/v1/users?username=${username}`, { token: user.token });
    expectEnvelope(response, 200);
    return response.body.data.count as number;
  };

  beforeAll(async () => {
    pair = await startStreamingPair();
    await sql(pair.primaryUrl('postgres'), `CREATE DATABASE ${database}`);
    dataDir = mkdtempSync(join(tmpdir(), 'ums-replica-svc-'));
    const env = {
      NODE_ENV: 'test',
      ENV_FILE: 'none',
      HOST: '127.0.0.1',
      DATABASE_URL: pair.primaryUrl(database),
      DATABASE_REPLICA_URLS: pair.replicaUrl(database),
      REPLICA_MAX_LAG_SECONDS: '60',
      DATA_DIR: dataDir,
      JWT_SECRET: randomBytes(32).toString('hex'),
      SUPERADMIN_USERNAME: SUPERADMIN.username,
      SUPERADMIN_EMAIL: SUPERADMIN.email,
      SUPERADMIN_PASSWORD: SUPERADMIN.password,
      RATE_LIMIT_LOGIN: '100000',
      RATE_LIMIT_REGISTER: '100000',
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
    };
    const started = await spawnService(env);
    service = started.child;
    http = new HttpClient(started.url);
    // A second instance that tolerates only 1 s of lag.
    const second = await spawnService({ ...env, REPLICA_MAX_LAG_SECONDS: '1' });
    strict = second.child;
    strictHttp = new HttpClient(second.url);
    superadmin = await signInSuperadmin(http);
    reader = await createUserWithRole(http, 'admin', superadmin.token);
    // `reader` signs in again: a session that has written nothing.
    const login = await http.post('/api/v1/auth/login', { username: reader.username, password: reader.password });
    reader = { ...reader, token: login.body.data.access_token };
    await waitFor(async () => (await replicas(http))[0]?.status === 'up', 30000, 'the replica to be up');
  }, 240000);

  afterAll(async () => {
    if (service) await stopChild(service);
    if (strict) await stopChild(strict);
    pair?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the replica with its lag in /health/ready', async () => {
    const [replica] = await replicas(http);
    expect(replica).toEqual(
      expect.objectContaining({ name: `127.0.0.1:${pair.replicaPort}`, status: 'up', lag_seconds: expect.any(Number) }),
    );
    expect(JSON.stringify(replica)).not.toContain('postgres://');
  });

  it('serves lists from the replica, lets the writer read its own write, and keeps access decisions on the primary', async () => {
    // A fresh replayed transaction first, so the lag measured while replay is paused starts from now.
    await sql(pair.primaryUrl(database), `SELECT 1`);
    const victim = await createUserWithRole(http, 'user', superadmin.token);
    await waitFor(async () => (await usernames(http, reader, victim.username)) === 1, 20000, 'the replica to replay');
    await sql(pair.replicaUrl(database), `SELECT pg_wal_replay_pause()`);
    try {
      // The superadmin writes: the new user is on the primary only.
      const created = await http.post(
        '/api/v1/users',
        {
          username: `rep${randomBytes(5).toString('hex')}`,
          email: `rep${randomBytes(5).toString('hex')}@example.com`,
          password: 'pa55word!',
        },
        { token: superadmin.token },
      );
      expectEnvelope(created, 201);
      const username = created.body.data.username as string;
      // Another client's list is answered by the replica, which has not replayed it.
      expect(await usernames(http, reader, username)).toBe(0);
      // The writer reads its own write, from either instance (the write position is on its session).
      expect(await usernames(http, superadmin, username)).toBe(1);
      expect(await usernames(strictHttp, superadmin, username)).toBe(1);

      // Access decisions stay on the primary: a user disabled now is refused at once, replica or not.
      expectEnvelope(await http.get('/api/v1/auth/me', { token: victim.token }), 200);
      expectEnvelope(await http.patch(`/api/v1/users/${victim.id}`, { state: 0 }, { token: superadmin.token }), 200);
      expectEnvelope(await http.get('/api/v1/auth/me', { token: victim.token }), 401, 40101);
      expectEnvelope(await strictHttp.get('/api/v1/auth/me', { token: victim.token }), 401, 40101);
      expectEnvelope(await http.post('/api/v1/auth/login', { username: victim.username, password: victim.password }), 403, 40302);

      // The instance that tolerates 1 s of lag skips the paused replica and answers from the primary.
      await waitFor(async () => (await replicas(strictHttp))[0]?.status === 'lagging', 20000, 'the replica to be lagging');
      expect(await usernames(strictHttp, reader, username)).toBe(1);
      expect((await replicas(http))[0].status).toBe('up');
    } finally {
      await sql(pair.replicaUrl(database), `SELECT pg_wal_replay_resume()`);
    }
    await waitFor(async () => (await replicas(strictHttp))[0]?.status === 'up', 30000, 'the replica to catch up');
  });

  it('serves the audit log from a fit replica too', async () => {
    const logs = await http.get(`/api/v1/user-logs?user=${superadmin.id}`, { token: reader.token });
    expectEnvelope(logs, 200);
    expect(logs.body.data.count).toBeGreaterThan(0);
  });

  /**
   * Every list, search, count, export and audit read the issue names: with the replica's replay paused,
   * the superadmin writes a group (and a membership), an occupation, a blacklist entry and a user. A
   * session that wrote nothing (the superadmin signed in again: it may see everything) is answered by
   * the replica, which has none of it; the writer reads all of it, from either instance; and
   * /health/ready counts the reads the replica served.
   */
  it('serves group, occupation, blacklist, export and audit reads from the replica; the writer reads its own writes', async () => {
    const member = await createUserWithRole(http, 'user', superadmin.token);
    const target = await createUserWithRole(http, 'user', superadmin.token);
    await waitFor(async () => (await usernames(http, reader, target.username)) === 1, 20000, 'the replica to replay');
    const fresh = await signInSuperadmin(http);
    const tag = randomBytes(4).toString('hex');
    await sql(pair.replicaUrl(database), `SELECT pg_wal_replay_pause()`);
    try {
      const group = await http.post('/api/v1/groups', { name: `grp-${tag}` }, { token: superadmin.token });
      expectEnvelope(group, 201);
      expectEnvelope(await http.put(`/api/v1/groups/${group.body.data.id}/users/${member.id}`, {}, { token: superadmin.token }), 200);
      expectEnvelope(await http.post('/api/v1/occupations', { name: `occ-${tag}` }, { token: superadmin.token }), 201);
      expectEnvelope(await http.post('/api/v1/black-list', { user: target.id, reason: 'replica test' }, { token: superadmin.token }), 201);
      const created = await http.post(
        '/api/v1/users',
        { username: `exp${tag}`, email: `exp${tag}@example.com`, password: 'pa55word!' },
        { token: superadmin.token },
      );
      expectEnvelope(created, 201);
      const newcomer = created.body.data.id as string;

      const count = async (client: HttpClient, path: string, token?: string): Promise<number> => {
        const response = await client.get(path, token ? { token } : {});
        expectEnvelope(response, 200);
        return response.body.data.count as number;
      };
      const exported = async (client: HttpClient, token: string): Promise<number> => {
        const response = await client.get(`/api/v1/exports/users?format=jsonl&username=exp${tag}`, { token });
        expect(response.status).toBe(200);
        return response.text.split('\n').filter(Boolean).length;
      };
      const checked = async (client: HttpClient, token: string): Promise<number> => {
        const response = await client.get('/api/v1/user-logs/verify', { token });
        expectEnvelope(response, 200);
        expect(response.body.data.valid).toBe(true);
        return response.body.data.checked as number;
      };
      const reads = async (): Promise<{ replica: number; primary: number }> =>
        ((await (await fetch(`${http.baseUrl}/health/ready`)).json()) as { replica_reads: { replica: number; primary: number } })
          .replica_reads;

      const newest = await http.get(`/api/v1/user-logs?user=${newcomer}`, { token: superadmin.token });
      expectEnvelope(newest, 200);
      expect(newest.body.data.count).toBeGreaterThan(0);
      const record = newest.body.data.data[0].id as string;

      // The session that wrote nothing: the replica answers, without the writes it has not replayed.
      const before = await reads();
      expect(await count(http, `/api/v1/groups?name=grp-${tag}`, fresh.token)).toBe(0);
      expect(await count(http, `/api/v1/users/${member.id}/groups`, fresh.token)).toBe(0);
      expect(await count(http, `/api/v1/occupations?name=occ-${tag}`)).toBe(0);
      expect(await count(http, `/api/v1/black-list?user=${target.id}`, fresh.token)).toBe(0);
      expect(await count(http, `/api/v1/user-logs?user=${newcomer}`, fresh.token)).toBe(0);
      expect(await count(http, `/api/v1/users/${newcomer}/user-logs`, fresh.token)).toBe(0);
      expectEnvelope(await http.get(`/api/v1/user-logs/${record}`, { token: fresh.token }), 404, 40401);
      expect(await exported(http, fresh.token)).toBe(0);
      const replicaChecked = await checked(http, fresh.token);
      const after = await reads();
      // Nine reads above, all on the replica (the user-logs of a user: who may read that user was asked of the primary).
      expect(after.replica - before.replica).toBeGreaterThanOrEqual(9);
      expect(after.primary - before.primary).toBe(0);

      // The writer reads its own writes, from either instance.
      for (const client of [http, strictHttp]) {
        expect(await count(client, `/api/v1/groups?name=grp-${tag}`, superadmin.token)).toBe(1);
        expect(await count(client, `/api/v1/users/${member.id}/groups`, superadmin.token)).toBe(1);
        expect(await count(client, `/api/v1/black-list?user=${target.id}`, superadmin.token)).toBe(1);
        expect(await count(client, `/api/v1/user-logs?user=${newcomer}`, superadmin.token)).toBeGreaterThan(0);
        expect(await count(client, `/api/v1/users/${newcomer}/user-logs`, superadmin.token)).toBeGreaterThan(0);
        expectEnvelope(await client.get(`/api/v1/user-logs/${record}`, { token: superadmin.token }), 200);
        expect(await exported(client, superadmin.token)).toBe(1);
        expect(await checked(client, superadmin.token)).toBeGreaterThan(replicaChecked);
        // The occupations list is public: with a token (whose writes this route does not know) it reads the primary.
        expect(await count(client, `/api/v1/occupations?name=occ-${tag}`, superadmin.token)).toBe(1);
      }
    } finally {
      await sql(pair.replicaUrl(database), `SELECT pg_wal_replay_resume()`);
    }
    await waitFor(async () => (await replicas(strictHttp))[0]?.status === 'up', 30000, 'the replica to catch up');
    // Replayed: the session that wrote nothing sees the writes too.
    await waitFor(
      async () => (await http.get(`/api/v1/occupations?name=occ-${tag}`)).body.data.count === 1,
      20000,
      'the replica to replay',
    );
  });

  it('skips a replica that is down: /health/ready stays 200, reads come from the primary', async () => {
    pair.stopReplica();
    try {
      await waitFor(async () => (await replicas(http))[0]?.status === 'down', 20000, 'the replica to be reported down');
      const list = await http.get('/api/v1/users?limit=5', { token: reader.token });
      expectEnvelope(list, 200);
      expect(list.body.data.count).toBeGreaterThan(1);
      expectEnvelope(await http.get('/api/v1/user-logs?limit=5', { token: reader.token }), 200);
    } finally {
      pair.startReplica();
    }
    await waitFor(async () => (await replicas(http))[0]?.status === 'up', 60000, 'the replica to be back');
    expectEnvelope(await http.get('/api/v1/users?limit=5', { token: reader.token }), 200);
  });
});
