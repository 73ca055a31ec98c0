import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pngjs from 'pngjs';
import {
  ImageTooLargeError,
  OverviewPyramid,
  RenderWorkerError,
  PngPool,
  TileNotFoundError,
  overviewInfo,
  overviewLevelCount,
  renderBoardPng,
  renderChunkPng,
  type RenderableBoard,
} from '../src/canvas/render/index.js';

const { PNG } = pngjs;

/** An in-memory board with the same chunk layout as src/canvas/board.ts. */
class FakeBoard implements RenderableBoard {
  readonly config: RenderableBoard['config'] & { palette: string[] };
  readonly chunksX: number;
  readonly chunksY: number;
  readonly paletteRgb: Uint8Array;
  readonly chunks: (Uint8Array | null)[];
  readonly versions: number[];

  constructor(width: number, height: number, chunkSize: number, palette: string[], background = 0) {
    this.config = { id: 'test', width, height, chunkSize, palette, background };
    this.chunksX = Math.ceil(width / chunkSize);
    this.chunksY = Math.ceil(height / chunkSize);
    this.paletteRgb = new Uint8Array(palette.length * 3);
    palette.forEach((hex, i) => {
      const n = Number.parseInt(hex.slice(1), 16);
      this.paletteRgb.set([n >> 16, (n >> 8) & 255, n & 255], i * 3);
    });
    this.chunks = new Array<Uint8Array | null>(this.chunksX * this.chunksY).fill(null);
    this.versions = new Array<number>(this.chunksX * this.chunksY).fill(0);
  }

  chunkData(chunk: number): Uint8Array | null {
    return this.chunks[chunk] ?? null;
  }

  chunkVersion(chunk: number): number {
    return this.versions[chunk]!;
  }

  private locate(x: number, y: number): { chunk: number; offset: number } {
    const cs = this.config.chunkSize;
    const cx = Math.floor(x / cs);
    const cy = Math.floor(y / cs);
    return { chunk: cy * this.chunksX + cx, offset: (y - cy * cs) * cs + (x - cx * cs) };
  }

  set(x: number, y: number, color: number): void {
    const { chunk, offset } = this.locate(x, y);
    let data = this.chunks[chunk];
    if (!data) {
      data = new Uint8Array(this.config.chunkSize ** 2).fill(this.config.background);
      this.chunks[chunk] = data;
    }
    data[offset] = color;
    this.versions[chunk]!++;
  }

  /** Fills a whole chunk from f(x, y) (board coordinates) in one write. */
  fillChunk(cx: number, cy: number, f: (x: number, y: number) => number): void {
    const cs = this.config.chunkSize;
    const data = new Uint8Array(cs * cs);
    for (let y = 0; y < cs; y++) for (let x = 0; x < cs; x++) data[y * cs + x] = f(cx * cs + x, cy * cs + y);
    const chunk = cy * this.chunksX + cx;
    this.chunks[chunk] = data;
    this.versions[chunk]!++;
  }

  get(x: number, y: number): number {
    const { chunk, offset } = this.locate(x, y);
    return this.chunks[chunk]?.[offset] ?? this.config.background;
  }

  rgb(x: number, y: number): [number, number, number] {
    const p = this.get(x, y) * 3;
    return [this.paletteRgb[p]!, this.paletteRgb[p + 1]!, this.paletteRgb[p + 2]!];
  }
}

const BASIC = ['#FFFFFF', '#000000', '#FF0000', '#00FF00', '#0000FF', '#123456'];
const WHITE: [number, number, number] = [255, 255, 255];

function decode(png: Buffer): { width: number; height: number; px(x: number, y: number): [number, number, number] } {
  const image = PNG.sync.read(png);
  return {
    width: image.width,
    height: image.height,
    px: (x, y) => {
      const i = (y * image.width + x) * 4;
      assert.is(image.data[i + 3], 255, 'opaque');
      return [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
    },
  };
}

/** Brute-force level-L pixel: the rounded average of the block's in-board pixels. */
function expectedAverage(board: FakeBoard, level: number, ox: number, oy: number): [number, number, number] {
  const s = 2 ** level;
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = oy * s; y < Math.min(board.config.height, (oy + 1) * s); y++) {
    for (let x = ox * s; x < Math.min(board.config.width, (ox + 1) * s); x++) {
      const c = board.rgb(x, y);
      sum[0]! += c[0];
      sum[1]! += c[1];
      sum[2]! += c[2];
      n++;
    }
  }
  return [Math.round(sum[0]! / n), Math.round(sum[1]! / n), Math.round(sum[2]! / n)];
}

