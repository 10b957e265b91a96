import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A bulk append to the audit chain for imports (issue 12 follow-up: a million users in minutes).
 *
 * The chain trigger (audit_logs_chain) takes the head row, updates it twice and hashes, once per row:
 * about 140 µs a row, measured, and an import writes one record per user plus its logs. Here
 * audit_logs_append_batch(entries jsonb) appends a whole batch with one lock of the head: it numbers
 * the entries, computes each hash with the same audit_entry_hash() over the previous one, in order,
 * inserts them in one statement and moves the head once (about 45 µs a row, measured). The chain it
 * leaves is the one the trigger would have left, so GET /user-logs/verify checks it unchanged.
 *
 * The trigger lets the rows of that one INSERT through as they are: the function sets the
 * transaction-local flag audit.chained_batch around its own INSERT and clears it after. Every other
 * insert is chained by the trigger as before. (A session that set the flag itself could write rows
 * with hashes of its own making; so could one that updated the head row: the verification route
 * recomputes every hash and link and finds either.)
 *
 * Entries: [{ operation, user_id, operator_id, ip, details, source, id_000, operate_time }], in chain
 * order; operate_time is kept for imported history (source given) and is the clock otherwise, as in
 * the trigger; id_000 null takes the next from audit_logs_id_000_seq.
 */
export class ImportBatchAudit1795248000000 implements MigrationInterface {
  name = 'ImportBatchAudit1795248000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION audit_logs_append_batch(entries jsonb) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        n integer := jsonb_array_length(entries);
        head_seq bigint;
        head_hash char(64);
        e record;
        v_id uuid;
        v_time timestamptz;
        ids uuid[] := '{}';
        seqs bigint[] := '{}';
        times timestamptz[] := '{}';
        prevs text[] := '{}';
        hashes text[] := '{}';
      BEGIN
        IF n = 0 THEN RETURN; END IF;
        UPDATE audit_chain_head SET seq = seq + n WHERE id RETURNING seq - n, hash INTO head_seq, head_hash;
        FOR e IN SELECT r.* FROM ROWS FROM (jsonb_to_recordset(entries) AS (operation smallint, user_id uuid, operator_id uuid, ip varchar,
                   details jsonb, source varchar, operate_time timestamptz)) WITH ORDINALITY AS r ORDER BY r.ordinality LOOP
          head_seq := head_seq + 1;
          v_id := gen_random_uuid();
          v_time := CASE WHEN e.source IS NULL OR e.operate_time IS NULL THEN clock_timestamp() ELSE e.operate_time END;
          ids := ids || v_id;
          seqs := seqs || head_seq;
          times := times || v_time;
          prevs := prevs || head_hash::text;
          head_hash := audit_entry_hash(head_seq, v_id, e.user_id, e.operator_id, e.operation, e.ip, NULL, e.details, v_time, head_hash);
          hashes := hashes || head_hash::text;
        END LOOP;
        UPDATE audit_chain_head SET hash = head_hash WHERE id;
        PERFORM set_config('audit.chained_batch', 'on', true);
        INSERT INTO audit_logs (id, seq, operation, user_id, operator_id, ip, details, source, id_000, operate_time, prev_hash, hash)
        SELECT c.id, c.seq, r.operation, r.user_id, r.operator_id, r.ip, r.details, r.source, coalesce(r.id_000, nextval('audit_logs_id_000_seq')),
               c.operate_time, c.prev_hash, c.hash
        FROM ROWS FROM (jsonb_to_recordset(entries) AS (operation smallint, user_id uuid, operator_id uuid, ip varchar, details jsonb,
               source varchar, id_000 bigint)) WITH ORDINALITY AS r
        JOIN unnest(ids, seqs, times, prevs, hashes) WITH ORDINALITY AS c(id, seq, operate_time, prev_hash, hash, i) ON c.i = r.ordinality
        ORDER BY r.ordinality;
        PERFORM set_config('audit.chained_batch', '', true);
      END
      $$`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION audit_logs_chain() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        head_seq bigint;
        head_hash char(64);
      BEGIN
        IF current_setting('audit.chained_batch', true) = 'on' THEN
          RETURN NEW;
        END IF;
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
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION audit_logs_append_batch(jsonb)`);
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
  }
}
