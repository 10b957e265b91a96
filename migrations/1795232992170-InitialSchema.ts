import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users, occupations, sessions and refresh tokens, the login-failure counters and the
 * append-only, hash-chained audit log.
 */
export class InitialSchema1795232992170 implements MigrationInterface {
  name = 'InitialSchema1795232992170';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    await queryRunner.query(`
      CREATE TABLE occupations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX occupations_name_lower_key ON occupations (lower(name))`);

    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username varchar(22) NOT NULL,
        email varchar(254) NOT NULL,
        phone_number varchar(21),
        password_hash varchar(255) NOT NULL,
        role varchar(16) NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin', 'superadmin')),
        state smallint NOT NULL DEFAULT 1 CHECK (state IN (0, 1)),
        name varchar(100),
        name_pinyin varchar(600),
        name_search text,
        first_name varchar(50),
        last_name varchar(50),
        gender smallint CHECK (gender IN (0, 1, 2)),
        age smallint CHECK (age BETWEEN 0 AND 150),
        birthday date,
        occupation_id uuid REFERENCES occupations (id) ON DELETE RESTRICT,
        identify_id varchar(18),
        address varchar(255),
        avatar_url varchar(2048),
        language_preference varchar(8),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz,
        deleted_at timestamptz,
        CONSTRAINT users_email_lower CHECK (email = lower(email))
      )`);
    // Unique over deleted rows too: a soft-deleted user's username and email stay reserved.
    await queryRunner.query(`CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);
    await queryRunner.query(`CREATE INDEX users_username_trgm_idx ON users USING gin (lower(username) gin_trgm_ops)`);
    await queryRunner.query(`CREATE INDEX users_name_search_trgm_idx ON users USING gin (name_search gin_trgm_ops)`);
    await queryRunner.query(`CREATE INDEX users_created_at_idx ON users (created_at, id)`);
    await queryRunner.query(`CREATE INDEX users_role_idx ON users (role)`);
    await queryRunner.query(`CREATE INDEX users_state_idx ON users (state)`);
    await queryRunner.query(`CREATE INDEX users_occupation_idx ON users (occupation_id)`);
    await queryRunner.query(`CREATE INDEX users_deleted_at_idx ON users (deleted_at) WHERE deleted_at IS NOT NULL`);

    await queryRunner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        ip varchar(45),
        user_agent varchar(512),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason varchar(32)
      )`);
    await queryRunner.query(`CREATE INDEX sessions_user_id_idx ON sessions (user_id)`);

    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL,
        parent_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash)`);
    await queryRunner.query(`CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id)`);

    await queryRunner.query(`
      CREATE TABLE login_failures (
        key varchar(300) PRIMARY KEY,
        failures integer NOT NULL,
        last_failed_at timestamptz NOT NULL,
        locked_until timestamptz
      )`);

    await queryRunner.query(`
      CREATE TABLE audit_logs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint NOT NULL,
        user_id uuid REFERENCES users (id),
        operator_id uuid REFERENCES users (id),
        operation smallint NOT NULL,
        ip varchar(45),
        user_agent varchar(512),
        details jsonb,
        operate_time timestamptz NOT NULL,
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX audit_logs_seq_key ON audit_logs (seq)`);
    await queryRunner.query(`CREATE INDEX audit_logs_user_seq_idx ON audit_logs (user_id, seq)`);
    await queryRunner.query(`CREATE INDEX audit_logs_operation_seq_idx ON audit_logs (operation, seq)`);
    await queryRunner.query(`CREATE INDEX audit_logs_operate_time_idx ON audit_logs (operate_time)`);
    await queryRunner.query(`CREATE INDEX audit_logs_ip_idx ON audit_logs (ip)`);

    // The head of the chain: one row whose lock serialises appends, so seq has no gaps and
    // every entry's prev_hash is the hash of the entry before it.
    await queryRunner.query(`
      CREATE TABLE audit_chain_head (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        seq bigint NOT NULL,
        hash char(64) NOT NULL
      )`);
    await queryRunner.query(`INSERT INTO audit_chain_head (id, seq, hash) VALUES (true, 0, repeat('0', 64))`);

    await queryRunner.query(`
      CREATE FUNCTION audit_entry_hash(
        p_seq bigint, p_id uuid, p_user uuid, p_operator uuid, p_operation smallint,
        p_ip text, p_user_agent text, p_details jsonb, p_time timestamptz, p_prev_hash text
      ) RETURNS char(64) LANGUAGE sql STABLE AS $$
        SELECT encode(sha256(convert_to(concat_ws(E'\\x1f',
          p_seq::text, p_id::text, coalesce(p_user::text, ''), coalesce(p_operator::text, ''),
          p_operation::text, coalesce(p_ip, ''), coalesce(p_user_agent, ''), coalesce(p_details::text, ''),
          to_char(p_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), p_prev_hash), 'UTF8')), 'hex')
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION audit_logs_chain() RETURNS trigger LANGUAGE plpgsql AS $$
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
    await queryRunner.query(`
      CREATE TRIGGER audit_logs_chain BEFORE INSERT ON audit_logs
      FOR EACH ROW EXECUTE FUNCTION audit_logs_chain()`);

    await queryRunner.query(`
      CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_logs is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs
      FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
      FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_logs`);
    await queryRunner.query(`DROP FUNCTION audit_logs_append_only()`);
    await queryRunner.query(`DROP FUNCTION audit_logs_chain()`);
    await queryRunner.query(`DROP FUNCTION audit_entry_hash(bigint, uuid, uuid, uuid, smallint, text, text, jsonb, timestamptz, text)`);
    await queryRunner.query(`DROP TABLE audit_chain_head`);
    await queryRunner.query(`DROP TABLE login_failures`);
    await queryRunner.query(`DROP TABLE refresh_tokens`);
    await queryRunner.query(`DROP TABLE sessions`);
    await queryRunner.query(`DROP TABLE users`);
    await queryRunner.query(`DROP TABLE occupations`);
  }
}
