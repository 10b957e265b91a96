import { ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createUserWithRole, signInSuperadmin, TestUser } from '../support/factories';
import { HttpClient } from '../support/http';
import { RunningHaproxy, startHaproxy } from '../support/haproxy';
import { freePort, RunningService, spawnService, startService, stopChild, waitFor } from '../support/service';

/** Clients sending requests one after another, each on its own keep-alive connection to HAProxy. */
const WORKERS = 8;
/** SIGTERM to exit: readiness fails, HAProxy marks the server down (inter 1 s + fastinter 0.25 s), then the listener closes. */
const DRAIN_SECONDS = '3';

interface Tally {
  requests: number;
  ok: number;
  fiveHundreds: number;
  otherStatus: number;
  resets: number;
  refused: number;
  otherErrors: string[];
}

/**
 * A rolling restart under steady load through HAProxy (deploy/haproxy.cfg): each of three instances
 * in turn gets SIGTERM, drains (SHUTDOWN_DRAIN_SECONDS), exits, and starts again on its port, while
 * WORKERS clients keep reading and writing. The client must see no reset, no 5xx and no refused
 * connection; every request answered 200.
 */
describe('Rolling restart behind HAProxy', () => {
  let first: RunningService;
  const instances: Array<{ port: number; child: ChildProcess }> = [];
  let haproxy: RunningHaproxy;

  beforeAll(async () => {
    first = await startService({
      TRUST_PROXY: 'true',
      RATE_LIMIT_API: '100000000',
      RATE_LIMIT_LOGIN: '100000',
      SHUTDOWN_DRAIN_SECONDS: DRAIN_SECONDS,
    });
    instances.push({ port: Number(new URL(first.url).port), child: first.process });
    for (let index = 0; index < 2; index += 1) {
      const started = await spawnService({ ...first.env });
      instances.push({ port: Number(new URL(started.url).port), child: started.child });
    }
    haproxy = await startHaproxy(
      await freePort(),
      instances.map((instance) => instance.port),
    );
    await new Promise((resolve) => setTimeout(resolve, 2500));
  }, 240000);

  afterAll(async () => {
    await haproxy?.stop();
    await Promise.all(instances.slice(1).map((instance) => stopChild(instance.child)));
    await stopChild(instances[0]?.child ?? first.process);
    await first?.dispose();
  });

  it('restarts all three instances one after another with zero failed requests', async () => {
    const lb = new HttpClient(haproxy.url);
    const superadmin = await signInSuperadmin(lb);
    const users: TestUser[] = [];
    for (let index = 0; index < WORKERS; index += 1) users.push(await createUserWithRole(lb, 'user', superadmin.token));

    const tally: Tally = { requests: 0, ok: 0, fiveHundreds: 0, otherStatus: 0, resets: 0, refused: 0, otherErrors: [] };
    let running = true;
    const worker = async (user: TestUser, index: number): Promise<void> => {
      // One keep-alive connection per client, kept across the whole restart.
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const front = new URL(haproxy.url);
      let round = 0;
      try {
        while (running) {
          round += 1;
          const write = round % 4 === 0;
          tally.requests += 1;
          try {
            const body = write ? JSON.stringify({ profile: { address: `street ${index}-${round}` } }) : undefined;
            const status = await new Promise<number>((resolve, reject) => {
              const outgoing = request(
                {
                  agent,
                  host: front.hostname,
                  port: front.port,
                  path: '/api/v1/auth/me',
                  method: write ? 'PATCH' : 'GET',
                  headers: { authorization: `Bearer ${user.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
                },
                (response) => {
                  response.resume();
                  response.once('end', () => resolve(response.statusCode ?? 0));
                  response.once('error', reject);
                },
              );
              outgoing.once('error', reject);
              outgoing.end(body);
            });
            if (status === 200) tally.ok += 1;
            else if (status >= 500) tally.fiveHundreds += 1;
            else tally.otherStatus += 1;
          } catch (error) {
            const code = (error as { code?: string }).code ?? (error as Error).message;
            if (code === 'ECONNRESET' || code === 'EPIPE') tally.resets += 1;
            else if (code === 'ECONNREFUSED') tally.refused += 1;
            else tally.otherErrors.push(String(code));
          }
        }
      } finally {
        agent.destroy();
      }
    };
    const load = users.map((user, index) => worker(user, index));

    await new Promise((resolve) => setTimeout(resolve, 2000));
    const restarts: number[] = [];
    try {
      for (const instance of instances) {
        const before = tally.requests;
        await stopChild(instance.child);
        const started = await spawnService({ ...first.env, PORT: String(instance.port) });
        instance.child = started.child;
        // HAProxy sees it up again after `rise 2` checks at `inter 1s`.
        await waitFor(
          async () => (await fetch(`http://127.0.0.1:${instance.port}/health/ready`)).status === 200,
          30000,
          'the restarted instance',
        );
        await new Promise((resolve) => setTimeout(resolve, 3000));
        restarts.push(tally.requests - before);
      }
    } finally {
      running = false;
      await Promise.all(load);
    }

    process.stdout.write(`rolling restart: ${JSON.stringify({ ...tally, requestsDuringEachRestart: restarts })}\n`);
    expect(tally.requests).toBeGreaterThan(300);
    expect(restarts.every((count) => count > 50)).toBe(true);
    expect({
      fiveHundreds: tally.fiveHundreds,
      otherStatus: tally.otherStatus,
      resets: tally.resets,
      refused: tally.refused,
      otherErrors: tally.otherErrors,
    }).toEqual({
      fiveHundreds: 0,
      otherStatus: 0,
      resets: 0,
      refused: 0,
      otherErrors: [],
    });
    expect(tally.ok).toBe(tally.requests);
  }, 300000);
});
