import { Global, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { AppConfig } from '../config/app-config';

/** A read-only handle for list, search, count and audit reads: a replica's connection, or the primary. */
export type Reader = EntityManager;

/** What the per-request session check knows about the client: the primary's WAL position after its last write. */
export interface ReadingClient {
  writeLsn?: string | null;
  /** A client whose last write is not known here (a public route called with a token): the primary answers. */
  primaryOnly?: boolean;
}

/** Reads asked of ReadReplicas.run since start, by who answered them (readiness shows them; the bench adds them up). */
export interface ReadSplit {
  replica: number;
  primary: number;
}

/** One replica as readiness reports it. */
export interface ReplicaStatus {
  /** host:port, as configured (never the credentials). */
  name: string;
  status: 'up' | 'lagging' | 'down';
  lag_seconds: number | null;
  replay_lsn: string | null;
}

const POLL_MS = 1000;
const LAG_SQL = `SELECT pg_is_in_recovery() AS standby,
       pg_last_wal_replay_lsn()::text AS replay_lsn,
       (CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
             ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END)::float8 AS lag`;

/** "16/B374D848" as a number, to compare WAL positions. */
function lsnValue(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  return (BigInt(`0x${high}`) << 32n) + BigInt(`0x${low}`);
}

/**
 * Read replicas (DATABASE_REPLICA_URLS), through TypeORM's replication: the DataSource has the primary
 * as master and the replicas as slaves, with `defaultMode: 'master'`, so nothing reads a replica unless
 * it asks here. Services ask only for lists, searches, counts and audit reads; everything that decides
 * access (session check, login, refresh, lockout, limits, reads that gate a write) never comes here.
 *
 * Each replica is polled every second for its lag and replayed WAL position. A read goes to a replica
 * that is up, no more than REPLICA_MAX_LAG_SECONDS behind, and has replayed at least the client's last
 * write (ReadingClient.writeLsn, recorded on the session by WriteLsnInterceptor and read by the
 * per-request session check on the primary, so it holds across instances); otherwise to the primary.
 * A replica that fails is skipped, never an error.
 */
@Injectable()
export class ReadReplicas implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReadReplicas.name);
  private readonly replicas: Array<{ host: string; port: number; name: string; state: ReplicaStatus; polling: boolean }>;
  private timer: NodeJS.Timeout | undefined;
  private readonly split: ReadSplit = { replica: 0, primary: 0 };

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    this.replicas = config.replicas.urls.map((url) => {
      const parsed = new URL(url);
      const host = parsed.hostname;
      const port = Number(parsed.port || 5432);
      const name = `${host}:${port}`;
      return { host, port, name, polling: false, state: { name, status: 'down', lag_seconds: null, replay_lsn: null } };
    });
  }

  get enabled(): boolean {
    return this.replicas.length > 0;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled || !this.config.database.connect) return;
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
    void this.poll();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Every replica with its lag, for /health/ready. */
  status(): ReplicaStatus[] {
    return this.replicas.map((replica) => ({ ...replica.state }));
  }

  /** How many reads replicas and the primary answered (only reads that could go to a replica are counted). */
  reads(): ReadSplit {
    return { ...this.split };
  }

  /** Polls every replica now (readiness and tests call it; the timer calls it every second). */
  async poll(): Promise<void> {
    const pools = (this.dataSource.driver as PostgresDriver).slaves as Pool[];
    await Promise.all(
      this.replicas.map(async (replica, index) => {
        const pool = pools[index];
        if (!pool || replica.polling) return;
        replica.polling = true;
        try {
          const { rows } = await pool.query<{ standby: boolean; replay_lsn: string | null; lag: number }>(LAG_SQL);
          const row = rows[0];
          const lag = row.standby ? row.lag : 0;
          replica.state = {
            name: replica.name,
            status: lag > this.config.replicas.maxLagSeconds ? 'lagging' : 'up',
            lag_seconds: Math.round(lag * 1000) / 1000,
            replay_lsn: row.replay_lsn,
          };
        } catch (error) {
          if (replica.state.status !== 'down') this.logger.warn(`replica ${replica.name} is down: ${(error as Error).message}`);
          replica.state = { name: replica.name, status: 'down', lag_seconds: null, replay_lsn: null };
        } finally {
          replica.polling = false;
        }
      }),
    );
  }

  /**
   * Runs a read on a replica fit for this client, or on the primary when none is: `work` gets one
   * connection's manager (its queries run one after another on that connection).
   */
  async run<T>(client: ReadingClient | null, work: (reader: Reader) => Promise<T>): Promise<T> {
    const fit = client?.primaryOnly ? new Set<string>() : this.fitReplicas(client?.writeLsn ?? null);
    if (fit.size === 0) return this.onPrimary(work);
    // TypeORM picks a replica at random; one that is not fit is handed back and another asked for.
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const runner = this.dataSource.createQueryRunner('slave');
      let connection: PoolClient;
      try {
        connection = (await runner.connect()) as PoolClient;
      } catch {
        await runner.release().catch(() => undefined);
        continue;
      }
      const { host, port } = (connection as unknown as { connectionParameters: { host: string; port: number } }).connectionParameters;
      if (!fit.has(`${host}:${port}`)) {
        await runner.release();
        continue;
      }
      try {
        const result = await work(runner.manager);
        this.split.replica += 1;
        return result;
      } catch (error) {
        // A replica that fails mid-read is skipped: the read is answered by the primary.
        if (!isConnectionError(error)) throw error;
        this.logger.warn(`replica ${host}:${port} failed a read, answered by the primary: ${(error as Error).message}`);
        return this.onPrimary(work);
      } finally {
        await runner.release().catch(() => undefined);
      }
    }
    return this.onPrimary(work);
  }

  private onPrimary<T>(work: (reader: Reader) => Promise<T>): Promise<T> {
    if (this.enabled) this.split.primary += 1;
    return work(this.dataSource.manager);
  }

  private fitReplicas(writeLsn: string | null): Set<string> {
    const needed = writeLsn ? lsnValue(writeLsn) : null;
    const fit = new Set<string>();
    for (const replica of this.replicas) {
      const { status, replay_lsn: replayed } = replica.state;
      if (status !== 'up' || !replayed) continue;
      if (needed !== null && lsnValue(replayed) < needed) continue;
      fit.add(replica.name);
    }
    return fit;
  }
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code.startsWith('08') || code === '57P01' || code === '57P03' || code === 'ECONNREFUSED' || code === 'ECONNRESET';
}

@Global()
@Module({ providers: [ReadReplicas], exports: [ReadReplicas] })
export class ReadReplicasModule {}
