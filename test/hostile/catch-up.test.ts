// Issue 9 F4: a client owed many whole chunks (it fell behind, or it
// subscribes to a whole busy area at once, as a reconnecting client does) gets
// them paced, a window at a time as its socket drains, and recovers at its own
// reading speed. Sent all at once, 256 dense chunks (16 MiB) are four times
// the 4 MiB hard limit, and the next tick closed the client with 1013.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'node:net';
import { parseAppConfig } from '../../src/config/load.js';
import type { Board } from '../../src/canvas/board.js';
import type { BroadcastSink } from '../../src/broadcast/sink.js';
import { decodeServerMessage, encodePlace, encodeSubscribe } from '../../src/protocol/messages.js';
import { clientFrame, rawWebSocket, type RawWebSocket } from '../support/raw-websocket.js';
import { TestCanvasClient } from '../support/canvas-client.js';
import { startApp, type RunningServer } from '../support/server.js';
import { assertServed } from './support.js';

const SIDE = 4096;
const CHUNK = 256;
const CHUNKS_PER_ROW = SIDE / CHUNK;
const CHUNK_COUNT = CHUNKS_PER_ROW ** 2; // 256 chunks, 64 KiB each when dense: 16 MiB
// The shipped defaults: a window of 256 KiB, closed past 4 MiB.
const HIGH_WATER = 262_144;
const HARD_LIMIT = 4_194_304;
// What a reader reads before it rests 5 ms: ~50 MB/s, far slower than loopback.
const READ_PER_REST = 256 * 1024;

function wideConfig() {
  const palette = Array.from({ length: 32 }, (_, i) => '#' + (i * 0x070503).toString(16).padStart(6, '0').toUpperCase());
  return parseAppConfig({
    server: { tickRateHz: 50, slowClientHighWaterBytes: HIGH_WATER, slowClientHardLimitBytes: HARD_LIMIT, slowClientDeadlineMs: 60_000 },
    boards: [{
      id: 'wide', title: 'Wide', width: SIDE, height: SIDE, chunkSize: CHUNK, palette, background: 0,
      policy: { strokes: true, maxBatch: 1000, tileWrites: false, buckets: [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }] },
    }],
  });
}

const ALL_CHUNKS = Array.from({ length: CHUNK_COUNT }, (_, i) => [i % CHUNKS_PER_ROW, Math.floor(i / CHUNKS_PER_ROW)]).flat();

let state = 7;
/** Random colours everywhere (xorshift32): enough rounds make every chunk dense. */
function scribble(board: Board, pixels: number): void {
  for (let i = 0; i < pixels; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const r = state >>> 0;
    board.setPixel(r & (SIDE - 1), (r >>> 12) & (SIDE - 1), ((r >>> 24) % 31) + 1);
  }
}

/** Reads `socket` at a bounded speed: READ_PER_REST bytes, then 5 ms without reading. */
function readAtOwnPace(socket: Socket): void {
  let taken = 0;
  socket.on('data', (chunk: Buffer) => {
    taken += chunk.length;
    if (taken < READ_PER_REST) return;
    taken = 0;
    socket.pause();
    setTimeout(() => socket.resume(), 5);
  });
  socket.resume();
}

function messagesOf(raw: RawWebSocket, from: number): ReturnType<typeof decodeServerMessage>[] {
  return raw.frames.slice(from).filter((f) => f.opcode === 0x2).map((f) => decodeServerMessage(new Uint8Array(f.payload)));
}

interface Scene {
  app: RunningServer;
  board: Board;
  painter: TestCanvasClient;
  watcher: TestCanvasClient;
}

async function scene(): Promise<Scene> {
  const app = await startApp({}, wideConfig());
  const painter = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  const watcher = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  watcher.send(encodeSubscribe(0, [0, 0]));
  await watcher.next('chunk');
  return { app, board: app.canvas!.boards[0]!, painter, watcher };
}

/**
 * Paints a marker at (1, 1) and waits until the normal watcher sees it: paces
 * the test by broadcaster ticks, not by the clock.
 */
async function marker({ painter, watcher }: Scene, n: number): Promise<void> {
  const color = (n % 31) + 1;
  painter.send(encodePlace(n, 0, 1, 1, color));
  await Promise.race([
    watcher.next('diff', (m) => m.sections.some((s) => s.cx === 0 && s.cy === 0 && s.colors[s.offsets.indexOf(CHUNK + 1)] === color)),
    watcher.next('chunk', (m) => m.cx === 0 && m.cy === 0),
  ]);
}

function connectionWatching(app: RunningServer, chunks: number): BroadcastSink | undefined {
  return [...app.canvas!.broadcaster.allClients].find((c) => c.subscriptionCount === chunks)?.connection;
}

