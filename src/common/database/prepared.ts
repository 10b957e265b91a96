import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Runs a hot statement as a named, server-side prepared statement on the pool: PostgreSQL parses and
 * plans it once per connection instead of on every request. Only for fixed SQL texts with an
 * explicit select list (a schema change then re-plans it without changing its result). Errors are
 * pg's own DatabaseError (with `code`), as for any other query.
 */
export async function preparedQuery<T>(dataSource: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const result = await pool.query({ name, text, values });
  return result.rows as T[];
}
