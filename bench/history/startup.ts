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
//
// The same in steps on a kept directory, so that no single run holds the machine for long
// (10 M placements take several minutes to generate):
//   startup.js --dir DIR --generate N          append N placements (DIR is created if missing)
//   startup.js --dir DIR --start [--stop kill]  start the server on it and stop it: gracefully
//                                               (saves a snapshot) or with SIGKILL (saves none,
//                                               so the next start replays the same again)
//   startup.js --dir DIR --size                 the database's size per million placements
//   startup.js --dir DIR --drop-snapshots       deletes every snapshot (so that a start replays all)
// DIR holds data/ (the data directory), config.json and board.bin (the generator's state).
// Add --cpu-prof to write the server's CPU profile (node --cpu-prof) into DIR.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../src/storage/sqlite/layout.js';
import { onLines } from '../echo/lines.js';
import { openSqliteStorage } from '../../src/storage/sqlite/open.js';
import type { PixelRecord } from '../../src/storage/storage.js';
import { mulberry32 } from '../../test/support/random.js';

const { values } = parseArgs({
  options: {
    placements: { type: 'string', default: '10000000' },
    after: { type: 'string', default: '300000' },
    dir: { type: 'string' },
    generate: { type: 'string' },
    start: { type: 'boolean', default: false },
    stop: { type: 'string', default: 'graceful' },
    size: { type: 'boolean', default: false },
    'drop-snapshots': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const BATCH = 5000;
const T0 = 1_700_000_000_000;
const PALETTE = ['#FFFFFF', '#E4E4E4', '#888888', '#222222', '#FFA7D1', '#E50000', '#E59500', '#A06A42', '#E5D900', '#94E044', '#02BE01', '#00D3DD', '#0083C7', '#0000EA', '#CF6EE4', '#820080'];
const FREE = [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }];
const CONFIG = { server: {}, boards: [{ id: 'place', title: 'place', width: 1000, height: 1000, chunkSize: 100, palette: PALETTE, background: 0, policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: FREE } }] };
const WIDTH = 1000;
const PIXELS = WIDTH * WIDTH;

const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'tessera-bench-startup-'));
const dataDir = join(dir, 'data');
const configPath = join(dir, 'config.json');
const statePath = join(dir, 'board.bin');
mkdirSync(dir, { recursive: true });
writeFileSync(configPath, JSON.stringify(CONFIG));
const actors = Array.from({ length: 10_000 }, (_, i) => `session-${String(i).padStart(14, '0')}`);

/**
 * The generator's state, kept in board.bin between steps: the colours as the records leave them
 * (for previousColor), then the count written so far (u64 LE), which also seeds the random walk
 * and gives the next time (one placement a millisecond of simulated time).
 */
function loadState(): { board: Uint8Array; written: number } {
  if (!existsSync(statePath)) return { board: new Uint8Array(PIXELS), written: 0 };
  const bytes = readFileSync(statePath);
  return { board: new Uint8Array(bytes.subarray(0, PIXELS)), written: Number(bytes.readBigUInt64LE(PIXELS)) };
}

function saveState(board: Uint8Array, written: number): void {
  const bytes = Buffer.alloc(PIXELS + 8);
  bytes.set(board);
  bytes.writeBigUInt64LE(BigInt(written), PIXELS);
  writeFileSync(statePath, bytes);
}