/**
 * Places markers tick after tick until `raw` has had its catch-up (it is no
 * longer behind) and then gets a later change in a DIFF, like any client that
 * keeps up; fails if it is closed. Returns the most bytes its socket held from
 * the first window on.
 */
async function recovers(s: Scene, raw: RawWebSocket, connection: BroadcastSink): Promise<number> {
  const broadcaster = s.app.canvas!.broadcaster;
  let closed = false;
  void raw.closed.then(() => (closed = true));
  let maxBuffered = 0;
  let windowing = false;
  let caughtUp: { frames: number; version: number } | null = null;
  for (let n = 1; n <= 5_000 && !closed; n++) {
    await marker(s, n);
    const buffered = connection.bufferedAmount;
    if (buffered <= HIGH_WATER / 4) windowing = true; // what was queued before has drained
    if (windowing) maxBuffered = Math.max(maxBuffered, buffered);
    if (caughtUp === null && broadcaster.behindCount === 0) caughtUp = { frames: raw.frames.length, version: s.board.chunkVersion(0) };
    const later = (m: ReturnType<typeof decodeServerMessage>) =>
      m.type === 'diff' && m.sections.some((section) => section.cx === 0 && section.cy === 0 && section.toVersion > caughtUp!.version);
    if (caughtUp !== null && messagesOf(raw, caughtUp.frames).some(later)) return maxBuffered;
  }
  const closeFrame = raw.frames.find((f) => f.opcode === 0x8);
  assert.unreachable(closed ? `closed (${closeFrame ? closeFrame.payload.readUInt16BE(0) : 'no close frame'}) instead of catching up` : 'never caught up');
  return maxBuffered;
}

test('a reader that fell behind 16 MiB of chunks catches up at its own speed, holding at most a window', async () => {
  const s = await scene();
  const { app, board } = s;
  const broadcaster = app.canvas!.broadcaster;
  try {
    const raw = await rawWebSocket(app.port, '/ws');
    raw.socket.write(clientFrame(0x82, Buffer.from(encodeSubscribe(0, ALL_CHUNKS))));
    for (let i = 0; i < 2 + CHUNK_COUNT; i++) await raw.nextFrame(); // HELLO, ONLINE, 256 empty CHUNKs
    raw.socket.pause();
    const connection = connectionWatching(app, CHUNK_COUNT)!;
    for (let n = 1; broadcaster.behindCount === 0 && n <= 400; n++) {
      scribble(board, 1 << 20);
      await marker(s, n);
    }
    assert.is(broadcaster.behindCount, 1, 'the stalled reader fell behind');
    // Every chunk dense: the catch-up is ~16 MiB of whole chunks.
    for (let n = 0; n < 24; n++) scribble(board, 1 << 20);
    const from = raw.frames.length;
    readAtOwnPace(raw.socket);
    const maxBuffered = await recovers(s, raw, connection);
    const chunks = new Set(messagesOf(raw, from).filter((m) => m.type === 'chunk').map((m) => m.type === 'chunk' && m.cy * CHUNKS_PER_ROW + m.cx));
    assert.is(chunks.size, CHUNK_COUNT, 'the catch-up sent every chunk that changed');
    // A window is filled up to the high-water mark; a tick's marker DIFF may come on top.
    assert.ok(maxBuffered <= HIGH_WATER + 64 * 1024, `held at most ${maxBuffered} bytes while catching up`);
    await assertServed(app.port);
    raw.socket.destroy();
  } finally {
    await s.painter.close();
    await s.watcher.close();
    await app.stop();
  }
});

test('a client subscribing to 256 dense chunks of a busy board at once gets them all, paced, and stays', async () => {
  const s = await scene();
  const { app, board } = s;
  try {
    for (let n = 0; n < 24; n++) scribble(board, 1 << 20);
    const raw = await rawWebSocket(app.port, '/ws');
    readAtOwnPace(raw.socket);
    const from = raw.frames.length;
    raw.socket.write(clientFrame(0x82, Buffer.from(encodeSubscribe(0, ALL_CHUNKS))));
    let n = 0;
    while (!connectionWatching(app, CHUNK_COUNT) && n < 100) await marker(s, ++n); // until its SUBSCRIBE is read
    const connection = connectionWatching(app, CHUNK_COUNT)!;
    const maxBuffered = await recovers(s, raw, connection);
    const chunks = new Set(messagesOf(raw, from).filter((m) => m.type === 'chunk').map((m) => m.type === 'chunk' && m.cy * CHUNKS_PER_ROW + m.cx));
    assert.is(chunks.size, CHUNK_COUNT, 'every subscribed chunk came');
    assert.ok(maxBuffered <= HIGH_WATER + 64 * 1024, `held at most ${maxBuffered} bytes while catching up`);
    await assertServed(app.port);
    raw.socket.destroy();
  } finally {
    await s.painter.close();
    await s.watcher.close();
    await app.stop();
  }
});

test.run();
