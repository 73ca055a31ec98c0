// A client loading a whole board, with and without permessage-deflate:
//   taskset -c 1 node build/bench/canvas/board-load.js [--rounds 5] [--warm 10] [--fill random,drawing]
// The server (ours, on core 0, boards in memory) gets every pixel of `place` (1000×1000,
// 100 chunks of 100×100) written, in batches; then, per round and per mode (without and
// with compression, the order alternating from round to round), one fresh bot subscribes
// to all 100 chunks: a cold load (one pixel of every chunk changed just before, so every
// CHUNK is encoded, and compressed, afresh), then `--warm` loads of the chunk cache's
// messages as they are. Reported: the bytes the bot read off its socket, the CHUNK bytes
// they carried (inflated), the time from SUBSCRIBE to the last CHUNK, and the server's CPU
// time per load (utime + stime from /proc, 10 ms resolution: warm loads are averaged).
// Fills: `random` (every pixel one of the 16 colours at random: the worst case for
// compression) and `drawing` (overlapping rectangles of one colour with 2% of the pixels
// scattered at random, closer to a finished r/place).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodePlaceBatch } from '../../src/protocol/messages.js';
import { processCpuSeconds } from '../echo/cpu-window.js';
import { RunningServer } from '../echo/server-process.js';
import { Bot, type Target } from './bot-client.js';
import { BENCH_CONFIG, SCRATCH, benchBoard, serverSpec, storageMode } from './server-setup.js';

const BOARD = 'place';
const BATCH = 1000; // pixels per PLACE_BATCH: one row of the board
// /ws takes 200 messages in a burst and 100/s after that: 1,000 rows need 10 painters.
const PAINTERS = 10;
// The rows in flight, and the least time each window takes: 20,000 pixels per 25 ms stays
// within the bench config's pixel buckets (65,535, refilled at 1,000,000/s).
const WINDOW_ROWS = 20;
const WINDOW_MS = 25;
const TIMEOUT_MS = 60_000;

const { values } = parseArgs({ options: { rounds: { type: 'string' }, warm: { type: 'string' }, fill: { type: 'string' } } });
const rounds = Number(values.rounds ?? 5);
const warmLoads = Number(values.warm ?? 10);
const fills = (values.fill ?? 'random,drawing').split(',');

/** xorshift32: the same board every run. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

function paint(fill: string, width: number, height: number, colours: number): Uint8Array {
  const random = prng(14);
  const pixels = new Uint8Array(width * height);
  const pick = () => Math.floor(random() * colours);
  if (fill === 'random') return pixels.map(pick);
  if (fill !== 'drawing') throw new Error(`unknown fill "${fill}" (random, drawing)`);
  for (let r = 0; r < 600; r++) {
    const w = 10 + Math.floor(random() * 140);
    const h = 10 + Math.floor(random() * 140);
    const x0 = Math.floor(random() * (width - w));
    const y0 = Math.floor(random() * (height - h));
    const colour = pick();
    for (let y = y0; y < y0 + h; y++) pixels.fill(colour, y * width + x0, y * width + x0 + w);
  }
  for (let n = 0; n < width * height * 0.02; n++) pixels[Math.floor(random() * pixels.length)] = pick();
  return pixels;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `pixels` (row-major, every one of them) with batches of one row each, round-robin over the painters, a window at a time. */
async function write(painters: Bot[], pixels: Uint8Array, width: number, height: number): Promise<void> {
  if (width > BATCH) throw new Error(`a row of ${width} pixels does not fit a batch of ${BATCH}`);
  const sent = painters.map((p) => p.acks);
  let windowStart = performance.now();
  for (let y = 0; y < height; y++) {
    const triples: number[] = [];
    for (let x = 0; x < width; x++) triples.push(x, y, pixels[y * width + x]!);
    const painter = painters[y % painters.length]!;
    painter.send(encodePlaceBatch(y, painter.board!.index, triples));
    sent[y % painters.length]!++;
    if ((y + 1) % WINDOW_ROWS === 0 || y === height - 1) {
      await Promise.all(painters.map((p, i) => p.acked(sent[i]!, TIMEOUT_MS)));
      await sleep(WINDOW_MS - (performance.now() - windowStart));
      windowStart = performance.now();
    }
  }
}

interface Load {
  deflate: boolean;
  cold: boolean;
  bytesRead: number;
  chunkBytes: number;
  ms: number;
  cpuMs: number;
}