/** A deterministic pseudo-random sequence. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

async function rejects(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

// The pool every test here encodes with.
const pool = new PngPool();

test.after(async () => {
  await pool.close();
});

// ---- chunk and board PNGs ----------------------------------------------------

test('chunk PNG: set pixels have the right colour at the right place (inline encoding)', async () => {
  const board = new FakeBoard(100, 100, 32, BASIC);
  board.set(32, 32, 1); // chunk (1,1) local (0,0)
  board.set(40, 35, 2); // local (8,3)
  board.set(63, 63, 5); // local (31,31)
  board.set(10, 10, 3); // another chunk
  const image = decode(await renderChunkPng(board, 1, 1, pool));
  assert.is(image.width, 32);
  assert.is(image.height, 32);
  assert.equal(image.px(0, 0), [0, 0, 0]);
  assert.equal(image.px(8, 3), [255, 0, 0]);
  assert.equal(image.px(31, 31), [0x12, 0x34, 0x56]);
  assert.equal(image.px(3, 8), WHITE);
  assert.equal(image.px(1, 0), WHITE);
});

test('chunk PNG of a 256-pixel chunk goes through the worker and matches every pixel', async () => {
  const board = new FakeBoard(600, 600, 256, BASIC, 5);
  board.fillChunk(1, 0, (x, y) => (x * 7 + y * 3) % 5);
  const image = decode(await renderChunkPng(board, 1, 0, pool));
  assert.is(image.width, 256);
  assert.is(image.height, 256);
  for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) assert.equal(image.px(x, y), board.rgb(256 + x, y));
  const empty = decode(await renderChunkPng(board, 0, 1, pool));
  assert.equal(empty.px(17, 200), [0x12, 0x34, 0x56], 'a never-written chunk is background');
});

test('edge chunks are cropped to the board', async () => {
  const board = new FakeBoard(100, 70, 32, BASIC);
  board.set(99, 69, 4);
  board.set(96, 64, 2);
  const corner = decode(await renderChunkPng(board, 3, 2, pool));
  assert.is(corner.width, 4);
  assert.is(corner.height, 6);
  assert.equal(corner.px(3, 5), [0, 0, 255]);
  assert.equal(corner.px(0, 0), [255, 0, 0]);
  assert.equal(corner.px(1, 1), WHITE);
  const right = decode(await renderChunkPng(board, 3, 0, pool));
  assert.is(right.width, 4);
  assert.is(right.height, 32);
  const big = new FakeBoard(600, 300, 256, BASIC);
  big.set(599, 299, 3);
  const bigCorner = decode(await renderChunkPng(big, 2, 1, pool));
  assert.is(bigCorner.width, 88);
  assert.is(bigCorner.height, 44);
  assert.equal(bigCorner.px(87, 43), [0, 255, 0]);
});

test('a chunk outside the board is TileNotFoundError', async () => {
  const board = new FakeBoard(100, 70, 32, BASIC);
  for (const [cx, cy] of [[4, 0], [0, 3], [-1, 0], [0.5, 0]] as const) {
    const error = await rejects(renderChunkPng(board, cx, cy, pool));
    assert.instance(error, TileNotFoundError);
  }
});

test('whole-board PNG matches the board pixel for pixel', async () => {
  const board = new FakeBoard(300, 200, 64, BASIC, 0);
  const random = lcg(7);
  for (let i = 0; i < 2000; i++) board.set(Math.floor(random() * 300), Math.floor(random() * 200), Math.floor(random() * 6));
  board.fillChunk(2, 1, (x, y) => (x ^ y) % 6);
  const image = decode(await renderBoardPng(board, pool));
  assert.is(image.width, 300);
  assert.is(image.height, 200);
  for (let y = 0; y < 200; y++) for (let x = 0; x < 300; x++) assert.equal(image.px(x, y), board.rgb(x, y));
});

test('boards larger than 4096 pixels on a side are ImageTooLargeError', async () => {
  for (const [w, h] of [[4097, 10], [10, 4097], [32000, 32000]] as const) {
    const error = await rejects(renderBoardPng(new FakeBoard(w, h, 256, BASIC), pool));
    assert.instance(error, ImageTooLargeError);
    assert.is((error as ImageTooLargeError).width, w);
  }
});

// ---- worker pool ------------------------------------------------------------

test('an encoding error in the worker rejects the job and the worker keeps serving', async () => {
  const error = await rejects(pool.encodeRgb(new Uint8Array(100 * 100 * 3 - 1), 100, 100));
  assert.instance(error, RenderWorkerError);
  assert.match((error as Error).message, /expected 30000 bytes/);
  const image = decode(await pool.encodeRgb(new Uint8Array(100 * 100 * 3).fill(200), 100, 100));
  assert.equal(image.px(99, 99), [200, 200, 200]);
  assert.is(pool.stats().pendingJobs, 0);
});

test('close ends the workers: jobs in flight reject, later ones too; small images are still encoded inline', async () => {
  const closing = new PngPool();
  const job = rejects(closing.encodeRgb(new Uint8Array(1024 * 1024 * 3), 1024, 1024));
  assert.is(closing.stats().workers, 1);
  await closing.close();
  assert.instance(await job, RenderWorkerError);
  assert.equal(closing.stats(), { workers: 0, pendingJobs: 0 });
  const later = await rejects(closing.encodeRgb(new Uint8Array(65 * 65 * 3), 65, 65));
  assert.instance(later, RenderWorkerError);
  assert.match((later as Error).message, /closed/);
  assert.is(closing.stats().workers, 0, 'no worker started after close');
  const small = decode(await closing.encodeRgb(new Uint8Array(8 * 8 * 3).fill(9), 8, 8));
  assert.equal(small.px(7, 7), [9, 9, 9]);
});

test('an idle render worker does not keep the process alive', async () => {
  const module = fileURLToPath(new URL('../src/canvas/render/index.js', import.meta.url));
  const script = `
    const { PngPool } = await import(${JSON.stringify(module)});
    const png = await new PngPool().encodeRgb(new Uint8Array(200 * 200 * 3), 200, 200);
    console.log('encoded ' + String(png.length > 0));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const timer = setTimeout(() => child.kill(), 10_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  assert.is(code, 0, `child exited by itself (${out.trim()})`);
  assert.match(out, /encoded true/, `child output: ${JSON.stringify(out)}`);
});

test('the event loop keeps ticking while a 4096×4096 board PNG is encoded', async () => {
  const board = new FakeBoard(4096, 4096, 256, BASIC);
  const random = lcg(42);
  for (let cy = 0; cy < 16; cy++) {
    for (let cx = 0; cx < 16; cx++) {
      if ((cx + cy) % 5 === 0) continue; // some never-written chunks
      const seed = Math.floor(random() * 1000);
      board.fillChunk(cx, cy, (x, y) => (((x >> 3) * 31 + (y >> 2) * 17 + seed) ^ (x * y)) % 6);
    }
  }
  await pool.encodeRgb(new Uint8Array(100 * 100 * 3), 100, 100); // worker started

  let last = performance.now();
  let maxGap = 0;
  let ticks = 0;
  const interval = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 1);
  const started = performance.now();
  last = started;
  const png = await renderBoardPng(board, pool);
  const elapsed = performance.now() - started;
  clearInterval(interval);
  maxGap = Math.max(maxGap, performance.now() - last);

  const image = decode(png);
  assert.is(image.width, 4096);
  assert.equal(image.px(4095, 4095), board.rgb(4095, 4095));
  assert.equal(image.px(1234, 2345), board.rgb(1234, 2345));
  console.log(`    4096×4096 board PNG: ${elapsed.toFixed(0)} ms, ${(png.length / 1024).toFixed(0)} KiB, max loop gap ${maxGap.toFixed(1)} ms, ${ticks} ticks`);
  assert.ok(ticks > 5, `interval ticked (${ticks})`);
  assert.ok(maxGap < elapsed / 2, `max gap ${maxGap.toFixed(1)} ms < half of ${elapsed.toFixed(0)} ms`);
});

// ---- overview pyramid -------------------------------------------------------

test('overview level math', () => {
  const board = new FakeBoard(1024, 1024, 64, BASIC);
  const info = overviewInfo(board, { tilePixels: 256 });
  assert.is(info.levels, 3);
  assert.is(info.tilePixels, 256);
  assert.equal(
    info.tiles.map((l) => [l.level, l.scale, l.width, l.height, l.tilesX, l.tilesY]),
    [
      [0, 1, 1024, 1024, 4, 4],
      [1, 2, 512, 512, 2, 2],
      [2, 4, 256, 256, 1, 1],
    ],
  );
  assert.is(new OverviewPyramid(board, pool).levels, 3);
  assert.is(overviewLevelCount(32000, 32000, 256), 8); // 32000 / 128 = 250 ≤ 256
  assert.is(overviewLevelCount(256, 256, 256), 1);
  assert.is(overviewLevelCount(257, 10, 256), 2);
  assert.is(overviewLevelCount(1000, 300, 64), 5); // 1000 / 16 = 62.5 → 63
  const mosaic = overviewInfo(new FakeBoard(32000, 32000, 256, BASIC));
  assert.equal(mosaic.tiles[0], { level: 0, scale: 1, width: 32000, height: 32000, tilesX: 125, tilesY: 125 });
  assert.equal(mosaic.tiles[7], { level: 7, scale: 128, width: 250, height: 250, tilesX: 1, tilesY: 1 });
});

test('overview tiles average blocks: half black, half white is grey', async () => {
  const board = new FakeBoard(1024, 1024, 64, BASIC);
  for (let y = 4; y < 8; y++) for (let x = 8; x < 10; x++) board.set(x, y, 1); // left half of level-2 block (2,1)
  board.set(20, 20, 1); // one black pixel of 16 in level-2 block (5,5)
  const pyramid = new OverviewPyramid(board, pool, { tilePixels: 256 });
  const top = decode(await pyramid.tile(2, 0, 0));
  assert.is(top.width, 256);
  assert.is(top.height, 256);
  const grey = top.px(2, 1);
  assert.ok(grey.every((c) => c === 127 || c === 128), `grey ${grey}`);
  assert.equal(top.px(5, 5), [239, 239, 239]); // 255 · 15/16 = 239.06
  assert.equal(top.px(3, 1), WHITE);
  const level1 = decode(await pyramid.tile(1, 0, 0));
  assert.equal(level1.px(4, 2), [0, 0, 0]);
  assert.ok(level1.px(10, 10).every((c) => c === 191 || c === 192)); // 3 white of 4
  const level0 = decode(await pyramid.tile(0, 0, 0));
  assert.equal(level0.px(8, 4), [0, 0, 0]);
  assert.equal(level0.px(10, 4), WHITE);
});

test('overview tiles equal a brute-force average at every level, direct and grid paths, edges cropped', async () => {
  // chunkSize 100 → per-chunk grids from level 3; 700 × 500 does not divide evenly anywhere.
  const board = new FakeBoard(703, 501, 100, BASIC, 5);
  const random = lcg(99);
  for (let cy = 0; cy < board.chunksY; cy++) {
    for (let cx = 0; cx < board.chunksX; cx++) {
      const r = random();
      if (r < 0.3) continue;
      if (r < 0.6) board.fillChunk(cx, cy, (x, y) => ((x >> 2) + (y >> 3) * 3) % 6);
      else for (let i = 0; i < 300; i++) board.set(cx * 100 + Math.floor(random() * 100), cy * 100 + Math.floor(random() * 100), Math.floor(random() * 6));
    }
  }
  const pyramid = new OverviewPyramid(board, pool, { tilePixels: 64 });
  assert.is(pyramid.levels, 5); // 703 / 16 = 43.9 → 44 ≤ 64
  assert.is(pyramid.gridLevel, 3);
  const info = pyramid.info();
  for (const level of info.tiles) {
    for (let ty = 0; ty < level.tilesY; ty++) {
      for (let tx = 0; tx < level.tilesX; tx++) {
        const image = decode(await pyramid.tile(level.level, tx, ty));
        assert.is(image.width, Math.min(64, level.width - tx * 64));
        assert.is(image.height, Math.min(64, level.height - ty * 64));
        for (let y = 0; y < image.height; y++) {
          for (let x = 0; x < image.width; x++) {
            const got = image.px(x, y);
            const want = expectedAverage(board, level.level, tx * 64 + x, ty * 64 + y);
            if (got[0] !== want[0] || got[1] !== want[1] || got[2] !== want[2]) {
              assert.unreachable(`level ${level.level} tile (${tx},${ty}) pixel (${x},${y}): ${got} ≠ ${want}`);
            }
          }
        }
      }
    }
  }
  // A block hanging over the right edge averages only the pixels inside the board.
  const last = decode(await pyramid.tile(4, 0, 0));
  assert.is(last.width, 44);
  assert.equal(last.px(43, 31), expectedAverage(board, 4, 43, 31));
});

test('tile versions change with writes under the tile; the cache re-renders only then', async () => {
  const board = new FakeBoard(1024, 1024, 64, BASIC);
  const pyramid = new OverviewPyramid(board, pool, { tilePixels: 256 });
  const v0 = pyramid.version(1, 0, 0);
  const first = await pyramid.tile(1, 0, 0);
  assert.is(pyramid.renders, 1);
  assert.is(await pyramid.tile(1, 0, 0), first, 'same buffer from the cache');
  assert.is(pyramid.renders, 1);

  const otherV = pyramid.version(1, 1, 1);
  board.set(10, 10, 2); // under level-1 tile (0,0), not under (1,1)
  assert.is.not(pyramid.version(1, 0, 0), v0);
  assert.is(pyramid.version(1, 1, 1), otherV);
  assert.is(pyramid.renders, 1, 'nothing renders until asked');
  const second = decode(await pyramid.tile(1, 0, 0));
  assert.is(pyramid.renders, 2);
  assert.equal(second.px(5, 5), [255, 191, 191]); // one red pixel in 4: 255·3/4 = 191.25
  await pyramid.tile(1, 0, 0);
  await pyramid.tile(1, 0, 0);
  assert.is(pyramid.renders, 2);

  // The top tile covers everything: any write changes it.
  const topV = pyramid.version(2, 0, 0);
  await pyramid.tile(2, 0, 0);
  board.set(1023, 1023, 1);
  assert.ok(pyramid.version(2, 0, 0) > topV);
  const top = decode(await pyramid.tile(2, 0, 0));
  assert.is(pyramid.renders, 4);
  assert.ok(top.px(255, 255).every((c) => c === 239));
  assert.equal(pyramid.versions(1).length, 4);
  assert.is(pyramid.versions(2)[0], pyramid.version(2, 0, 0));
});

test('concurrent requests for a tile share one render; the cache is an LRU of bounded size', async () => {
  const board = new FakeBoard(1024, 1024, 64, BASIC);
  const pyramid = new OverviewPyramid(board, pool, { tilePixels: 256, maxCachedTiles: 2 });
  const [a, b] = await Promise.all([pyramid.tile(0, 0, 0), pyramid.tile(0, 0, 0)]);
  assert.is(a, b);
  assert.is(pyramid.renders, 1);
  await pyramid.tile(0, 1, 0);
  await pyramid.tile(0, 0, 0); // touch (0,0,0): (0,1,0) is now the oldest
  await pyramid.tile(0, 2, 0);
  assert.is(pyramid.cachedTiles, 2);
  assert.is(pyramid.renders, 3);
  await pyramid.tile(0, 0, 0);
  assert.is(pyramid.renders, 3, '(0,0,0) survived');
  await pyramid.tile(0, 1, 0);
  assert.is(pyramid.renders, 4, '(0,1,0) was evicted');
});

test('tiles that do not exist are TileNotFoundError', async () => {
  const pyramid = new OverviewPyramid(new FakeBoard(1024, 1024, 64, BASIC), pool, { tilePixels: 256 });
  for (const [level, tx, ty] of [[3, 0, 0], [-1, 0, 0], [2, 1, 0], [1, 0, 2], [0, 4, 0], [0, 1.5, 0]] as const) {
    assert.instance(await rejects(pyramid.tile(level, tx, ty)), TileNotFoundError, `${level}/${tx}/${ty}`);
    assert.throws(() => pyramid.version(level, tx, ty), (e: unknown) => e instanceof TileNotFoundError);
  }
});

test('mosaic-sized board (32,000², mostly unpainted): top tile is correct and quick', async () => {
  const board = new FakeBoard(32000, 32000, 256, BASIC, 0);
  const random = lcg(5);
  for (let i = 0; i < 300; i++) {
    const color = 1 + Math.floor(random() * 5);
    board.fillChunk(Math.floor(random() * 125), Math.floor(random() * 125), () => color);
  }
  board.fillChunk(0, 0, (x) => (x < 64 ? 1 : 0)); // top-left level-7 pixels (0,0), (1,0): 64 of 128 columns black
  const pyramid = new OverviewPyramid(board, pool);
  assert.is(pyramid.levels, 8);
  let started = performance.now();
  const top = decode(await pyramid.tile(7, 0, 0));
  const firstMs = performance.now() - started;
  assert.is(top.width, 250);
  assert.is(top.height, 250);
  assert.ok(top.px(0, 0).every((c) => c === 127 || c === 128), `${top.px(0, 0)}`);
  assert.equal(top.px(1, 0), WHITE);
  assert.equal(top.px(200, 249), expectedAverage(board, 7, 200, 249));

  board.set(31999, 31999, 1);
  started = performance.now();
  const again = decode(await pyramid.tile(7, 0, 0));
  const rerenderMs = performance.now() - started;
  assert.equal(again.px(249, 249), expectedAverage(board, 7, 249, 249));
  assert.is(pyramid.renders, 2);
  console.log(`    mosaic top tile (300 painted chunks): first ${firstMs.toFixed(0)} ms, after one write ${rerenderMs.toFixed(0)} ms`);
});

test.run();
