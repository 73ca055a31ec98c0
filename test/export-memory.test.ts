// An export of 200,000 placements, read slowly: the server's memory stays flat (it is pulled
// by the socket, a page of records and a piece of bytes at a time), and every record arrives.
// The history is written straight through the storage into a data directory, then served by
// the real server in a child process, whose RSS (/proc/PID/status) is sampled while it sends.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTimelapse } from '../src/app/api/timelapse-format.js';
import type { PlacementRecord } from '../src/storage/storage.js';
import { openSqliteStorage } from '../src/storage/sqlite/open.js';
import { openSocket } from './support/raw.js';

const RECORDS = 200_000;
const BATCH = 10_000;
const START_MS = 1_700_000_000_000;
const CONFIG = {
  server: {},
  boards: [{ id: 'big', title: 'Big', width: 1024, height: 1024, chunkSize: 64, palette: ['#FFFFFF', '#000000', '#E50000', '#0000EA'], background: 0, policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: [] } }],
};
const NODE_FLAGS: string[] = (JSON.parse(readFileSync('package.json', 'utf8')).config?.nodeFlags ?? '').split(' ').filter(Boolean);
const MB = 1024 * 1024;
// What the export may add to the server: pages, pieces, socket buffers, SQLite's page cache and
// garbage not yet collected. The NDJSON of this history is ~25 MB; held whole it grows the server
// by over 100 MB (165 MB measured). Streamed it grew by 10–25 MB while start-up's replay still
// built a record object per placement and left the heap grown; since start-up replays lean pages
// (src/storage/replay-page.ts) the server starts ~26 MB smaller (89 against 115 MB) and reaches
// the same peak (142–152 MB), so the same export grows it by 48–63 MB (measured 2026-12-03 on a
// busy machine): the bound sits between that and held-whole, clear of both.
const MAX_GROWTH_BYTES = 80 * MB;

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

/** The real server on `dataDir`, in a child process. */
async function startServer(dataDir: string): Promise<{ pid: number; port: number; stop: () => Promise<void> }> {
  const config = join(dataDir, 'boards.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  const args = [...NODE_FLAGS, 'build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--config', config, '--data-dir', dataDir, '--log-level', 'warn'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(() => reject(new Error(`server exited before listening: ${output}`)));
  });
  return { pid: child.pid!, port, stop: () => (child.kill('SIGTERM'), exited) };
}

/**
 * Reads a chunked response a little at a time (one event-loop turn between reads); returns its
 * body (only when `keep`), how many times `}\n` ended a line, and the server's peak RSS meanwhile.
 */
async function readSlowly(port: number, path: string, keep: boolean, serverPid: number): Promise<{ body: Buffer; lines: number; peakRss: number }> {
  const socket = await openSocket(port);
  const parts: Buffer[] = [];
  let lines = 0;
  let last = 0;
  let peakRss = rssOf(serverPid);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  await new Promise<void>((resolve) => {
    socket.on('data', (data: Buffer) => {
      if (keep) parts.push(data);
      for (const byte of data) {
        if (byte === 10 && last === 0x7d) lines++;
        last = byte;
      }
      peakRss = Math.max(peakRss, rssOf(serverPid));
      socket.pause();
      setImmediate(() => socket.resume());
    });
    socket.on('close', () => resolve());
  });
  if (!keep) return { body: Buffer.alloc(0), lines, peakRss };
  const raw = Buffer.concat(parts);
  // De-chunk.
  let offset = raw.indexOf('\r\n\r\n') + 4;
  const body: Buffer[] = [];
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', offset);
    const size = parseInt(raw.toString('latin1', offset, lineEnd), 16);
    if (size === 0) break;
    body.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return { body: Buffer.concat(body), lines, peakRss };
}

test('200,000 placements exported to a slow reader: every one arrives, memory stays flat', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-export-'));
  try {
    const storage = await openSqliteStorage(dataDir);
    const ipHash = storage.hashIp('127.0.0.1');
    for (let first = 0; first < RECORDS; first += BATCH) {
      const batch: PlacementRecord[] = [];
      for (let i = first; i < first + BATCH; i++) {
        batch.push({ kind: 'pixel', boardId: 'big', actor: `guest:writer${i % 97}`, ipHash, timeMs: START_MS + i * 7, source: 'http', x: i % 1024, y: (i * 31) % 1024, color: i % 4, previousColor: 0 });
      }
      await storage.commit(batch);
    }
    await storage.close();

    const app = await startServer(dataDir);
    try {
      assert.is((await fetch(`http://127.0.0.1:${app.port}/api/boards/big`)).status, 200); // warmed up
      const before = rssOf(app.pid);
      const ndjson = await readSlowly(app.port, '/api/boards/big/placements.ndjson', false, app.pid);
      assert.is(ndjson.lines, RECORDS);
      const growth = ndjson.peakRss - before;
      assert.ok(growth < MAX_GROWTH_BYTES, `RSS grew by ${(growth / MB).toFixed(1)} MB`);

      const timelapse = await readSlowly(app.port, '/api/boards/big/timelapse', true, app.pid);
      const { records } = decodeTimelapse(timelapse.body);
      assert.is(records.length, RECORDS);
      assert.equal(records[RECORDS - 1], { kind: 'pixel', timeMs: START_MS + (RECORDS - 1) * 7, x: (RECORDS - 1) % 1024, y: ((RECORDS - 1) * 31) % 1024, color: (RECORDS - 1) % 4 });
    } finally {
      await app.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test.run();
