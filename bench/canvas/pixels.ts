// The per-pixel hot path, timed in-process: Board.setPixel and getPixel (with
// takeChanges every 1,000 writes, as the broadcaster's ticks do) on
//   dense:  the 1000² place board, fully painted first (every chunk dense);
//   sparse: the mosaic, writes spread over one block in each of 1,024 chunks (chunks stay sparse);
//   empty:  getPixel of never-written mosaic chunks.
// `--root DIR` times another checkout's build (e.g. the code before a change), for pairs.
//
//   node scripts/build.mjs && node build/bench/canvas/pixels.js [--root DIR] [--rounds 5]
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
}
const root = resolve(arg('root', '.'));
const rounds = Number(arg('rounds', '5'));
const OPS = 2_000_000;

interface BoardLike {
  setPixel(x: number, y: number, color: number): void;
  getPixel(x: number, y: number): number;
  takeChanges(): unknown;
}
const { Board } = (await import(pathToFileURL(join(root, 'build/src/canvas/board.js')).href)) as { Board: new (config: unknown, index: number) => BoardLike };
const { loadAppConfig } = (await import(pathToFileURL(join(root, 'build/src/config/load.js')).href)) as { loadAppConfig: (path: string) => { boards: unknown[] } };
const boards = loadAppConfig(join(root, 'config/default.json')).boards;

// Coordinates drawn once (xorshift), so every round and both builds do the same writes.
function coordinates(pick: (r: number) => [number, number]): Int32Array {
  const out = new Int32Array(OPS * 2);
  let s = 0x9e3779b9;
  for (let i = 0; i < OPS; i++) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    const [x, y] = pick(s >>> 0);
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}
const denseXY = coordinates((r) => [r % 1000, (r >>> 10) % 1000]);
// One 32×32 block (at offset 7, 9) in each of the first 1,024 mosaic chunks.
const sparseXY = coordinates((r) => {
  const chunk = r % 1024;
  return [(chunk % 125) * 256 + 7 + ((r >>> 10) & 15), Math.floor(chunk / 125) * 256 + 9 + ((r >>> 14) & 15)];
});
const emptyXY = coordinates((r) => [(r % 16000) + 16000, ((r >>> 14) % 16000) + 16000]);

function timeWrites(board: BoardLike, xy: Int32Array): number {
  const started = performance.now();
  for (let i = 0; i < OPS; i++) {
    board.setPixel(xy[2 * i]!, xy[2 * i + 1]!, i & 15);
    if (i % 1000 === 999) board.takeChanges();
  }
  return ((performance.now() - started) * 1e6) / OPS;
}

let sink = 0;
function timeReads(board: BoardLike, xy: Int32Array): number {
  const started = performance.now();
  for (let i = 0; i < OPS; i++) sink += board.getPixel(xy[2 * i]!, xy[2 * i + 1]!);
  return ((performance.now() - started) * 1e6) / OPS;
}

const place = new Board(boards[0], 0);
for (let y = 0; y < 1000; y++) for (let x = 0; x < 1000; x++) place.setPixel(x, y, 1);
place.takeChanges();
const mosaic = new Board(boards[2], 2);

const results: Record<string, number[]> = { 'set dense': [], 'get dense': [], 'set sparse': [], 'get sparse': [], 'get empty': [] };
for (let round = 0; round < rounds; round++) {
  results['set dense']!.push(timeWrites(place, denseXY));
  results['get dense']!.push(timeReads(place, denseXY));
  results['set sparse']!.push(timeWrites(mosaic, sparseXY));
  results['get sparse']!.push(timeReads(mosaic, sparseXY));
  results['get empty']!.push(timeReads(mosaic, emptyXY));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`root ${root}, ${OPS.toLocaleString('en')} ops per round, median of ${rounds} (ns per op; sink ${sink % 10})`);
for (const [name, values] of Object.entries(results)) console.log(`${name.padEnd(11)} ${median(values).toFixed(1).padStart(6)}   [${values.map((v) => v.toFixed(1)).join(' ')}]`);
