import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fuzzy `name` filter searches `name_search` with LIKE '%term%', served by a trigram index.
 * Trigrams need three characters, and most Chinese names are two (王伟), so a one- or two-character
 * term made PostgreSQL read the whole table (a third of a second at a million users). This index
 * holds every one- and two-character substring of `name_search` (spaces left out), so those terms
 * are found through it; the LIKE stays in the query as the exact test.
 */
export class NameShortGrams1795240000000 implements MigrationInterface {
  name = 'NameShortGrams1795240000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    // Indexing an existing table of a million users takes longer than a request may.
    await queryRunner.query(`SET LOCAL statement_timeout = 0`);
    await queryRunner.query(`
      CREATE FUNCTION name_short_grams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT coalesce(array_agg(DISTINCT g), '{}'::text[])
          FROM (SELECT substr(t, i, len) AS g
                  FROM generate_series(1, 2) AS len, generate_series(1, length(t) - len + 1) AS i) AS grams
         WHERE g !~ '\\s'
      $$`);
    await queryRunner.query(`CREATE INDEX users_name_short_grams_idx ON users USING gin (name_short_grams(name_search))`);
    // Statistics for the new expression, so the planner knows how common each substring is.
    await queryRunner.query(`ANALYZE users`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX users_name_short_grams_idx`);
    await queryRunner.query(`DROP FUNCTION name_short_grams(text)`);
  }
}
