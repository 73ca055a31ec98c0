// Clients that stop reading: caught up when they drain, closed with 1013 when
// they stay stuck, and never a reason for anyone else to wait.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAppConfig } from '../src/config/load.js';
import type { Board } from '../src/canvas/board.js';
import { decodeChunkPixels } from '../src/protocol/chunk-encoding.js';
import { decodeServerMessage, encodePlace, encodeSubscribe } from '../src/protocol/messages.js';
import { clientFrame, rawWebSocket, type RawWebSocket, type ServerFrame } from './support/raw-websocket.js';
import { TestCanvasClient } from './support/canvas-client.js';
import { startApp, type RunningServer } from './support/server.js';

const TICK_HZ = 50;
const HIGH_WATER = 64 * 1024;
// The shipped default; one tick of this test's flood (16 whole chunks, ~1 MB
// in one writev) must stay under it, or the burst alone would close a client.
const HARD_LIMIT = 4 * 1024 * 1024;

function floodConfig(deadlineMs: number) {
  const palette = Array.from({ length: 32 }, (_, i) => '#' + (i * 0x070503).toString(16).padStart(6, '0').toUpperCase());
  return parseAppConfig({
    server: { tickRateHz: TICK_HZ, slowClientHighWaterBytes: HIGH_WATER, slowClientHardLimitBytes: HARD_LIMIT, slowClientDeadlineMs: deadlineMs },
    boards: [{
      id: 'flood', title: 'Flood', width: 1024, height: 1024, chunkSize: 256, palette, background: 0,
      policy: { strokes: true, maxBatch: 1000, tileWrites: false, buckets: [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }] },
    }],
  });
}

const ALL_CHUNKS = Array.from({ length: 16 }, (_, i) => [i % 4, Math.floor(i / 4)]).flat();

/** What a client knows of chunk (0, 0) of board 0, from the CHUNKs and DIFFs it read, in order. */
class ChunkMirror {
  readonly pixels = new Uint8Array(256 * 256);

  apply(frame: ServerFrame): void {
    if (frame.opcode !== 0x2) return;
    const message = decodeServerMessage(new Uint8Array(frame.payload));
    if (message.type === 'chunk' && message.board === 0 && message.cx === 0 && message.cy === 0) {
      this.pixels.set(decodeChunkPixels(message.encoding, message.pixels, 256, 0));
    } else if (message.type === 'diff') {
      for (const s of message.sections) {
        if (s.board !== 0 || s.cx !== 0 || s.cy !== 0) continue;
        s.offsets.forEach((offset, i) => (this.pixels[offset] = s.colors[i]!));
      }
    }
  }
}

/** A raw client that subscribes to everything, then stops reading its socket. */
async function stalledWatcher(port: number, mirror = new ChunkMirror()): Promise<RawWebSocket> {
  const raw = await rawWebSocket(port, '/ws');
  raw.socket.write(clientFrame(0x82, Buffer.from(encodeSubscribe(0, ALL_CHUNKS))));
  for (let i = 0; i < 17; i++) mirror.apply(await raw.nextFrame()); // HELLO/ONLINE then 16 CHUNKs (order aside)
  raw.socket.pause();
  return raw;
}

/** Pings from the raw client and reads (into `mirror`) everything the server sent before the pong. */
async function readThroughPong(raw: RawWebSocket, mirror: ChunkMirror, label: string): Promise<void> {
  raw.socket.write(clientFrame(0x89, label));
  for (;;) {
    const frame = await raw.nextFrame();
    if (frame.opcode === 0xa && frame.payload.toString() === label) return;
    mirror.apply(frame);
  }
}

// Random colours all over the board: every chunk changes wholesale each round,
// so each tick sends every watcher 16 full chunks (about 1 MB). That is what it
// takes to get past the kernel's socket buffers (here up to 32 MB to receive
// and 4 MB to send) within a few seconds.
let state = 1;
function scribble(board: Board, pixels: number): void {
  for (let i = 0; i < pixels; i++) {
    state ^= state << 13; // xorshift32
    state ^= state >>> 17;
    state ^= state << 5;
    const r = state >>> 0;
    board.setPixel(r & 1023, (r >>> 10) & 1023, ((r >>> 20) % 31) + 1);
  }
}

/**
 * Places a marker pixel and returns how many broadcaster ticks ran before the
 * watcher saw it. Counted in ticks, not milliseconds, so a slow machine makes
 * ticks longer without failing the test. The placement lands in the next
 * tick; one more may run before the client's read is processed, as timers run
 * before I/O in each turn of the event loop.
 */
async function markerTicks(app: RunningServer, painter: TestCanvasClient, watcher: TestCanvasClient, n: number): Promise<number> {
  const color = (n % 31) + 1;
  const broadcaster = app.canvas!.broadcaster;
  const placedAt = broadcaster.tickCount;
  painter.send(encodePlace(n, 0, 0, 0, color));
  // A chunk changed wholesale comes as a CHUNK, otherwise the pixel is in a DIFF.
  await Promise.race([
    watcher.next('diff', (m) => m.sections.some((s) => s.cx === 0 && s.cy === 0 && s.colors[s.offsets.indexOf(0)] === color)),
    watcher.next('chunk', (m) => m.cx === 0 && m.cy === 0 && decodeChunkPixels(m.encoding, m.pixels, 256, 0)[0] === color),
  ]);
  return broadcaster.tickCount - placedAt;
}

