import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Runs a hot statement as a named, server-side prepared statement: PostgreSQL parses and plans it
 * once per connection instead of on every request. Only for fixed SQL texts with an explicit select
 * list (a schema change then re-plans it without changing its result). The pooled connection comes
 * from the PostgreSQL driver's public obtainMasterConnection() (a QueryRunner per statement cost
 * about 1% of GET /auth/me). Errors are pg's own DatabaseError (with `code`).
 */
export async function preparedQuery<T>(dataSource: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const [client, release] = (await (dataSource.driver as PostgresDriver).obtainMasterConnection()) as [
    PoolClient,
    (error?: unknown) => void,
  ];
  try {
    const result = await client.query<T & object>({ name, text, values });
    release();
    return result.rows;
  } catch (error) {
    // A connection whose statement failed at the protocol level is not trusted again.
    release(error);
    throw error;
  }
}
