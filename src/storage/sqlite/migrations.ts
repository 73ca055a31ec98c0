// The schema, as ordered migrations: MIGRATIONS[i] takes a database from version i to i + 1
// (PRAGMA user_version holds the version). Append new migrations; never edit a released one.
import type { Database } from 'better-sqlite3';
import { NewerSchemaError } from '../errors.js';

const MIGRATIONS: readonly string[] = [
  // 1: placements, snapshots and what they refer to.
  `
  -- Settings of this data directory (the IP hash secret) and running totals (placement count).
  CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY) STRICT, WITHOUT ROWID;
  INSERT INTO meta (key, value) VALUES ('placements', 0);

  -- Board ids, actors and IP hashes repeat in every record: stored once, referred to by number.
  CREATE TABLE boards (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
  CREATE TABLE actors (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE) STRICT;
  CREATE TABLE ip_hashes (id INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE) STRICT;

  -- One row per write. A pixel has color/previous_color; a tile has tile_size and its colours
  -- as blobs, with (x, y) its top-left pixel. AUTOINCREMENT: a seq is never reused, even after
  -- retention deleted the newest rows. source: 0 WebSocket, 1 HTTP. REFERENCES documents the
  -- links (SQLite does not enforce them unless asked; the writer creates every id it uses).
  CREATE TABLE placements (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    board INTEGER NOT NULL REFERENCES boards (id),
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    color INTEGER,
    previous_color INTEGER,
    tile_size INTEGER,
    colors BLOB,
    previous_colors BLOB,
    actor INTEGER NOT NULL REFERENCES actors (id),
    ip INTEGER NOT NULL REFERENCES ip_hashes (id),
    time_ms INTEGER NOT NULL,
    source INTEGER NOT NULL
  ) STRICT;
  -- Every index ends in seq (SQLite appends the rowid), so each serves its query newest first.
  CREATE INDEX placements_by_pixel ON placements (board, x, y);
  CREATE INDEX placements_by_actor ON placements (actor);
  -- Times never decrease along seq (storage.ts), so (board, time_ms, seq) order is seq order:
  -- this one index serves replay, time ranges, a board's recent writes and retention.
  CREATE INDEX placements_by_time ON placements (board, time_ms);

  -- The tile sizes a board's tile records use, to find the tiles covering a pixel.
  CREATE TABLE tile_sizes (board INTEGER NOT NULL, size INTEGER NOT NULL, PRIMARY KEY (board, size)) STRICT, WITHOUT ROWID;

  -- time_ms: the time of the newest placement the snapshot includes. data: snapshot-codec.ts.
  CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    board INTEGER NOT NULL REFERENCES boards (id),
    seq INTEGER NOT NULL,
    time_ms INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    chunk_size INTEGER NOT NULL,
    data BLOB NOT NULL
  ) STRICT;
  CREATE INDEX snapshots_by_seq ON snapshots (board, seq);
  CREATE INDEX snapshots_by_time ON snapshots (board, time_ms);
  `,
  // 2: moderation (src/storage/moderation.ts): accounts, sessions, bans, locks, board settings,
  // reports and the audit log. Times are ms since the Unix epoch; JSON columns are TEXT.
  `
  -- username_key: the name lower-cased, so "Alice" and "alice" are one account.
  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    guest_actor TEXT
  ) STRICT;

  -- id_hash: SHA-256 of the cookie value (hex), never the value itself.
  CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX sessions_by_expiry ON sessions (expires_ms);

  CREATE TABLE bans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER,
    created_by TEXT NOT NULL,
    lifted_ms INTEGER
  ) STRICT;
  CREATE INDEX bans_active ON bans (lifted_ms, expires_ms);

  CREATE TABLE locks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    board TEXT NOT NULL,
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    created_by TEXT NOT NULL
  ) STRICT;

  CREATE TABLE board_settings (
    board TEXT PRIMARY KEY,
    open INTEGER NOT NULL,
    opens_at_ms INTEGER,
    closes_at_ms INTEGER,
    buckets TEXT
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    board TEXT NOT NULL,
    x INTEGER NOT NULL,
    y INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    reason TEXT NOT NULL,
    reporter TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    handled_by TEXT,
    handled_ms INTEGER
  ) STRICT;
  CREATE INDEX reports_by_status ON reports (status);

  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    params TEXT NOT NULL,
    result TEXT NOT NULL
  ) STRICT;
  `,
];

/** The version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database up to SCHEMA_VERSION, one transaction per migration. */
export function migrate(db: Database, dataDir: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new NewerSchemaError(
      `data directory ${dataDir} was written by a newer version of Tessera (schema version ${version}; ` +
      `this version knows up to ${SCHEMA_VERSION}): upgrade Tessera, or use another data directory`,
    );
  }
  for (let next = version; next < SCHEMA_VERSION; next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]!);
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
}
