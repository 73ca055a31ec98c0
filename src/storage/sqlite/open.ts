// Opening a SQLite data directory: create it, lock it against a second server, check and migrate
// the schema, then hand the connection to SqliteStorage.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirectoryInUseError } from '../errors.js';
import { newIpHashSecret } from '../ip-hash.js';
import { Checkpointer } from './checkpointer.js';
import { DATABASE_FILE } from './layout.js';
import { tryLockDataDirectory } from './lock.js';
import { migrate } from './migrations.js';
import { SqliteStorage } from './sqlite-storage.js';

export interface SqliteStorageOptions {
  /**
   * Refuse to grow the database beyond about this many bytes: a commit that would fails as on a
   * full disk (SQLITE_FULL) and is rejected. Default: no limit but the disk's.
   */
  maxDatabaseBytes?: number;
}

/** Throws DataDirectoryInUseError or NewerSchemaError with a message meant for the operator. */
export async function openSqliteStorage(dataDir: string, options: SqliteStorageOptions = {}): Promise<SqliteStorage> {
  mkdirSync(dataDir, { recursive: true });
  const lock = tryLockDataDirectory(dataDir);
  if (lock === null) {
    const pid = ownerPid(dataDir);
    throw new DataDirectoryInUseError(
      `data directory ${dataDir} is in use by another Tessera server${pid === null ? '' : ` (pid ${pid})`}: ` +
      'stop it first, or use another data directory',
    );
  }
  const file = join(dataDir, DATABASE_FILE);
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    // Before the first table (no effect on an existing database). Each commit writes every page
    // it touched to the log, and the pixel and actor indexes take inserts all over: smaller
    // pages, less written per commit (a quarter of the default 4 KiB, at the same speed).
    db.pragma('page_size = 1024');
    migrate(db, dataDir); // first: a newer schema is refused before anything is changed
    configure(db, options);
    const secret = ipHashSecret(db);
    db.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('server_pid', ?)`).run(process.pid);
    return new SqliteStorage(db, lock, startCheckpointer(db, file), secret, file);
  } catch (error) {
    db?.close();
    lock.release();
    throw error;
  }
}

function configure(db: Database.Database, options: SqliteStorageOptions): void {
  // WAL: readers (an online backup from another process) never block the writer, and a commit
  // is one append to the log. synchronous = NORMAL: a commit returns once the log write reached
  // the OS, without waiting for fsync. A kill -9 of the process loses nothing the OS has (the
  // durability the server promises: an acknowledged placement survives a crash of the server);
  // only a power loss or kernel crash can lose the last commits, and never corrupts the
  // database. FULL would add an fsync per tick.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Checkpoints run in a worker thread (checkpointer.ts), not inside a commit. When the log starts
  // over, its file is cut back to this size.
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('journal_size_limit = 67108864');
  // The pixel index takes inserts all over the board: keep more of its pages in memory than
  // the 2 MiB default.
  db.pragma('cache_size = -65536');
  if (options.maxDatabaseBytes !== undefined) {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`max_page_count = ${Math.ceil(options.maxDatabaseBytes / pageSize)}`);
  }
}

function startCheckpointer(db: Database.Database, file: string): Checkpointer {
  // Should its thread die, SQLite's own checkpoints (run by the commit that crosses 1000 pages)
  // keep the log bounded: slower commits, nothing lost.
  return new Checkpointer(file, db.pragma('page_size', { simple: true }) as number, () => {
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  });
}

/** Created on first open; it must never change, or the same IP would stop hashing the same. */
function ipHashSecret(db: Database.Database): Buffer {
  db.prepare(`INSERT OR IGNORE INTO meta (key, value) VALUES ('ip_hash_secret', ?)`).run(newIpHashSecret());
  return db.prepare(`SELECT value FROM meta WHERE key = 'ip_hash_secret'`).pluck().get() as Buffer;
}

/** The pid the server holding the directory wrote at its start, if it can be read; for the message only. */
function ownerPid(dataDir: string): number | null {
  try {
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(`SELECT value FROM meta WHERE key = 'server_pid'`).pluck().get() as number | undefined) ?? null;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}
