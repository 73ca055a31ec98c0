// Clients that stop reading: caught up when they drain, closed with 1013 when
// they stay stuck, and never a reason for anyone else to wait.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'node:net';
import { parseAppConfig } from '../src/config/load.js';
import type { Board } from '../src/canvas/board.js';
import { decodeChunkPixels } from '../src/protocol/chunk-encoding.js';
import { encodePlace, encodeSubscribe } from '../src/protocol/messages.js';
import { clientFrame, rawWebSocket } from './support/raw-websocket.js';
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

/** A raw client that subscribes to everything, then stops reading its socket. */
async function stalledWatcher(port: number): Promise<Socket> {
  const raw = await rawWebSocket(port, '/ws');
  raw.socket.write(clientFrame(0x82, Buffer.from(encodeSubscribe(0, ALL_CHUNKS))));
  for (let i = 0; i < 17; i++) await raw.nextFrame(); // HELLO/ONLINE then 16 CHUNKs (order aside)
  raw.socket.pause();
  return raw.socket;
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
  const watcher = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  watcher.send(encodeSubscribe(0, [0, 0]));
  await watcher.next('chunk');
  return { painter, watcher };
}

test('a client stuck past the deadline is closed with 1013; memory stays bounded; others keep within two ticks', async () => {
  // Once behind, a client is sent nothing more, so its buffer stops growing:
  // the deadline is what ends it (the hard limit catches a single huge burst).
  const app = await startApp({ wsCloseTimeoutMs: 200 }, floodConfig(500));
  const canvas = app.canvas!;
  const board = canvas.boards[0]!;
  try {
    const stalled = await stalledWatcher(app.port);
    const { painter, watcher } = await normalPair(app);
    const stalledConnection = [...canvas.broadcaster.allClients].find((c) => c.subscriptionCount === 16)!.connection;
    const closed = new Promise<void>((resolve) => stalledConnection.socket.once('close', () => resolve()));
    let closedYet = false;
    void closed.then(() => (closedYet = true));
    const delays: number[] = [];
    let maxBuffered = 0;
    for (let round = 1; round <= 400 && !closedYet; round++) {
      scribble(board, 1_000_000);
      delays.push(await markerTicks(app, painter, watcher, round));
      maxBuffered = Math.max(maxBuffered, stalledConnection.bufferedAmount);
    }
    await closed;
    assert.ok(closedYet, 'the stalled client was closed');
    const metrics = app.server.registry.render();
    assert.match(metrics, /tessera_slow_clients_closed_total 1/);
    // Bounded: the high-water mark stopped the diffs; what is left is at most the
    // last tick's worth on top of the hard limit, plus the close frame.
    assert.ok(maxBuffered <= HARD_LIMIT + 2 * 1024 * 1024, `buffered at most ${maxBuffered} bytes`);
    assert.ok(Math.max(...delays) <= 2, `normal client saw every marker within two ticks: ${delays.join(' ')}`);
    stalled.destroy();
    await painter.close();
    await watcher.close();
  } finally {
    await app.stop();
  }
});

test('a client that falls behind and drains gets a catch-up of current contents, not the backlog', async () => {
  const app = await startApp({}, floodConfig(60_000));
  const canvas = app.canvas!;
  const board = canvas.boards[0]!;
  try {
    const stalled = await stalledWatcher(app.port);
    const { painter, watcher } = await normalPair(app);
    for (let round = 1; canvas.broadcaster.behindCount === 0 && round <= 400; round++) {
      scribble(board, 1_000_000);
      await markerTicks(app, painter, watcher, round); // paces the rounds by ticks
    }
    assert.is(canvas.broadcaster.behindCount, 1, 'the stalled client fell behind');
    scribble(board, 1_000_000);
    await markerTicks(app, painter, watcher, 999);
    // Drain everything, then look at what came after the backlog.
    stalled.resume();
    const catchUps = () => Number(/tessera_catch_ups_total (\d+)/.exec(app.server.registry.render())![1]);
    const before = catchUps();
    // The catch-up is paced (a window per drain): markers pace the wait by ticks.
    for (let round = 1000; catchUps() === before && round < 1400; round++) await markerTicks(app, painter, watcher, round);
    assert.ok(catchUps() > before, 'a catch-up was sent');
    assert.is(canvas.broadcaster.behindCount, 0, 'no longer behind');
    stalled.destroy();
    await painter.close();
    await watcher.close();
  } finally {
    await app.stop();
  }
});

test.run();
