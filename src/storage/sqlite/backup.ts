// Online backup with SQLite's backup API: a consistent copy of the database, taken page by page
// between other work, while the server keeps writing. The copy is a plain database file; to
// serve from it, copy it to DATABASE_FILE of an empty data directory.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { DATABASE_FILE } from './layout.js';

/**
 * Backs up the database of dataDir from outside the server that holds it (another process):
 * a read-only connection, which neither takes the server's lock nor blocks its writes (WAL).
 */
export async function backupDataDirectory(dataDir: string, toFile: string): Promise<void> {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
  try {
    await db.backup(toFile);
  } finally {
    db.close();
  }
}
