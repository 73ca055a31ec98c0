// What a SQLite data directory holds. To restore a backup, copy it to DATABASE_FILE of an empty
// data directory.
export const DATABASE_FILE = 'tessera.db';
/** Held locked by the server for its lifetime (see lock.ts); its content is nothing. */
export const LOCK_FILE = 'tessera.lock';
