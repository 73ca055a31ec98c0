// One server per data directory. The lock is a SQLite exclusive lock on a separate, empty file,
// held for the process's lifetime: the OS drops it when the process dies, even by kill -9, so a
// crash never leaves a stale lock (as a pid file would), and SQLite also refuses a second
// opener inside the same process. The database itself is not locked exclusively, so an online
// backup from another process can still read it.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { LOCK_FILE } from './layout.js';

export interface DataDirectoryLock {
  release(): void;
}

/** The lock of dataDir, or null when someone else holds it. */
export function tryLockDataDirectory(dataDir: string): DataDirectoryLock | null {
  const lockDb = new Database(join(dataDir, LOCK_FILE), { timeout: 0 });
  try {
    lockDb.pragma('locking_mode = EXCLUSIVE');
    lockDb.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lockDb.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return null;
    throw error;
  }
  return { release: () => lockDb.close() };
}
