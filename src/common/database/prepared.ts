import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
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

/**
 * A read on `reader`: a replica's manager (ReadReplicas.run holds its connection) or the primary's.
 * With a `name`, it runs as a named prepared statement on that connection; give one only to texts
 * drawn from a small fixed set (pg keeps every name it prepared for the connection's lifetime).
 */
export async function readRows<T>(reader: EntityManager, name: string | undefined, text: string, values: unknown[]): Promise<T[]> {
  if (reader.queryRunner) {
    // The runner's own connection (connect() hands back the one it holds).
    const connection = (await reader.queryRunner.connect()) as PoolClient;
    return (await connection.query<T & object>({ name, text, values })).rows;
  }
  if (name === undefined) return reader.query(text, values);
  return preparedQuery<T>(reader.connection, name, text, values);
}

/** A short name for a statement text (PostgreSQL cuts names at 63 bytes, so the text itself will not do). */
export function statementName(text: string): string {
  return createHash('sha1').update(text).digest('base64url').slice(0, 22);
}
