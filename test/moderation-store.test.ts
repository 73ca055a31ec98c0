// The moderation store contract (test/storage/moderation-contract.ts) on SQLite: in the data
// directory's database, and on the in-memory database of a server without one.
import { openMemoryModerationStore } from '../src/storage/sqlite/moderation-open.js';
import { openSqliteStorage } from '../src/storage/sqlite/open.js';
import { registerModerationContract } from './storage/moderation-contract.js';

registerModerationContract({
  engine: 'sqlite',
  durable: true,
  async open(dataDir) {
    const storage = await openSqliteStorage(dataDir);
    return { store: storage.moderation(), close: () => storage.close() };
  },
});

registerModerationContract({
  engine: 'sqlite in memory',
  durable: false,
  async open() {
    return { store: openMemoryModerationStore(), close: async () => {} };
  },
});
