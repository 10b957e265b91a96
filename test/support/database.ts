import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The server the e2e suite creates its databases on (set by global-setup). */
export function adminDatabaseUrl(): string {
  const url = process.env.E2E_ADMIN_DATABASE_URL;
  if (!url) throw new Error('E2E_ADMIN_DATABASE_URL is not set: run the e2e specs through jest (global-setup starts PostgreSQL)');
  return url;
}

export function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database for one service instance; the service's migrations build its schema. */
export async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `ums_e2e_${randomBytes(6).toString('hex')}`;
  await withClient(adminDatabaseUrl(), (client) => client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`));
  return { name, url: databaseUrl(adminDatabaseUrl(), name) };
}

export async function dropDatabase(name: string): Promise<void> {
  await withClient(adminDatabaseUrl(), (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
