// The moderation store contract (test/storage/moderation-contract.ts) on PostgreSQL: each test's
// "data directory" is a schema of its own (postgres-harness.ts), dropped after the test.
import type { PostgresStorage } from '../src/storage/postgres/postgres-storage.js';
import { postgresHarness } from './storage/postgres-harness.js';
import { registerModerationContract } from './storage/moderation-contract.js';
import { servicesFor } from './support/services.js';

if (await servicesFor('moderation store contract (postgres)', 'PostgreSQL')) {
  registerModerationContract({
    engine: 'postgres',
    durable: true,
    async open(dataDir) {
      // Through postgresHarness, so that the schema is remembered and dropped by its cleanup.
      const storage = await postgresHarness.open(dataDir) as PostgresStorage;
      return { store: storage.moderation(), close: () => storage.close() };
    },
    cleanup: () => postgresHarness.cleanup!(),
  });
}