async function normalPair(app: RunningServer) {
  const painter = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  // Without permessage-deflate: `ws` inflates on libuv's threadpool, so a
  // compressed CHUNK would reach the test a turn of the event loop later,
  // and a turn here can hold a tick.
  const watcher = await TestCanvasClient.open(`${app.wsUrl}/ws`, {}, { perMessageDeflate: false });
  watcher.send(encodeSubscribe(0, [0, 0]));
  await watcher.next('chunk');
  return { painter, watcher };
}

function metric(app: RunningServer, line: RegExp): number {
  return Number(line.exec(app.server.registry.render())?.[1] ?? 0);
}

// Smoke tests on real sockets: the decisions themselves (when a client falls
// behind, what it misses, when it is caught up or closed) are unit-tested
// with a manual clock in tick-planner.test.ts and broadcaster.test.ts.

test('a client stuck past the deadline is closed with 1013; memory stays bounded; others keep within two ticks', async () => {
  // Once behind, a client is sent nothing more, so its buffer stops growing:
  // the deadline is what ends it (the hard limit catches a single huge burst).
  const app = await startApp({ wsCloseTimeoutMs: 200 }, floodConfig(500));
  const { broadcaster } = app.canvas!;
  const board = app.canvas!.boards[0]!;
  try {
    const stalled = await stalledWatcher(app.port);
    const { painter, watcher } = await normalPair(app);
    const stalledClient = [...broadcaster.allClients].find((c) => c.subscriptionCount === 16)!;
    const delays: number[] = [];
    let maxBuffered = 0;
    // The server drops the client once its socket is gone (after the close timeout).
    for (let round = 1; round <= 400 && broadcaster.allClients.has(stalledClient); round++) {
      scribble(board, 1_000_000);
      delays.push(await markerTicks(app, painter, watcher, round));
      maxBuffered = Math.max(maxBuffered, stalledClient.connection.bufferedAmount);
    }
    assert.not.ok(broadcaster.allClients.has(stalledClient), 'the stalled client was closed');
    assert.is(metric(app, /tessera_slow_clients_closed_total (\d+)/), 1);
    assert.is(metric(app, /tessera_websocket_closes_total\{code="1013"\} (\d+)/), 1, 'closed with 1013');
    // Bounded: the high-water mark stopped the diffs; what is left is at most the
    // last tick's worth on top of the hard limit, plus the close frame.
    assert.ok(maxBuffered <= HARD_LIMIT + 2 * 1024 * 1024, `buffered at most ${maxBuffered} bytes`);
    assert.ok(Math.max(...delays) <= 2, `normal client saw every marker within two ticks: ${delays.join(' ')}`);
    stalled.socket.destroy();
    await painter.close();
    await watcher.close();
  } finally {
    await app.stop();
  }
});

test('a client that falls behind and drains is caught up: what it read ends equal to the board', async () => {
  const app = await startApp({}, floodConfig(60_000));
  const { broadcaster } = app.canvas!;
  const board = app.canvas!.boards[0]!;
  const catchUps = () => metric(app, /tessera_catch_ups_total (\d+)/);
  try {
    const mirror = new ChunkMirror();
    const stalled = await stalledWatcher(app.port, mirror);
    const { painter, watcher } = await normalPair(app);
    for (let round = 1; broadcaster.behindCount === 0 && round <= 400; round++) {
      scribble(board, 1_000_000);
      await markerTicks(app, painter, watcher, round); // paces the rounds by ticks
    }
    assert.is(broadcaster.behindCount, 1, 'the stalled client fell behind');
    // Behind at the end of this tick, so it missed this wholesale change: only
    // a catch-up can bring it the chunk's contents from here on.
    scribble(board, 1_000_000);
    await markerTicks(app, painter, watcher, 401);
    assert.is(broadcaster.behindCount, 1, 'still behind: it missed the last change of every chunk');
    const before = catchUps();
    stalled.socket.resume();
    await readThroughPong(stalled, mirror, 'drained'); // its backlog, up to this pong
    // Ticks with its buffer drained: it is caught up, a window per drain or
    // low-backlog tick (paced), and any marker reaches it; markers pace the wait.
    for (let round = 402; broadcaster.behindCount > 0 && round <= 800; round++) await markerTicks(app, painter, watcher, round);
    assert.is(broadcaster.behindCount, 0, 'no longer behind');
    assert.ok(catchUps() > before, 'a catch-up was sent');
    await readThroughPong(stalled, mirror, 'done');
    assert.ok(Buffer.from(mirror.pixels).equals(board.chunkData(0)!), 'the client sees chunk (0, 0) as the board holds it');
    stalled.socket.destroy();
    await painter.close();
    await watcher.close();
  } finally {
    await app.stop();
  }
});

test.run();
