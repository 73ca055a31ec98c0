// One harness per storage engine: how the contract tests (contract.ts) open it, and the few
// things they do to it from outside the interface (fill the disk, fake a newer schema, restore
// a backup). Child processes look engines up here by name.
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Storage } from '../../src/storage/storage.js';
import { backupDataDirectory } from '../../src/storage/sqlite/backup.js';
import { DATABASE_FILE } from '../../src/storage/sqlite/layout.js';
import { openSqliteStorage } from '../../src/storage/sqlite/open.js';
import { postgresHarness } from './postgres-harness.js';

export interface StorageHarness {
  engine: string;
  /** How messages name the place that dataDir stands for (a directory, a database schema). */
  where(dataDir: string): string;
  open(dataDir: string): Promise<Storage>;
  /** Opens a closed data directory so that it can grow by only about `bytes`: then writes fail as on a full disk. */
  openWithRoomFor(dataDir: string, bytes: number): Promise<Storage>;
  /** Makes the (closed) data directory look written by a newer version. */
  markNewerSchema(dataDir: string): void | Promise<void>;
  /** Backs up a data directory that another process holds open. */
  backupFromOutside(dataDir: string, toFile: string): Promise<void>;
  /** Turns a backup file into a data directory that open() accepts. */
  restoreBackup(backupFile: string, dataDir: string): void | Promise<void>;
  /** The engine's own consistency check of a closed data directory: 'ok' or its complaints. */
  integrityCheck(dataDir: string): string | Promise<string>;
  /** Removes what the harness made outside the data directories (after each test). */
  cleanup?(): Promise<void>;
}

export const sqliteHarness: StorageHarness = {
  engine: 'sqlite',
  where: (dataDir) => `data directory ${dataDir}`,
  open: (dataDir) => openSqliteStorage(dataDir),
  openWithRoomFor: (dataDir, bytes) =>
    openSqliteStorage(dataDir, { maxDatabaseBytes: statSync(join(dataDir, DATABASE_FILE)).size + bytes }),
  markNewerSchema(dataDir) {
    const db = new Database(join(dataDir, DATABASE_FILE));
    db.pragma('user_version = 999');
    db.close();
  },
  backupFromOutside: backupDataDirectory,
  restoreBackup(backupFile, dataDir) {
    mkdirSync(dataDir, { recursive: true });
    copyFileSync(backupFile, join(dataDir, DATABASE_FILE));
  },
  integrityCheck(dataDir) {
    const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
    try {
      return (db.pragma('integrity_check', { simple: true }) as string);
    } finally {
      db.close();
    }
  },
};

export const harnesses: Record<string, StorageHarness> = { sqlite: sqliteHarness, postgres: postgresHarness };
