import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Runs a hot statement as a named, server-side prepared statement: PostgreSQL parses and plans it
 * once per connection instead of on every request. Only for fixed SQL texts with an explicit select
 * list (a schema change then re-plans it without changing its result). The pooled connection comes
 * through TypeORM's public QueryRunner API. Errors are pg's own DatabaseError (with `code`).
 */
export async function preparedQuery<T>(dataSource: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const runner = dataSource.createQueryRunner('master');
  try {
    const client = (await runner.connect()) as PoolClient;
    const result = await client.query<T & object>({ name, text, values });
    return result.rows;
  } finally {
    await runner.release();
  }
}