/** One fresh bot subscribes to `chunks` and reads their CHUNKs. */
async function load(target: Target, chunks: number[], deflate: boolean): Promise<Omit<Load, 'cold' | 'cpuMs'>> {
  const bot = await Bot.open(target, '127.0.0.1', BOARD, TIMEOUT_MS, deflate);
  const before = bot.bytesRead;
  const started = performance.now();
  await bot.subscribe(chunks, TIMEOUT_MS);
  const ms = performance.now() - started;
  const result = { deflate, bytesRead: bot.bytesRead - before, chunkBytes: bot.chunkBytes, ms };
  await bot.close(3000);
  return result;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const n1 = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

async function run(fill: string): Promise<string[]> {
  const board = benchBoard(BOARD);
  const config = JSON.parse(readFileSync(BENCH_CONFIG, 'utf8')) as { boards: { id: string; policy: Record<string, unknown> }[] };
  const place = config.boards.find((b) => b.id === BOARD)!;
  place.policy = { ...place.policy, strokes: true, maxBatch: BATCH };
  const configPath = join(SCRATCH, `board-load-${fill}.json`);
  writeFileSync(configPath, JSON.stringify(config));
  storageMode.inMemory = true; // storage plays no part in a load
  const server = await RunningServer.start(serverSpec('ours', configPath));
  try {
    const target: Target = { host: server.host, port: server.port, path: '/ws' };
    const painters: Bot[] = [];
    for (let i = 0; i < PAINTERS; i++) painters.push(await Bot.open(target, '127.0.0.1', BOARD, TIMEOUT_MS));
    for (const p of painters) p.onReject = (reason) => console.error(`[${fill}] a placement was rejected (reason ${reason}): the board will not be full`);
    const painter = painters[0]!;
    const pixels = paint(fill, board.width, board.height, board.paletteSize);
    const filled = performance.now();
    await write(painters, pixels, board.width, board.height);
    console.error(`[${fill}] ${n0(board.width * board.height)} pixels written in ${n1((performance.now() - filled) / 1000)} s`);
    const chunksX = board.width / board.chunkSize;
    const chunks: number[] = [];
    for (let cy = 0; cy < board.height / board.chunkSize; cy++) for (let cx = 0; cx < chunksX; cx++) chunks.push(cx, cy);
    // One pixel of every chunk changed: each chunk's next CHUNK is encoded afresh.
    let touch = 0;
    const touchEveryChunk = async () => {
      touch++;
      const triples: number[] = [];
      for (let i = 0; i < chunks.length; i += 2) {
        const x = chunks[i]! * board.chunkSize + (touch % board.chunkSize);
        const y = chunks[i + 1]! * board.chunkSize;
        triples.push(x, y, (pixels[y * board.width + x]! + touch) % board.paletteSize);
      }
      painter.send(encodePlaceBatch(1_000_000 + touch, painter.board!.index, triples));
      await painter.acked(painter.acks + 1, TIMEOUT_MS);
    };
    const loads: Load[] = [];
    const measured = async (deflate: boolean, cold: boolean, count: number) => {
      const cpu0 = processCpuSeconds(server.pid);
      const results = [];
      for (let i = 0; i < count; i++) results.push(await load(target, chunks, deflate));
      const cpuMs = ((processCpuSeconds(server.pid) - cpu0) * 1000) / count;
      for (const r of results) loads.push({ ...r, cold, cpuMs });
    };
    await load(target, chunks, true); // warms the JIT and zlib
    for (let round = 0; round < rounds; round++) {
      for (const deflate of round % 2 === 0 ? [false, true] : [true, false]) {
        await touchEveryChunk();
        await measured(deflate, true, 1);
        await measured(deflate, false, warmLoads);
      }
    }
    await Promise.all(painters.map((p) => p.close(3000)));
    const lines = [
      `### ${fill === 'random' ? 'Random colours' : 'A drawing'} (${fill})`,
      '',
      '| load | compression | bytes read | CHUNK bytes (inflated) | SUBSCRIBE → last CHUNK, ms (median) | server CPU ms per load (mean) |',
      '|---|---|---:|---:|---:|---:|',
    ];
    for (const cold of [true, false]) {
      for (const deflate of [false, true]) {
        const mine = loads.filter((l) => l.cold === cold && l.deflate === deflate);
        lines.push(`| ${cold ? 'cold' : 'warm'} (${mine.length}) | ${deflate ? 'permessage-deflate' : 'none'} | ${n0(median(mine.map((l) => l.bytesRead)))} | ` +
          `${n0(median(mine.map((l) => l.chunkBytes)))} | ${n1(median(mine.map((l) => l.ms)))} | ${n1(mean(mine.map((l) => l.cpuMs)))} |`);
      }
    }
    return lines;
  } finally {
    await server.stop();
  }
}

const out = [`## Loading the whole of \`${BOARD}\` (${rounds} rounds, ${warmLoads} warm loads per round and mode)`, ''];
for (const fill of fills) out.push(...(await run(fill)), '');
console.log(out.join('\n'));
process.exit(0);
