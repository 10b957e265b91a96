import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an import of a source system's history needs from the audit log (issue 12):
 *
 * - Imported entries (source IS NOT NULL) keep the operate_time they had in their source system; the
 *   chain trigger still assigns seq and prev_hash and computes the hash over the given time, so
 *   GET /user-logs/verify checks them like every other entry. Entries written here (source NULL) get
 *   clock_timestamp() as before, whatever the insert says.
 * - The append-only rule allows one kind of UPDATE: a change of id_000 alone (no other column, the
 *   hashed ones included). id_000 is an address for the 000 API, not part of the chained record; the
 *   importer moves a record created here off a 000 id the import brings in (the imported id wins,
 *   since other systems hold it).
 */
export class ImportedHistory1795244000000 implements MigrationInterface {
  name = 'ImportedHistory1795244000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION audit_logs_chain() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        head_seq bigint;
        head_hash char(64);
      BEGIN
        UPDATE audit_chain_head SET seq = seq + 1 WHERE id RETURNING seq, hash INTO head_seq, head_hash;
        NEW.seq := head_seq;
        NEW.prev_hash := head_hash;
        IF NEW.source IS NULL OR NEW.operate_time IS NULL THEN
          NEW.operate_time := clock_timestamp();
        END IF;
        NEW.hash := audit_entry_hash(NEW.seq, NEW.id, NEW.user_id, NEW.operator_id, NEW.operation,
          NEW.ip, NEW.user_agent, NEW.details, NEW.operate_time, NEW.prev_hash);
        UPDATE audit_chain_head SET hash = NEW.hash WHERE id;
        RETURN NEW;
      END
      $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'id_000') = (to_jsonb(OLD) - 'id_000') THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_logs is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_logs is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION audit_logs_chain() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        head_seq bigint;
        head_hash char(64);
      BEGIN
        UPDATE audit_chain_head SET seq = seq + 1 WHERE id RETURNING seq, hash INTO head_seq, head_hash;
        NEW.seq := head_seq;
        NEW.prev_hash := head_hash;
        NEW.operate_time := clock_timestamp();
        NEW.hash := audit_entry_hash(NEW.seq, NEW.id, NEW.user_id, NEW.operator_id, NEW.operation,
          NEW.ip, NEW.user_agent, NEW.details, NEW.operate_time, NEW.prev_hash);
        UPDATE audit_chain_head SET hash = NEW.hash WHERE id;
        RETURN NEW;
      END
      $$`);
  }
}
