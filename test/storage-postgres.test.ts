// The storage contract (test/storage/contract.ts) on PostgreSQL, each test in schemas of its own.
import { postgresHarness } from './storage/postgres-harness.js';
import { registerStorageContract } from './storage/contract.js';
import { servicesFor } from './support/services.js';

if (await servicesFor('storage contract (postgres)', 'PostgreSQL')) registerStorageContract(postgresHarness);
