// Start-up time with a long history, and the database's size per million placements.
//
//   node scripts/build.mjs && node build/bench/history/startup.js [--placements 10000000] [--after 300000]
//
// 1. Writes --placements pixel placements on a 1000 × 1000 board straight through the Storage
//    interface (openSqliteStorage + commit, 5,000 a transaction: the server's own records, made
//    faster than a server would take them) into a fresh data directory; no snapshot.
// 2. Starts the real server (build/src/main.js) on it: it replays every placement. Reports the
//    time from spawn to "listening" and the server's own "boards restored" figures; then stops
//    it gracefully, which saves a snapshot.
// 3. Appends --after more placements (300,000: five minutes at 1,000 a second, the default
//    snapshot interval) and starts it again: the snapshot + the placements after it.
// The data directory is under the OS temp directory and removed at the end.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { openSqliteStorage } from '../../src/storage/sqlite/open.js';
import type { PixelRecord } from '../../src/storage/storage.js';
import { mulberry32 } from '../../test/support/random.js';

const { values } = parseArgs({
  options: {
    placements: { type: 'string', default: '10000000' },
    after: { type: 'string', default: '300000' },
  },
});
const PLACEMENTS = Number(values.placements);
const AFTER = Number(values.after);
const BATCH = 5000;
const T0 = 1_700_000_000_000;
const PALETTE = ['#FFFFFF', '#E4E4E4', '#888888', '#222222', '#FFA7D1', '#E50000', '#E59500', '#A06A42', '#E5D900', '#94E044', '#02BE01', '#00D3DD', '#0083C7', '#0000EA', '#CF6EE4', '#820080'];
const FREE = [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }];
const CONFIG = { server: {}, boards: [{ id: 'place', title: 'place', width: 1000, height: 1000, chunkSize: 100, palette: PALETTE, background: 0, policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: FREE } }] };

const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-startup-'));
const dataDir = join(dir, 'data');
const configPath = join(dir, 'config.json');
writeFileSync(configPath, JSON.stringify(CONFIG));
const random = mulberry32(42);
const actors = Array.from({ length: 10_000 }, (_, i) => `session-${String(i).padStart(14, '0')}`);
const board = new Uint8Array(1_000_000); // the colours as the records leave them, for previousColor
let written = 0;

/** Appends `count` placements (one a millisecond of simulated time) through the Storage interface. */
async function generate(count: number): Promise<number> {
  const storage = await openSqliteStorage(dataDir);
  const ips = Array.from({ length: 5_000 }, (_, i) => storage.hashIp(`10.${i >> 8}.${i & 255}.1`));
  const started = performance.now();
  for (let done = 0; done < count; ) {
    const batch: PixelRecord[] = [];
    for (let i = 0; i < BATCH && done < count; i++, done++) {
      const p = (random() * 1_000_000) | 0;
      const color = (random() * 16) | 0;
      batch.push({
        kind: 'pixel', boardId: 'place', x: p % 1000, y: Math.floor(p / 1000), color, previousColor: board[p]!,
        actor: actors[(random() * actors.length) | 0]!, ipHash: ips[(random() * ips.length) | 0]!, timeMs: T0 + written++, source: 'ws',
      });
      board[p] = color;
    }
    await storage.commit(batch);
    // Yield as a server does between ticks: the checkpointer (a worker thread) restarts the
    // write-ahead log only then. Without it the log grows without bound (15 GB seen).
    await nextTurn();
  }
  await storage.close();
  return (performance.now() - started) / 1000;
}

interface Start {
  listeningMs: number;
  restored: { snapshotChunks: number; replayed: number; ms: number };
}

/** Starts the server on the data directory; resolves at "listening", with the "boards restored" log. */
function startServer(): Promise<Start & { stop: () => Promise<void> }> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--max-semi-space-size=2', 'build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--config', configPath, '--data-dir', dataDir, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let restored: Start['restored'] | null = null;
  let output = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => (output += d));
    child.stdout.setEncoding('utf8');
    let pending = '';
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        output += line + '\n';
        if (line.includes('"boards restored"')) restored = JSON.parse(line);
        if (line.startsWith('listening on ')) {
          const listeningMs = performance.now() - started;
          resolve({
            listeningMs,
            restored: restored!,
            stop: () => new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
          });
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
  });
}

function dataBytes(): number {
  return readdirSync(dataDir).reduce((sum, file) => sum + statSync(join(dataDir, file)).size, 0);
}

try {
  console.log(`Start-up with ${PLACEMENTS.toLocaleString('en')} placements in history, node ${process.version}`);
  const genSeconds = await generate(PLACEMENTS);
  const bytes = statSync(join(dataDir, 'tessera.db')).size;
  console.log(`generated: ${PLACEMENTS.toLocaleString('en')} placements in ${genSeconds.toFixed(1)} s through Storage.commit (${Math.round(PLACEMENTS / genSeconds).toLocaleString('en')}/s, ${BATCH} a transaction)`);
  console.log(`database: ${(bytes / 2 ** 20).toFixed(1)} MiB = ${((bytes / PLACEMENTS) * 1e6 / 2 ** 20).toFixed(1)} MiB per million placements (tessera.db after a clean close)`);

  const cold = await startServer();
  console.log(`start, no snapshot: listening after ${(cold.listeningMs / 1000).toFixed(2)} s; restore ${cold.restored.ms} ms, ${cold.restored.replayed.toLocaleString('en')} pixels replayed`);
  await cold.stop(); // graceful: saves a snapshot

  const afterSeconds = await generate(AFTER);
  console.log(`appended ${AFTER.toLocaleString('en')} placements after the shutdown snapshot (${afterSeconds.toFixed(1)} s)`);
  const warm = await startServer();
  console.log(`start, snapshot + ${AFTER.toLocaleString('en')}: listening after ${(warm.listeningMs / 1000).toFixed(2)} s; restore ${warm.restored.ms} ms, ${warm.restored.snapshotChunks} snapshot chunks, ${warm.restored.replayed.toLocaleString('en')} pixels replayed`);
  await warm.stop();
  console.log(`data directory at the end: ${(dataBytes() / 2 ** 20).toFixed(1)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
