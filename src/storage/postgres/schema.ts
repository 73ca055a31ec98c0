// The PostgreSQL schema, as ordered migrations in one database schema (a namespace: several
// Tessera deployments, or test runs, share a database without seeing each other). MIGRATIONS[i]
// takes it from version i to i + 1; state.schema_version holds the version. Append new
// migrations; never edit a released one.
import type { PoolClient } from 'pg';
import { NewerSchemaError } from '../errors.js';

const MIGRATIONS: readonly string[] = [
  // 1: placements, snapshots and the one row of running state.
  `
  -- One row: the newest committed seq and time (commits lock it, so seqs follow commit order and
  -- times never go back, across processes too), the placement count, the IP hash secret.
  CREATE TABLE state (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    schema_version integer NOT NULL,
    last_seq bigint NOT NULL DEFAULT 0,
    last_time_ms bigint NOT NULL DEFAULT 0,
    placements bigint NOT NULL DEFAULT 0,
    ip_hash_secret bytea NOT NULL
  );

  -- One row per write. A pixel has color/previous_color; a tile has tile_size and its colours,
  -- with (x, y) its top-left pixel. source: 0 WebSocket, 1 HTTP.
  CREATE TABLE placements (
    seq bigint PRIMARY KEY,
    board text NOT NULL,
    x integer NOT NULL,
    y integer NOT NULL,
    color smallint,
    previous_color smallint,
    tile_size integer,
    colors bytea,
    previous_colors bytea,
    actor text NOT NULL,
    ip bytea NOT NULL,
    time_ms bigint NOT NULL,
    source smallint NOT NULL
  );
  CREATE INDEX placements_by_pixel ON placements (board, x, y, seq);
  CREATE INDEX placements_by_actor ON placements (actor, seq);
  -- Times never decrease along seq (storage.ts): (board, time_ms, seq) order is seq order.
  CREATE INDEX placements_by_time ON placements (board, time_ms, seq);

  -- The tile sizes a board's tile records use, to find the tiles covering a pixel.
  CREATE TABLE tile_sizes (board text NOT NULL, size integer NOT NULL, PRIMARY KEY (board, size));

  -- time_ms: the time of the newest placement the snapshot includes. data: snapshot-codec.ts.
  CREATE TABLE snapshots (
    id bigserial PRIMARY KEY,
    board text NOT NULL,
    seq bigint NOT NULL,
    time_ms bigint NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    chunk_size integer NOT NULL,
    data bytea NOT NULL
  );
  CREATE INDEX snapshots_by_seq ON snapshots (board, seq);
  CREATE INDEX snapshots_by_time ON snapshots (board, time_ms);
  `,
  // 2: moderation (src/storage/moderation.ts, moderation-store.ts): accounts, sessions, bans,
  // locks, board settings, reports and the audit log; the same tables as SQLite's migration 2.
  // Times are ms since the Unix epoch; JSON columns are jsonb.
  `
  -- username_key: the name lower-cased, so "Alice" and "alice" are one account.
  CREATE TABLE users (
    id bigserial PRIMARY KEY,
    username text NOT NULL,
    username_key text NOT NULL UNIQUE,
    role text NOT NULL,
    password_hash text NOT NULL,
    created_ms bigint NOT NULL,
    guest_actor text
  );

  -- id_hash: SHA-256 of the cookie value (hex), never the value itself.
  CREATE TABLE sessions (
    id_hash text PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    created_ms bigint NOT NULL,
    expires_ms bigint NOT NULL
  );
  CREATE INDEX sessions_by_expiry ON sessions (expires_ms);

  CREATE TABLE bans (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    target text NOT NULL,
    reason text NOT NULL,
    created_ms bigint NOT NULL,
    expires_ms bigint,
    created_by text NOT NULL,
    lifted_ms bigint
  );
  CREATE INDEX bans_active ON bans (lifted_ms, expires_ms);

  CREATE TABLE locks (
    id bigserial PRIMARY KEY,
    board text NOT NULL,
    x integer NOT NULL,
    y integer NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    reason text NOT NULL,
    created_ms bigint NOT NULL,
    created_by text NOT NULL
  );

  CREATE TABLE board_settings (
    board text PRIMARY KEY,
    open boolean NOT NULL,
    opens_at_ms bigint,
    closes_at_ms bigint,
    buckets jsonb
  );

  CREATE TABLE reports (
    id bigserial PRIMARY KEY,
    board text NOT NULL,
    x integer NOT NULL,
    y integer NOT NULL,
    width integer NOT NULL,
    height integer NOT NULL,
    reason text NOT NULL,
    reporter text NOT NULL,
    created_ms bigint NOT NULL,
    status text NOT NULL,
    handled_by text,
    handled_ms bigint
  );
  CREATE INDEX reports_by_status ON reports (status, id);

  CREATE TABLE audit (
    id bigserial PRIMARY KEY,
    time_ms bigint NOT NULL,
    actor text NOT NULL,
    username text NOT NULL,
    action text NOT NULL,
    params jsonb NOT NULL,
    result jsonb NOT NULL
  );
  `,
];

/** The version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The tables this engine keeps, for sizes, backups and checks. */
export const TABLES = ['state', 'placements', 'tile_sizes', 'snapshots'] as const;

/**
 * Creates the schema if missing and brings it up to SCHEMA_VERSION, under a transaction-level
 * advisory lock so that processes starting together migrate once. `secret` seeds a new state row.
 */
export async function migrate(client: PoolClient, schema: string, secret: Buffer, where: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`tessera-migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    const found = await client.query<{ exists: boolean }>(
      `SELECT to_regclass(${quoteLiteral(`${quoteIdent(schema)}.state`)}) IS NOT NULL AS exists`);
    let version = 0;
    if (found.rows[0]!.exists) {
      version = (await client.query<{ schema_version: number }>('SELECT schema_version FROM state')).rows[0]?.schema_version ?? 0;
    }
    if (version > SCHEMA_VERSION) {
      throw new NewerSchemaError(
        `${where} was written by a newer version of Tessera (schema version ${version}; ` +
        `this version knows up to ${SCHEMA_VERSION}): upgrade Tessera, or use another schema`,
      );
    }
    for (let next = version; next < SCHEMA_VERSION; next++) {
      await client.query(MIGRATIONS[next]!);
      if (next === 0) await client.query('INSERT INTO state (schema_version, ip_hash_secret) VALUES (0, $1)', [secret]);
      await client.query('UPDATE state SET schema_version = $1', [next + 1]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A schema name Tessera accepts: lower-case letters, digits and _, as PostgreSQL folds them. */
export function checkSchemaName(schema: string): string {
  if (!IDENTIFIER.test(schema)) throw new RangeError(`"${schema}" is not a usable schema name (a-z, 0-9 and _, at most 63)`);
  return schema;
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;
