// The storage contract (test/storage/contract.ts) on the embedded SQLite engine.
import { sqliteHarness } from './storage/harnesses.js';
import { registerStorageContract } from './storage/contract.js';

registerStorageContract(sqliteHarness);
