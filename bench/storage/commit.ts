// Storage bench: committed placements per second with group commits of realistic sizes, the
// time one commit takes, and the database size per million placements.
//
//   node scripts/build.mjs && node build/bench/storage/commit.js [--placements N] [--batches 100,1000,5000]
//
// Each batch size gets a fresh data directory under the OS temp directory (removed afterwards)
// and commits N pixel placements on a 1000 × 1000 board: random pixels and colours, actors from
// 10,000 sessions, IPs from 5,000 addresses, 60 commits per simulated second.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { DATABASE_FILE } from '../../src/storage/sqlite/layout.js';
import { openSqliteStorage } from '../../src/storage/sqlite/open.js';
import type { PixelRecord } from '../../src/storage/storage.js';
import { mulberry32 } from '../../test/support/random.js';

const { values } = parseArgs({
  options: {
    placements: { type: 'string', default: '1000000' },
    batches: { type: 'string', default: '100,1000,5000' },
  },
});
const placements = Number(values.placements);
const batchSizes = values.batches.split(',').map(Number);

const T0 = 1_700_000_000_000;
const TICK_MS = 1000 / 60;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function run(batchSize: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-storage-'));
  try {
    const storage = await openSqliteStorage(dir);
    const random = mulberry32(batchSize);
    const actors = Array.from({ length: 10_000 }, (_, i) => `session-${String(i).padStart(14, '0')}`);
    const ips = Array.from({ length: 5_000 }, (_, i) => storage.hashIp(`10.${i >> 8}.${i & 255}.1`));
    const commits = Math.ceil(placements / batchSize);
    const commitMs = new Float64Array(commits);
    const wal = join(dir, `${DATABASE_FILE}-wal`);
    let maxWalBytes = 0;
    const started = performance.now();
    for (let c = 0; c < commits; c++) {
      const batch: PixelRecord[] = [];
      for (let i = 0; i < batchSize; i++) {
        batch.push({
          kind: 'pixel', boardId: 'place', x: (random() * 1000) | 0, y: (random() * 1000) | 0,
          color: (random() * 32) | 0, previousColor: (random() * 32) | 0,
          actor: actors[(random() * actors.length) | 0]!, ipHash: ips[(random() * ips.length) | 0]!,
          timeMs: Math.round(T0 + c * TICK_MS), source: 'ws',
        });
      }
      const before = performance.now();
      await storage.commit(batch);
      commitMs[c] = performance.now() - before;
      maxWalBytes = Math.max(maxWalBytes, statSync(wal).size);
      await nextTurn(); // a server commits once per tick, between which timers and I/O run
    }
    const wallMs = performance.now() - started;
    const { placements: stored } = await storage.stats();
    await storage.close(); // checkpoints the write-ahead log into the database file
    const bytes = statSync(join(dir, DATABASE_FILE)).size;
    commitMs.sort();
    return [
      String(batchSize).padStart(6),
      String(stored).padStart(10),
      String(Math.round(stored / (wallMs / 1000))).padStart(12),
      percentile(commitMs, 0.5).toFixed(2).padStart(8),
      percentile(commitMs, 0.99).toFixed(2).padStart(8),
      commitMs[commits - 1]!.toFixed(2).padStart(8),
      ((bytes / stored) * 1e6 / 2 ** 20).toFixed(1).padStart(12),
      (maxWalBytes / 2 ** 20).toFixed(1).padStart(8),
    ].join('  ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`SQLite storage, ${placements} placements per row, node ${process.version}`);
console.log(' batch      stored  placements/s   p50 ms   p99 ms   max ms  MiB/million  WAL MiB');
for (const size of batchSizes) console.log(await run(size));
console.log('placements/s: committed, one commit after another (record building included), yielding to the');
console.log('  event loop between commits as a server does between ticks;');
console.log('p50/p99/max: one commit (one transaction), call to resolved: the event loop is held for the');
console.log('  transaction; max includes a wait for the write-ahead log to start over (checkpointer.ts);');
console.log('MiB/million: database file after a clean close (log checkpointed), per million placements;');
console.log('WAL MiB: the largest the write-ahead log got (checkpoints run in their own thread).');
