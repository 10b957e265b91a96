import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ids each source API shows (API.md, "The source APIs keep working"): the 000 API shows integers
 * for users, groups, occupations, user logs and blacklist entries; the 001 API 24-hex ObjectIds for
 * users; the 003 API the canonical UUIDs. Every record gets its ids here; records imported from a
 * source keep the ids they had there (the importer writes them explicitly and moves the sequence
 * above them); records created afterwards take the next ones. Occupations already carry their 000
 * integer as `code`. `source` names the system a record was imported from (null: created here).
 */
export class SourceIds1795242000000 implements MigrationInterface {
  name = 'SourceIds1795242000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // A MongoDB-style ObjectId: 4 bytes of seconds since the epoch, then 8 random bytes.
    await queryRunner.query(`
      CREATE FUNCTION new_object_id() RETURNS char(24) LANGUAGE sql VOLATILE AS $$
        SELECT lpad(to_hex(floor(extract(epoch FROM clock_timestamp()))::bigint), 8, '0')
               || substr(replace(gen_random_uuid()::text, '-', ''), 1, 16)
      $$`);
    for (const table of ['users', 'groups', 'audit_logs', 'black_list']) {
      await queryRunner.query(`CREATE SEQUENCE ${table}_id_000_seq AS bigint`);
      await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN id_000 bigint NOT NULL DEFAULT nextval('${table}_id_000_seq')`);
      await queryRunner.query(`ALTER SEQUENCE ${table}_id_000_seq OWNED BY ${table}.id_000`);
      await queryRunner.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_id_000_key UNIQUE (id_000)`);
    }
    await queryRunner.query(`ALTER TABLE users ADD COLUMN id_001 char(24) NOT NULL DEFAULT new_object_id()`);
    await queryRunner.query(`ALTER TABLE users ADD CONSTRAINT users_id_001_key UNIQUE (id_001)`);
    for (const table of ['users', 'groups', 'occupations', 'audit_logs', 'black_list'])
      await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN source varchar(3) CHECK (source IN ('000', '001', '003'))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['users', 'groups', 'occupations', 'audit_logs', 'black_list'])
      await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN source`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN id_001`);
    for (const table of ['users', 'groups', 'audit_logs', 'black_list']) await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN id_000`);
    await queryRunner.query(`DROP FUNCTION new_object_id()`);
  }
}
