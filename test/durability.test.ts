// Nothing acknowledged is lost: the real server as a child process, writes from several
// WebSocket connections and an HTTP client, kill -9 in mid-stream, a restart on the same data
// directory. Then: every acknowledged pixel is on the board, and the board equals a replay of
// the stored history from an empty board. Also: a graceful restart keeps boards and versions,
// a full database refuses writes as UNAVAILABLE without changing the board, and an online
// backup serves the same boards.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { Board } from '../src/canvas/board.js';
import { parseAppConfig } from '../src/config/load.js';
import { decodeServerMessage, encodePlace, encodePlaceBatch, RejectReason } from '../src/protocol/messages.js';
import { openSqliteStorage } from '../src/storage/sqlite/open.js';
import { TestCanvasClient } from './support/canvas-client.js';
import { startApp } from './support/server.js';

const NODE_FLAGS: string[] = (JSON.parse(readFileSync('package.json', 'utf8')).config?.nodeFlags ?? '').split(' ').filter(Boolean);
const SIZE = 256;
const CHUNK = 64;
const PALETTE = ['#FFFFFF', '#E4E4E4', '#888888', '#222222', '#FFA7D1', '#E50000', '#E59500', '#A06A42'];
const CONFIG = {
  server: {},
  boards: [{
    id: 'free', title: 'Free', width: SIZE, height: SIZE, chunkSize: CHUNK, palette: PALETTE, background: 0,
    policy: { strokes: true, maxBatch: 1000, tileWrites: false, buckets: [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }] },
  }],
};
/** The colour pixel `i` is given: never the background, so a placed pixel is visible. */
const colorOf = (i: number) => 1 + (i % (PALETTE.length - 1));
const xy = (i: number) => [i % SIZE, Math.floor(i / SIZE)] as const;

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-durability-'));
  dirs.push(dir);
  return dir;
}
test.after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function configFile(dir: string): string {
  const file = join(dir, 'boards.json');
  writeFileSync(file, JSON.stringify(CONFIG));
  return file;
}

interface Child {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

function startServer(dataDir: string, config: string, extra: string[] = []): Promise<Child> {
  const args = [...NODE_FLAGS, 'build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--config', config, '--data-dir', dataDir, '--log-level', 'warn', ...extra];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]), exited });
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening: ${output}`)));
  });
}

async function boardBytes(port: number): Promise<Uint8Array> {
  const board = new Uint8Array(SIZE * SIZE);
  for (let cy = 0; cy < SIZE / CHUNK; cy++) {
    for (let cx = 0; cx < SIZE / CHUNK; cx++) {
      const response = await fetch(`http://127.0.0.1:${port}/api/boards/free/chunks/${cx}/${cy}`);
      assert.is(response.status, 200);
      const chunk = new Uint8Array(await response.arrayBuffer());
      for (let row = 0; row < CHUNK; row++) board.set(chunk.subarray(row * CHUNK, row * CHUNK + CHUNK), (cy * CHUNK + row) * SIZE + cx * CHUNK);
    }
  }
  return board;
}

/** What a board looks like after every stored record, replayed in order onto an empty board. */
async function replayedFromEmpty(dataDir: string): Promise<Uint8Array> {
  const { boards } = parseAppConfig(CONFIG);
  const board = new Board(boards[0]!, 0);
  const storage = await openSqliteStorage(dataDir);
  try {
    for await (const page of storage.placementsAfter('free', 0)) {
      for (const record of page) if (record.kind === 'pixel') board.setPixel(record.x, record.y, record.color);
    }
  } finally {
    await storage.close();
  }
  const bytes = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) bytes[y * SIZE + x] = board.getPixel(x, y);
  return bytes;
}

/**
 * One WebSocket writer: strokes of `batch` unique pixels, one in flight, at most 80 messages a
 * second (the endpoint allows 100). Records every pixel whose ACK arrived.
 */
