// A backup of one schema as a file: a header line, then one JSON line per row (PostgreSQL's own
// row_to_json, bytea as "\x…" hex), table by table, all read in ONE repeatable-read transaction
// so the copy is consistent while the server goes on writing. Restoring puts the rows into a new
// schema with json_populate_recordset. (pg_dump -n SCHEMA does the same for operators; this one
// needs nothing but the server's own connection.)
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Pool, PoolClient } from 'pg';

const HEADER = { tessera: 'postgres-backup', version: 1 };
const PAGE = 2000;
/** Each table with the numeric key its rows are paged by (null: small, read whole). */
const COPIED = [
  ['state', null], ['tile_sizes', null], ['placements', 'seq'], ['snapshots', 'id'],
  // The moderation store's (users before the sessions that refer to them).
  ['users', 'id'], ['sessions', null], ['bans', 'id'], ['locks', 'id'], ['board_settings', null], ['reports', 'id'], ['audit', 'id'],
] as const;
/** Tables whose ids come from a sequence: set past the restored rows, so new ids never collide. */
const SERIAL = ['snapshots', 'users', 'bans', 'locks', 'reports', 'audit'] as const;

export async function writeBackup(pool: Pool, toFile: string): Promise<void> {
  const client = await pool.connect();
  const out = createWriteStream(toFile);
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await write(JSON.stringify(HEADER));
    for (const [table, key] of COPIED) {
      if (key === null) {
        const { rows } = await client.query<{ line: string }>(`SELECT row_to_json(t)::text AS line FROM ${table} t`);
        for (const { line } of rows) await write(`{"table":"${table}","row":${line}}`);
        continue;
      }
      for (let after = -1; ;) {
        const { rows } = await client.query<{ line: string; key: number }>(
          `SELECT row_to_json(t)::text AS line, ${key} AS key FROM ${table} t WHERE ${key} > $1 ORDER BY ${key} LIMIT ${PAGE}`, [after]);
        for (const { line } of rows) await write(`{"table":"${table}","row":${line}}`);
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1]!.key;
      }
    }
    await client.query('COMMIT');
    out.end();
    await once(out, 'finish');
  } catch (error) {
    out.destroy();
    throw error;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

/** Fills a freshly migrated, empty schema (the client's search_path) from a backup file. */
export async function restoreBackup(client: PoolClient, fromFile: string): Promise<void> {
  let header = true;
  let batch: { table: string; rows: unknown[] } = { table: '', rows: [] };
  const flush = async () => {
    if (batch.rows.length === 0) return;
    if (batch.table === 'state') {
      await client.query('DELETE FROM state');
    }
    await client.query(`INSERT INTO ${batch.table} SELECT * FROM json_populate_recordset(null::${batch.table}, $1::json)`,
      [JSON.stringify(batch.rows)]);
    batch = { table: batch.table, rows: [] };
  };
  await client.query('BEGIN');
  try {
    // Made just before it is read: lines a readline interface emits while nothing iterates are lost.
    const lines = createInterface({ input: createReadStream(fromFile) });
    for await (const line of lines) {
      const entry = JSON.parse(line);
      if (header) {
        if (entry.tessera !== HEADER.tessera || entry.version !== HEADER.version) throw new Error(`${fromFile} is not a Tessera PostgreSQL backup`);
        header = false;
        continue;
      }
      if (!COPIED.some(([table]) => table === entry.table)) throw new Error(`${fromFile}: unknown table ${entry.table}`);
      if (entry.table !== batch.table) await flush();
      batch.table = entry.table;
      batch.rows.push(entry.row);
      if (batch.rows.length >= PAGE) await flush();
    }
    await flush();
    for (const table of SERIAL) {
      await client.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce((SELECT max(id) FROM ${table}), 0) + 1, false)`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
