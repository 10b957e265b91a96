import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

export interface PoolStats {
  total: number;
  idle: number;
  /** Callers queued for a connection. */
  waiting: number;
}

/**
 * The database pool's counters for the metrics gauge. TypeORM has no accessor for them: its
 * PostgresDriver keeps the pg Pool in `master`, a public member typed `any`. This is the one place
 * that reads it (a TypeORM upgrade that renames it shows up here as zeros, not as an error).
 */
@Injectable()
export class DatabasePoolRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  stats(): PoolStats {
    const driver = this.dataSource.driver;
    const pool = driver.options.type === 'postgres' ? ((driver as PostgresDriver).master as Pool | undefined) : undefined;
    return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
  }
}