function wsWriter(port: number, pixels: number[], batch: number, acked: number[], stopped: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'tessera.v1');
    let next = 0;
    let inFlight: number[] = [];
    let requestId = 0;
    let lastSent = 0;
    const send = () => {
      if (stopped() || next >= pixels.length || ws.readyState !== WebSocket.OPEN) return;
      const wait = lastSent + 12.5 - performance.now();
      if (wait > 0) return void setTimeout(send, wait);
      inFlight = pixels.slice(next, next + batch);
      next += inFlight.length;
      const triples = inFlight.flatMap((i) => [...xy(i), colorOf(i)]);
      lastSent = performance.now();
      ws.send(encodePlaceBatch(++requestId, 0, triples));
    };
    ws.on('open', send);
    ws.on('message', (data: Buffer) => {
      const message = decodeServerMessage(new Uint8Array(data));
      if (message.type === 'ack' && message.requestId === requestId) {
        acked.push(...inFlight);
        inFlight = [];
        send();
      } else if (message.type === 'reject') {
        throw new Error(`unexpected reject ${message.reason}`);
      }
    });
    ws.on('error', () => {}); // the server is killed under it
    ws.on('close', () => resolve());
  });
}

async function httpWriter(port: number, pixels: number[], acked: number[], stopped: () => boolean): Promise<void> {
  for (const i of pixels) {
    if (stopped()) return;
    const [x, y] = xy(i);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/boards/free/pixels`, { method: 'POST', body: JSON.stringify({ x, y, color: colorOf(i) }) });
      if (response.status === 200) acked.push(i);
      else throw new Error(`POST answered ${response.status}`);
    } catch (error) {
      if (stopped()) return; // killed mid-request
      throw error;
    }
  }
}

test('kill -9 mid-stream: every acknowledged placement survives, and the board is its history replayed', async () => {
  const dir = tempDir();
  const dataDir = join(dir, 'data');
  const config = configFile(dir);
  // Snapshots every 100 ms, so the restart goes through a snapshot plus the records after it.
  const first = await startServer(dataDir, config, ['--snapshot-interval-ms', '100']);
  const acked: number[] = [];
  let killed = false;
  const stopped = () => killed;
  // Pixel i goes to writer i % 5 (four WebSockets, one HTTP client): every pixel is placed once.
  const share = (k: number) => Array.from({ length: SIZE * SIZE }, (_, i) => i).filter((i) => i % 5 === k);
  const writers = [0, 1, 2, 3].map((k) => wsWriter(first.port, share(k), 40, acked, stopped));
  const http = httpWriter(first.port, share(4), acked, stopped);
  // Kill once enough is acknowledged, with writes in flight on every connection.
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (acked.length < 6000) return;
      clearInterval(check);
      resolve();
    }, 5);
  });
  killed = true;
  first.child.kill('SIGKILL');
  await first.exited;
  await Promise.all([...writers, http]);
  const ackedNow = [...acked];
  assert.ok(ackedNow.length >= 6000, `acknowledged ${ackedNow.length}`);
  assert.ok(ackedNow.some((i) => i % 5 === 4), 'the HTTP writer was acknowledged too');

  const second = await startServer(dataDir, config);
  const board = await boardBytes(second.port);
  const lost = ackedNow.filter((i) => board[i] !== colorOf(i));
  assert.is(lost.length, 0, `lost ${lost.length} of ${ackedNow.length} acknowledged pixels, e.g. ${lost.slice(0, 5)}`);
  second.child.kill('SIGTERM');
  assert.is(await second.exited, 0);
  const replayed = await replayedFromEmpty(dataDir);
  assert.ok(Buffer.from(board).equals(Buffer.from(replayed)), 'the restored board equals its history replayed from empty');
});

test('a second server on the same data directory is refused with a clear message', async () => {
  const dir = tempDir();
  const dataDir = join(dir, 'data');
  const config = configFile(dir);
  const first = await startServer(dataDir, config);
  const second = spawn(process.execPath, [...NODE_FLAGS, 'build/src/main.js', '--port', '0', '--config', config, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  second.stderr!.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
  assert.is(code, 2);
  assert.match(stderr, /is in use by another Tessera server/);
  first.child.kill('SIGTERM');
  assert.is(await first.exited, 0);
});

test('graceful restart: boards, chunk versions and history come back', async () => {
  const dataDir = join(tempDir(), 'data');
  const appConfig = parseAppConfig(CONFIG);
  const app = await startApp({ dataDir }, appConfig);
  const client = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  client.send(encodePlace(1, 0, 10, 20, 3));
  assert.is((await client.next('ack', (m) => m.requestId === 1)).count, 1);
  client.send(encodePlaceBatch(2, 0, [11, 20, 4, 12, 20, 5]));
  assert.is((await client.next('ack', (m) => m.requestId === 2)).count, 2);
  const posted = await fetch(`${app.httpUrl}/api/boards/free/pixels`, { method: 'POST', body: JSON.stringify({ x: 13, y: 20, color: 6 }) });
  assert.is(posted.status, 200);
  const board = app.canvas!.boards[0]!;
  const version = board.chunkVersion(board.chunkOf(10, 20));
  assert.is(version, 4);
  await client.close();
  await app.stop();

  const again = await startApp({ dataDir }, appConfig);
  const restored = again.canvas!.boards[0]!;
  assert.equal([10, 11, 12, 13].map((x) => restored.getPixel(x, 20)), [3, 4, 5, 6]);
  assert.is(restored.chunkVersion(restored.chunkOf(10, 20)), version, 'versions go on from where they were');
  await again.stop();
});

test('a full database refuses writes as UNAVAILABLE, changes nothing, and the server goes on', async () => {
  const dataDir = join(tempDir(), 'data');
  // A 1 MiB cap on a database that already holds its schema: it fills after some thousands of records.
  const app = await startApp({ dataDir, maxDatabaseMb: 1 }, parseAppConfig(CONFIG));
  const client = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  try {
    const board = app.canvas!.boards[0]!;
    let refused: number[] | null = null;
    const written: number[] = [];
    // Strokes of 500: the cap is reached within the connection's burst of 200 messages.
    for (let request = 1; request <= 190 && refused === null; request++) {
      const pixels = Array.from({ length: 500 }, (_, k) => (request * 500 + k) % (SIZE * SIZE));
      client.send(encodePlaceBatch(request, 0, pixels.flatMap((i) => [...xy(i), colorOf(i)])));
      const answer = await Promise.race([client.next('ack', (m) => m.requestId === request), client.next('reject', (m) => m.requestId === request)]);
      if (answer.type === 'reject') {
        assert.is(answer.reason, RejectReason.UNAVAILABLE);
        refused = pixels;
      } else {
        written.push(...pixels);
      }
    }
    assert.ok(refused !== null, 'the cap was reached');
    assert.ok(written.length > 0, 'writes were taken before it');
    for (const i of refused) assert.is(board.getPixel(...xy(i)), 0, 'a refused write leaves the board as it was');
    for (const i of written.slice(-500)) assert.is(board.getPixel(...xy(i)), colorOf(i));
    // HTTP says the same, with 503 and Retry-After, once a write needs a page the cap denies.
    let posted: Response | null = null;
    for (let i = 0; i < 2000; i++) {
      const [x, y] = xy(refused[i % refused.length]!);
      posted = await fetch(`${app.httpUrl}/api/boards/free/pixels`, { method: 'POST', body: JSON.stringify({ x, y, color: 7 }) });
      if (posted.status !== 200) break;
    }
    assert.is(posted!.status, 503);
    assert.is((await posted!.json() as { error: string }).error, 'UNAVAILABLE');
    assert.ok(posted!.headers.get('retry-after'));
    assert.is((await fetch(`${app.httpUrl}/health`)).status, 200);
  } finally {
    await client.close();
    await app.stop();
  }
});

test('online backup while the server writes: a server started on the copy shows the same board', async () => {
  const dir = tempDir();
  const dataDir = join(dir, 'data');
  const config = configFile(dir);
  const live = await startServer(dataDir, config);
  for (let i = 0; i < 50; i++) {
    const [x, y] = xy(i * 97);
    const response = await fetch(`http://127.0.0.1:${live.port}/api/boards/free/pixels`, { method: 'POST', body: JSON.stringify({ x, y, color: colorOf(i) }) });
    assert.is(response.status, 200);
  }
  const backupFile = join(dir, 'backup.db');
  const backup = spawn(process.execPath, ['build/src/main.js', 'backup', '--data-dir', dataDir, '--to', backupFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  assert.is(await new Promise((resolve) => backup.once('exit', resolve)), 0);
  const before = await boardBytes(live.port);
  live.child.kill('SIGTERM');
  assert.is(await live.exited, 0);

  const restoredDir = join(dir, 'restored');
  mkdirSync(restoredDir);
  copyFileSync(backupFile, join(restoredDir, 'tessera.db'));
  const restored = await startServer(restoredDir, config);
  assert.ok(Buffer.from(await boardBytes(restored.port)).equals(Buffer.from(before)));
  restored.child.kill('SIGTERM');
  assert.is(await restored.exited, 0);
});

test.run();
