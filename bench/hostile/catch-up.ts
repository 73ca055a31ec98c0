// Issue 9 F4, reproduced: a client owed 256 dense chunks (16 MiB) reads at its own
// speed. `--scenario behind`: it stalls until it falls behind, the board changes all
// over, then it reads again. `--scenario subscribe`: it subscribes to all 256 chunks of a
// busy board at once, as a reconnecting client does. Meanwhile a painter changes a pixel
// every tick. Prints whether it caught up or was closed (and with what), how long it
// took, the most bytes the server held for it once what was queued before had drained,
// and this process's peak RSS. Runs in one process (the server of test/support/server.ts);
// `--root DIR` runs another checkout's build of it (e.g. the code before the fix).
//
//   node scripts/build.mjs && node build/bench/hostile/catch-up.js --scenario behind [--root DIR] [--read-mbps 50]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Socket } from 'node:net';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
}
const root = resolve(arg('root', '.'));
const scenario = arg('scenario', 'behind');
const readMbps = Number(arg('read-mbps', '50'));

type Module = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const load = (path: string): Promise<Module> => import(resolve(root, 'build', path));
const { parseAppConfig } = await load('src/config/load.js');
const { decodeServerMessage, encodePlace, encodeSubscribe } = await load('src/protocol/messages.js');
const { clientFrame, rawWebSocket } = await load('test/support/raw-websocket.js');
const { TestCanvasClient } = await load('test/support/canvas-client.js');
const { startApp } = await load('test/support/server.js');

const SIDE = 4096;
const CHUNK = 256;
const PER_ROW = SIDE / CHUNK;
const COUNT = PER_ROW ** 2;
const HIGH_WATER = 262_144;
const ALL = Array.from({ length: COUNT }, (_, i) => [i % PER_ROW, Math.floor(i / PER_ROW)]).flat();

function peakRssMiB(): number {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
}

let state = 7;
function scribble(board: Module, pixels: number): void {
  for (let i = 0; i < pixels; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const r = state >>> 0;
    board.setPixel(r & (SIDE - 1), (r >>> 12) & (SIDE - 1), ((r >>> 24) % 31) + 1);
  }
}

function readAtPace(socket: Socket): void {
  const perRest = (readMbps * 1e6) / 200; // bytes per 5 ms
  let taken = 0;
  socket.on('data', (chunk: Buffer) => {
    taken += chunk.length;
    if (taken < perRest) return;
    taken = 0;
    socket.pause();
    setTimeout(() => socket.resume(), 5);
  });
  socket.resume();
}

const palette = Array.from({ length: 32 }, (_, i) => '#' + (i * 0x070503).toString(16).padStart(6, '0').toUpperCase());
const app = await startApp({}, parseAppConfig({
  server: { tickRateHz: 50, slowClientHighWaterBytes: HIGH_WATER, slowClientHardLimitBytes: 4_194_304, slowClientDeadlineMs: 60_000 },
  boards: [{
    id: 'wide', title: 'Wide', width: SIDE, height: SIDE, chunkSize: CHUNK, palette, background: 0,
    policy: { strokes: true, maxBatch: 1000, tileWrites: false, buckets: [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }] },
  }],
}));
const board = app.canvas.boards[0];
const broadcaster = app.canvas.broadcaster;
const painter = await TestCanvasClient.open(`${app.wsUrl}/ws`);
const watcher = await TestCanvasClient.open(`${app.wsUrl}/ws`);
watcher.send(encodeSubscribe(0, [0, 0]));
await watcher.next('chunk');
let markers = 0;
async function marker(): Promise<void> {
  const n = ++markers;
  painter.send(encodePlace(n, 0, 1, 1, (n % 31) + 1));
  await Promise.race([watcher.next('diff', (m: Module) => m.sections.some((s: Module) => s.cx === 0 && s.cy === 0)), watcher.next('chunk', (m: Module) => m.cx === 0 && m.cy === 0)]);
}
const clientWatchingAll = () => [...broadcaster.allClients].find((c: Module) => c.subscriptionCount === COUNT);

const others = new Set(broadcaster.allClients);
const raw = await rawWebSocket(app.port, '/ws');
while (broadcaster.allClients.size === others.size) await marker(); // until its upgrade is done
const connection = [...broadcaster.allClients].find((c: Module) => !others.has(c)).connection;
let maxBuffered = 0;
let drained = false;
// The bytes held for it, looked at after every frame sent to it.
for (const method of ['sendPrepared', 'send']) {
  const original = connection[method].bind(connection);
  connection[method] = (...args: unknown[]) => {
    if (connection.bufferedAmount <= HIGH_WATER / 4) drained = true; // what was queued before has drained
    original(...args);
    if (drained) maxBuffered = Math.max(maxBuffered, connection.bufferedAmount);
  };
}
let closed = false;
void raw.closed.then(() => (closed = true));
if (scenario === 'behind') {
  raw.socket.write(clientFrame(0x82, Buffer.from(encodeSubscribe(0, ALL))));
  for (let i = 0; i < 2 + COUNT; i++) await raw.nextFrame();
  raw.socket.pause();
  while (broadcaster.behindCount === 0) {
    scribble(board, 1 << 20);
    await marker();
  }
  for (let n = 0; n < 24; n++) scribble(board, 1 << 20);
  maxBuffered = 0; // from here on: the catch-up, once the backlog queued before has drained
  drained = false;
  readAtPace(raw.socket);
} else {
  for (let n = 0; n < 24; n++) scribble(board, 1 << 20);
  readAtPace(raw.socket);
  raw.socket.write(clientFrame(0x82, Buffer.from(encodeSubscribe(0, ALL))));
  while (!clientWatchingAll()) await marker();
}
const started = performance.now();
let caughtUp: { frames: number; version: number } | null = null;
let outcome = 'neither within 20 s';
while (performance.now() - started < 20_000) {
  await marker();
  if (closed) {
    const close = raw.frames.find((f: Module) => f.opcode === 0x8);
    outcome = `closed ${close ? close.payload.readUInt16BE(0) : '(no close frame)'}`;
    break;
  }
  const buffered = connection.bufferedAmount;
  if (buffered <= HIGH_WATER / 4) drained = true;
  if (drained) maxBuffered = Math.max(maxBuffered, buffered);
  if (caughtUp === null && broadcaster.behindCount === 0) caughtUp = { frames: raw.frames.length, version: board.chunkVersion(0) };
  const later = raw.frames.slice(caughtUp?.frames ?? Infinity).some((f: Module) => {
    const m = decodeServerMessage(new Uint8Array(f.payload));
    return m.type === 'diff' && m.sections.some((s: Module) => s.cx === 0 && s.cy === 0 && s.toVersion > caughtUp!.version);
  });
  if (later) {
    outcome = 'caught up';
    break;
  }
}
console.log(JSON.stringify({
  root, scenario, readMbps, outcome, ms: Math.round(performance.now() - started),
  maxHeldKiB: Math.round(maxBuffered / 1024), peakRssMiB: Math.round(peakRssMiB()),
}));
raw.socket.destroy();
await painter.close();
await watcher.close();
await app.stop();
