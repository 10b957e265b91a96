import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read-your-writes with read replicas: each session remembers the primary's WAL position after its
 * client's last write (src/auth/write-lsn.interceptor.ts). The per-request session check reads it
 * with the session, and ReadReplicas sends that client's reads only to replicas that have replayed
 * that far. A session has none until its client's first write (its reads may go to any fit replica).
 */
export class SessionWriteLsn1795247100000 implements MigrationInterface {
  name = 'SessionWriteLsn1795247100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sessions ADD COLUMN write_lsn pg_lsn`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sessions DROP COLUMN write_lsn`);
  }
}
