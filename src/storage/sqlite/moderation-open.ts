// The moderation store's other ways in: an in-memory database for a server without a data
// directory (--data-dir ''), and the data directory's database opened from outside the server
// (the admin CLI), which neither takes the server's lock nor blocks its writes (WAL).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DATABASE_FILE } from './layout.js';
import { migrate } from './migrations.js';
import { SqliteModerationStore } from './moderation-store.js';

/** Memory-only mode: the same schema and code, nothing outlives the process. */
export function openMemoryModerationStore(): SqliteModerationStore {
  const db = new Database(':memory:');
  migrate(db, ':memory:');
  return new SqliteModerationStore(db);
}

/** For the admin CLI: works whether or not a server holds the directory. close() when done. */
export function openModerationFromOutside(dataDir: string): { store: SqliteModerationStore; close(): void } {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, DATABASE_FILE));
  try {
    db.pragma('busy_timeout = 10000'); // a running server's commit holds the write lock only briefly
    db.pragma('page_size = 1024'); // as open.ts, for a database created here
    db.pragma('journal_mode = WAL');
    migrate(db, dataDir);
  } catch (error) {
    db.close();
    throw error;
  }
  return { store: new SqliteModerationStore(db), close: () => db.close() };
}
