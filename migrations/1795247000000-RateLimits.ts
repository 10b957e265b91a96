import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-client request counters shared by every instance (src/auth/rate-limits.repository.ts): one row
 * per limit and client, holding the hits of the current fixed window. UNLOGGED: a counter costs no
 * WAL and no fsync; after a PostgreSQL crash the table is emptied (limits start afresh), while a
 * restart of the service, or a clean restart of PostgreSQL, forgets nothing.
 */
export class RateLimits1795247000000 implements MigrationInterface {
  name = 'RateLimits1795247000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE UNLOGGED TABLE rate_limits (
        key varchar(200) PRIMARY KEY,
        window_start timestamptz NOT NULL,
        hits integer NOT NULL
      ) WITH (fillfactor = 70)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE rate_limits`);
  }
}
