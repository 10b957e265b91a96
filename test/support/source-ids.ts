import { withClient } from './database';

/** Tables whose rows carry a 000 id (id_000, bigint). */
export type Table000 = 'users' | 'groups' | 'audit_logs' | 'black_list';

/** A row's 000 id as the database holds it (the truth the 000 API must show), as a number. */
export async function id000Of(databaseUrl: string, table: Table000, id: string): Promise<number> {
  const rows = await withClient(
    databaseUrl,
    async (client) => (await client.query(`SELECT id_000 FROM ${table} WHERE id = $1`, [id])).rows,
  );
  if (rows.length !== 1) throw new Error(`no ${table} row ${id}`);
  return Number(rows[0].id_000);
}

/** A user's 001 id (ObjectId) as the database holds it. */
export async function id001Of(databaseUrl: string, userId: string): Promise<string> {
  const rows = await withClient(
    databaseUrl,
    async (client) => (await client.query(`SELECT id_001 FROM users WHERE id = $1`, [userId])).rows,
  );
  if (rows.length !== 1) throw new Error(`no user ${userId}`);
  return rows[0].id_001;
}

/**
 * Makes a user look imported from `source` with the given source ids, as the importer writes them
 * (the importer itself is another change; these specs only need its result in the columns).
 */
export async function markImported(
  databaseUrl: string,
  userId: string,
  source: '000' | '001' | '003',
  ids: { id000?: number; id001?: string } = {},
): Promise<void> {
  await withClient(databaseUrl, (client) =>
    client.query(
      `UPDATE users SET source = $2, id_000 = coalesce($3::bigint, id_000), id_001 = coalesce($4::char(24), id_001) WHERE id = $1`,
      [userId, source, ids.id000 ?? null, ids.id001 ?? null],
    ),
  );
}
