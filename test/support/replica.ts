import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service';

/** PostgreSQL's server binaries (Debian's postgresql-15; .ci/run installs them when missing). */
const BIN = process.env.PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export interface StreamingPair {
  primaryPort: number;
  replicaPort: number;
  /** A database URL on the primary / the replica (trust authentication, user postgres). */
  primaryUrl(database: string): string;
  replicaUrl(database: string): string;
  stopReplica(): void;
  startReplica(): void;
  /** Stops both clusters and removes their folders. */
  dispose(): void;
}

/**
 * A primary cluster made here (initdb) and a streaming replica of it (pg_basebackup -R), on spare
 * ports, under a temporary folder. PostgreSQL refuses to run as root: as root (CI) every command runs
 * as the OS user `postgres` (runuser); otherwise as the current user.
 */
export function startStreamingPair(): Promise<StreamingPair> {
  return (async () => {
    const root = userInfo().uid === 0;
    const dir = mkdtempSync(join(tmpdir(), 'ums-replica-'));
    chmodSync(dir, 0o755);
    if (root) {
      ensurePostgresUser();
      const { uid, gid } = postgresIds();
      chownSync(dir, uid, gid);
    }
    const run = (command: string, args: string[]): string => {
      const file = join(BIN, command);
      return root
        ? execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
        : execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    };
    const primaryPort = await freePort();
    const replicaPort = await freePort();
    const primary = join(dir, 'primary');
    const replica = join(dir, 'replica');
    run('initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
    const settings = (port: number): string[] => ['-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`];
    const start = (data: string, port: number): void => {
      run('pg_ctl', ['-D', data, '-l', join(dir, `${port}.log`), '-w', '-t', '60', ...settings(port), 'start']);
    };
    const stop = (data: string): void => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      } catch {
        // already stopped
      }
    };
    start(primary, primaryPort);
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replica, '-R', '-X', 'stream']);
    // hot_standby is on by default; the replica reports its replay state to the primary.
    writeFileSync(join(replica, 'standby.signal'), '');
    start(replica, replicaPort);
    const url = (port: number, database: string): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
    return {
      primaryPort,
      replicaPort,
      primaryUrl: (database) => url(primaryPort, database),
      replicaUrl: (database) => url(replicaPort, database),
      stopReplica: () => stop(replica),
      startReplica: () => start(replica, replicaPort),
      dispose: () => {
        stop(replica);
        stop(primary);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  })();
}

function ensurePostgresUser(): void {
  try {
    execFileSync('id', ['postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/bin/sh', 'postgres'], { stdio: 'ignore' });
  }
}

function postgresIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