/** Appends `count` placements through the Storage interface; returns the seconds it took. */
async function generate(count: number): Promise<number> {
  const { board, written: before } = loadState();
  let written = before;
  const random = mulberry32(42 + before);
  const storage = await openSqliteStorage(dataDir);
  const ips = Array.from({ length: 5_000 }, (_, i) => storage.hashIp(`10.${i >> 8}.${i & 255}.1`));
  const started = performance.now();
  for (let done = 0; done < count; ) {
    const batch: PixelRecord[] = [];
    for (let i = 0; i < BATCH && done < count; i++, done++) {
      const p = (random() * PIXELS) | 0;
      const color = (random() * 16) | 0;
      batch.push({
        kind: 'pixel', boardId: 'place', x: p % WIDTH, y: Math.floor(p / WIDTH), color, previousColor: board[p]!,
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
  saveState(board, written);
  const seconds = (performance.now() - started) / 1000;
  console.log(`generated: ${count.toLocaleString('en')} placements (${before.toLocaleString('en')} → ${written.toLocaleString('en')}) in ${seconds.toFixed(1)} s through Storage.commit (${Math.round(count / seconds).toLocaleString('en')}/s, ${BATCH} a transaction)`);
  return seconds;
}

interface Start {
  listeningMs: number;
  restored: { snapshotChunks: number; replayed: number; ms: number };
}

/** Starts the server on the data directory; resolves at "listening", with the "boards restored" log. */
function startServer(): Promise<Start & { stop: (how: 'graceful' | 'kill') => Promise<void> }> {
  const started = performance.now();
  const profile = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', dir] : [];
  const child = spawn(process.execPath, [...profile, '--max-semi-space-size=2', 'build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--config', configPath, '--data-dir', dataDir, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let restored: Start['restored'] | null = null;
  let output = '';
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => (output += d));
    onLines(child.stdout, (line) => {
      output += line + '\n';
      if (line.includes('"boards restored"')) restored = JSON.parse(line);
      if (line.startsWith('listening on ')) {
        const listeningMs = performance.now() - started;
        resolve({
          listeningMs,
          restored: restored!,
          stop: (how) => new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill(how === 'kill' ? 'SIGKILL' : 'SIGTERM');
          }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
  });
}

/** Starts the server, reports its start-up, stops it. */
async function measureStart(how: 'graceful' | 'kill'): Promise<void> {
  const start = await startServer();
  const { ms, snapshotChunks, replayed } = start.restored;
  console.log(`start: listening after ${(start.listeningMs / 1000).toFixed(2)} s; restore ${ms} ms: ${snapshotChunks} snapshot chunks, ` +
    `${replayed.toLocaleString('en')} pixels replayed${replayed > 0 ? ` (${((ms * 1000) / replayed).toFixed(2)} µs a pixel)` : ''}`);
  const stopping = performance.now();
  await start.stop(how);
  console.log(how === 'kill' ? 'stopped with SIGKILL: no snapshot saved' : `stopped gracefully (a snapshot saved) in ${((performance.now() - stopping) / 1000).toFixed(2)} s`);
}

function reportSize(): void {
  const { written } = loadState();
  const bytes = statSync(join(dataDir, DATABASE_FILE)).size;
  console.log(`database: ${(bytes / 2 ** 20).toFixed(1)} MiB for ${written.toLocaleString('en')} placements = ` +
    `${((bytes / written) * 1e6 / 2 ** 20).toFixed(1)} MiB per million (tessera.db after a clean close); data directory ${(dataBytes() / 2 ** 20).toFixed(1)} MiB`);
}

/** Outside the Storage interface, which never deletes a snapshot: for a start that replays everything. */
function dropSnapshots(): void {
  const db = new Database(join(dataDir, DATABASE_FILE));
  const { changes } = db.prepare('DELETE FROM snapshots').run();
  db.close();
  console.log(`deleted ${changes} snapshots`);
}

function dataBytes(): number {
  return readdirSync(dataDir).reduce((sum, file) => sum + statSync(join(dataDir, file)).size, 0);
}

const how = values.stop === 'kill' ? 'kill' : 'graceful';
if (values.dir !== undefined) {
  if (values['drop-snapshots']) dropSnapshots();
  if (values.generate !== undefined) await generate(Number(values.generate));
  if (values.start) await measureStart(how);
  if (values.size) reportSize();
} else {
  try {
    const placements = Number(values.placements);
    const after = Number(values.after);
    console.log(`Start-up with ${placements.toLocaleString('en')} placements in history, node ${process.version}`);
    await generate(placements);
    reportSize();
    console.log('no snapshot:');
    await measureStart('graceful'); // saves a snapshot
    await generate(after);
    console.log(`the shutdown snapshot + ${after.toLocaleString('en')} placements after it:`);
    await measureStart('graceful');
    reportSize();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
