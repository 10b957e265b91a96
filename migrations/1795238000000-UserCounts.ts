import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Counters kept by statement-level triggers in the same transaction as the change:
 * - user_counts: live and deleted users, so `total` on GET /users is one primary-key read instead
 *   of counting a million rows;
 * - username_fragments: for every 1-, 2- and 3-character substring of the (lower-cased) usernames of
 *   live users, how many contain it, so the `count` of a short `username_container` search (the
 *   least selective ones, matching a good share of all users) is exact without visiting those rows.
 * Updates that neither move a row in or out of the deleted state nor rename it (a login's
 * last_login_at) leave the counters alone and take no lock on them. Counter rows are always locked
 * in the same order (user_counts, then fragments in sorted order), so writers cannot deadlock on them.
 */
export class UserCounts1795238000000 implements MigrationInterface {
  name = 'UserCounts1795238000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Counting an existing table of a million users takes longer than a request may.
    await queryRunner.query(`SET LOCAL statement_timeout = 0`);
    await queryRunner.query(`
      CREATE TABLE user_counts (
        deleted boolean PRIMARY KEY,
        n bigint NOT NULL CHECK (n >= 0)
      )`);
    await queryRunner.query(`
      INSERT INTO user_counts (deleted, n)
      SELECT false, count(*) FILTER (WHERE deleted_at IS NULL) FROM users
      UNION ALL
      SELECT true, count(*) FILTER (WHERE deleted_at IS NOT NULL) FROM users`);

    await queryRunner.query(`
      CREATE TABLE username_fragments (
        fragment varchar(3) PRIMARY KEY,
        n bigint NOT NULL
      )`);
    await queryRunner.query(`
      CREATE FUNCTION username_fragments_of(username text) RETURNS SETOF text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT DISTINCT substr(lower(username), i, len)
          FROM generate_series(1, 3) AS len, generate_series(1, length(username) - len + 1) AS i
      $$`);
    await queryRunner.query(`
      INSERT INTO username_fragments (fragment, n)
      SELECT f, count(*) FROM users, username_fragments_of(username) AS f WHERE deleted_at IS NULL GROUP BY f`);
    await queryRunner.query(`
      CREATE FUNCTION username_fragments_add(deltas jsonb) RETURNS void LANGUAGE sql AS $$
        INSERT INTO username_fragments AS uf (fragment, n)
        SELECT key, value::bigint FROM jsonb_each_text(deltas) ORDER BY key COLLATE "C"
        ON CONFLICT (fragment) DO UPDATE SET n = uf.n + EXCLUDED.n
      $$`);

    await queryRunner.query(`
      CREATE FUNCTION user_counts_add(live bigint, dead bigint) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        -- Always in the same order (live row first), so two transactions cannot deadlock on them.
        IF live <> 0 THEN UPDATE user_counts SET n = n + live WHERE NOT deleted; END IF;
        IF dead <> 0 THEN UPDATE user_counts SET n = n + dead WHERE deleted; END IF;
      END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION user_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM user_counts_add(count(*) FILTER (WHERE deleted_at IS NULL), count(*) FILTER (WHERE deleted_at IS NOT NULL))
          FROM new_rows;
        PERFORM username_fragments_add(coalesce(jsonb_object_agg(f, c), '{}'))
          FROM (SELECT f, count(*) AS c FROM new_rows, username_fragments_of(username) AS f WHERE deleted_at IS NULL GROUP BY f) AS d;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION user_counts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM user_counts_add(-count(*) FILTER (WHERE deleted_at IS NULL), -count(*) FILTER (WHERE deleted_at IS NOT NULL))
          FROM old_rows;
        PERFORM username_fragments_add(coalesce(jsonb_object_agg(f, -c), '{}'))
          FROM (SELECT f, count(*) AS c FROM old_rows, username_fragments_of(username) AS f WHERE deleted_at IS NULL GROUP BY f) AS d;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION user_counts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        moved bigint;
      BEGIN
        -- Only rows deleted, restored or renamed change a counter.
        IF NOT EXISTS (
          SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id
           WHERE (o.deleted_at IS NULL) <> (n.deleted_at IS NULL) OR o.username <> n.username
        ) THEN
          RETURN NULL;
        END IF;
        -- Rows that became deleted minus rows that were restored.
        SELECT count(*) FILTER (WHERE o.deleted_at IS NULL AND n.deleted_at IS NOT NULL)
             - count(*) FILTER (WHERE o.deleted_at IS NOT NULL AND n.deleted_at IS NULL)
          INTO moved
          FROM old_rows o JOIN new_rows n ON n.id = o.id;
        IF moved <> 0 THEN PERFORM user_counts_add(-moved, moved); END IF;
        PERFORM username_fragments_add(coalesce(jsonb_object_agg(f, c), '{}'))
          FROM (
            SELECT f, sum(d) AS c
              FROM (SELECT f, -1 AS d FROM old_rows, username_fragments_of(username) AS f WHERE deleted_at IS NULL
                    UNION ALL
                    SELECT f, 1 FROM new_rows, username_fragments_of(username) AS f WHERE deleted_at IS NULL) AS x
             GROUP BY f
            HAVING sum(d) <> 0
          ) AS d;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION user_counts_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE user_counts SET n = 0;
        DELETE FROM username_fragments;
        RETURN NULL;
      END
      $$`);
    await queryRunner.query(`
      CREATE TRIGGER user_counts_inserted AFTER INSERT ON users
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_counts_inserted()`);
    await queryRunner.query(`
      CREATE TRIGGER user_counts_deleted AFTER DELETE ON users
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION user_counts_deleted()`);
    await queryRunner.query(`
      CREATE TRIGGER user_counts_updated AFTER UPDATE ON users
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_counts_updated()`);
    await queryRunner.query(`
      CREATE TRIGGER user_counts_truncated AFTER TRUNCATE ON users
      FOR EACH STATEMENT EXECUTE FUNCTION user_counts_truncated()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER user_counts_truncated ON users`);
    await queryRunner.query(`DROP TRIGGER user_counts_updated ON users`);
    await queryRunner.query(`DROP TRIGGER user_counts_deleted ON users`);
    await queryRunner.query(`DROP TRIGGER user_counts_inserted ON users`);
    await queryRunner.query(`DROP FUNCTION user_counts_truncated()`);
    await queryRunner.query(`DROP FUNCTION user_counts_updated()`);
    await queryRunner.query(`DROP FUNCTION user_counts_deleted()`);
    await queryRunner.query(`DROP FUNCTION user_counts_inserted()`);
    await queryRunner.query(`DROP FUNCTION user_counts_add(bigint, bigint)`);
    await queryRunner.query(`DROP FUNCTION username_fragments_add(jsonb)`);
    await queryRunner.query(`DROP FUNCTION username_fragments_of(text)`);
    await queryRunner.query(`DROP TABLE username_fragments`);
    await queryRunner.query(`DROP TABLE user_counts`);
  }
}
