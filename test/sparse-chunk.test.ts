// Sparse chunks (src/canvas/sparse-chunk.ts) and the board that holds them: a chunk holds only
// its written blocks until more than a quarter of them are written, then one dense array.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Board } from '../src/canvas/board.js';
import { BlockLayout, SparseChunk } from '../src/canvas/sparse-chunk.js';
import { DEFAULT_CONFIG_PATH, loadAppConfig } from '../src/config/load.js';
import type { BoardDefinition as BoardConfig } from '../src/config/boards.js';

const defaults = loadAppConfig(DEFAULT_CONFIG_PATH);
const [PLACE, , MOSAIC] = defaults.boards as [BoardConfig, BoardConfig, BoardConfig];
const BG = MOSAIC.background;

/** Every pixel of chunk `chunk` read one by one with getPixel. */
function chunkByPixels(board: Board, chunk: number): Uint8Array {
  const size = board.config.chunkSize;
  const cx = chunk % board.chunksX;
  const cy = (chunk - cx) / board.chunksX;
  const out = new Uint8Array(size * size).fill(board.config.background);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (cx * size + x < board.config.width && cy * size + y < board.config.height) out[y * size + x] = board.getPixel(cx * size + x, cy * size + y);
    }
  }
  return out;
}

test('block layout: the largest divisor of chunkSize from 8 to 32; none, no sparse phase', () => {
  assert.equal([BlockLayout.forChunkSize(256).blockSize, BlockLayout.forChunkSize(256).maxSparseBlocks], [32, 16]);
  assert.equal([BlockLayout.forChunkSize(100).blockSize, BlockLayout.forChunkSize(100).maxSparseBlocks], [25, 4]);
  assert.equal([BlockLayout.forChunkSize(16).blockSize, BlockLayout.forChunkSize(16).maxSparseBlocks], [16, 0]);
  const prime = BlockLayout.forChunkSize(37);
  assert.equal([prime.blockSize, prime.maxSparseBlocks], [37, 0]);
  assert.is(BlockLayout.forChunkSize(256).blockOf(255 * 256 + 255), 63);
  assert.is(BlockLayout.forChunkSize(256).blockOf(40 * 256 + 70), 1 * 8 + 2);
});

test('sparse chunk: reads what was written, background elsewhere; fill gives the dense chunk', () => {
  const layout = BlockLayout.forChunkSize(256);
  const sparse = new SparseChunk(layout, BG);
  const expected = new Uint8Array(256 * 256).fill(BG);
  const writes: [number, number][] = [[0, 1], [255, 2], [65535, 3], [40 * 256 + 70, 4], [41 * 256 + 70, 5], [40 * 256 + 70, 6]];
  for (const [offset, color] of writes) {
    assert.ok(sparse.set(offset, color));
    expected[offset] = color;
  }
  assert.is(sparse.blocks, 4, 'blocks 0, 7, 63 and 10');
  for (const [offset] of writes) assert.is(sparse.get(offset), expected[offset]);
  assert.is(sparse.get(1), BG, 'unwritten pixel of a written block');
  assert.is(sparse.get(100 * 256 + 100), BG, 'unwritten block');
  assert.ok(sparse.holds(31) && !sparse.holds(32));
  const dense = new Uint8Array(256 * 256);
  sparse.fill(dense);
  assert.ok(Buffer.from(dense).equals(expected));
  // The pool doubles: 4 blocks of 1 KiB and the 64-entry slot table.
  assert.is(sparse.memoryBytes, 4 * 1024 + 64 * 2);
});

test('sparse chunk: refuses the block past a quarter, and keeps accepting written blocks', () => {
  const layout = BlockLayout.forChunkSize(256);
  const sparse = new SparseChunk(layout, BG);
  const blockStart = (block: number) => (block >> 3) * 32 * 256 + (block & 7) * 32;
  for (let block = 0; block < 16; block++) assert.ok(sparse.set(blockStart(block) + 256 + 1, 1), `block ${block}`);
  assert.is(sparse.blocks, 16);
  assert.is(sparse.memoryBytes, 16 * 1024 + 64 * 2);
  assert.not.ok(sparse.set(255 * 256 + 255, 9), 'a 17th block is refused');
  assert.is(sparse.get(255 * 256 + 255), BG, 'and not written');
  assert.ok(sparse.set(blockStart(15), 9), 'a held block still takes writes');
  assert.is(sparse.get(blockStart(15)), 9);
  assert.is(sparse.get(blockStart(15) + 256 + 1), 1);
});

test('SparseChunk.from keeps only blocks with other than background; too many: null', () => {
  const layout = BlockLayout.forChunkSize(256);
  const pixels = new Uint8Array(256 * 256).fill(BG);
  pixels[5] = 1;
  pixels[200 * 256 + 17] = 2;
  const sparse = SparseChunk.from(pixels, layout, BG)!;
  assert.is(sparse.blocks, 2);
  const back = new Uint8Array(256 * 256);
  sparse.fill(back);
  assert.ok(Buffer.from(back).equals(pixels));
  assert.is(SparseChunk.from(new Uint8Array(256 * 256).fill(BG), layout, BG)!.blocks, 0);
  for (let block = 0; block < 17; block++) pixels[(block >> 3) * 32 * 256 + (block & 7) * 32] = 3;
  assert.is(SparseChunk.from(pixels, layout, BG), null);
});

test('board: a one-pixel write holds one block, not the chunk; reads, versions and chunkData agree', () => {
  const board = new Board(MOSAIC, 2);
  const chunk = board.chunkOf(300, 600);
  board.setPixel(300, 600, 7);
  board.setPixel(301, 600, 8);
  assert.is(board.allocatedChunks, 1);
  assert.is(board.denseChunks, 0);
  assert.is(board.allocatedBlocks, 1);
  assert.is(board.sparseBlocksOf(chunk), 1);
  assert.is(board.chunkVersion(chunk), 2);
  assert.equal([board.getPixel(300, 600), board.getPixel(301, 600), board.getPixel(302, 600)], [7, 8, BG]);
  const data = board.chunkData(chunk)!;
  assert.ok(Buffer.from(data).equals(chunkByPixels(board, chunk)));
  assert.is(board.chunkData(chunk + 1), null);
  assert.ok(board.isWritten(chunk) && !board.isWritten(chunk + 1));
  assert.ok(board.holdsPixelAt(chunk, (600 - 512) * 256 + 300 - 256));
  assert.not.ok(board.holdsPixelAt(chunk, 0));
  // A changed chunk is read again after the write, not from the stale scratch copy.
  board.setPixel(302, 600, 9);
  assert.is(board.chunkData(chunk)![(600 - 512) * 256 + 302 - 256], 9);
  const [change] = board.takeChanges();
  assert.equal([change!.chunk, change!.fromVersion, change!.toVersion, change!.offsets.length], [chunk, 0, 3, 3]);
});

test('board: the 17th block makes a chunk dense, with every earlier pixel and version kept', () => {
  const board = new Board(MOSAIC, 2);
  const chunk = 0;
  for (let block = 0; block < 16; block++) board.setPixel((block & 7) * 32 + 3, (block >> 3) * 32 + 4, block + 1);
  assert.is(board.sparseBlocksOf(chunk), 16);
  assert.is(board.denseChunks, 0);
  const before = board.memoryBytes;
  board.setPixel(255, 255, 99);
  assert.is(board.sparseBlocksOf(chunk), null);
  assert.is(board.denseChunks, 1);
  assert.is(board.allocatedChunks, 1);
  assert.is(board.allocatedBlocks, 64);
  assert.is(board.chunkVersion(chunk), 17);
  for (let block = 0; block < 16; block++) assert.is(board.getPixel((block & 7) * 32 + 3, (block >> 3) * 32 + 4), block + 1);
  assert.is(board.getPixel(255, 255), 99);
  assert.is(board.getPixel(100, 100), BG);
  assert.ok(Buffer.from(board.chunkData(chunk)!).equals(chunkByPixels(board, chunk)));
  assert.ok(board.memoryBytes - before >= 65536 - 16 * 1024 - 128, 'the dense array replaced the blocks');
});

test('board: writeTile into a sparse chunk holds the tile\'s block only', () => {
  const board = new Board(MOSAIC, 2);
  const colors = Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff);
  board.writeTile(9, 17, colors);
  const chunk = board.chunkOf(288, 544);
  assert.is(board.sparseBlocksOf(chunk), 1);
  assert.is(board.chunkVersion(chunk), 1024);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) assert.is(board.getPixel(288 + x, 544 + y), (y * 32 + x) & 0xff);
  // Seventeen tiles in one chunk: dense from the 17th, the rest written straight into it.
  for (let t = 0; t < 17; t++) board.writeTile(8 + (t & 7), 16 + (t >> 3), colors);
  assert.is(board.sparseBlocksOf(chunk), null);
  for (let t = 0; t < 17; t++) {
    const x0 = (8 + (t & 7)) * 32;
    const y0 = (16 + (t >> 3)) * 32;
    assert.is(board.getPixel(x0 + 5, y0 + 6), (6 * 32 + 5) & 0xff, `tile ${t}`);
  }
});

test('board: snapshot round trip keeps sparse chunks sparse and dense ones dense', () => {
  const board = new Board(MOSAIC, 2);
  board.setPixel(10, 10, 1);                 // chunk 0: one block
  for (let i = 0; i < 20; i++) board.setPixel(256 + (i & 7) * 32, (i >> 3) * 32, 2); // chunk 1: 20 blocks → dense
  board.setPixel(600, 20, BG);               // chunk 2: written with the background colour only
  const saved = [...board.writtenChunks()].map((c) => ({ ...c, pixels: c.pixels.slice() }));
  assert.equal(saved.map((c) => c.index), [0, 1, 2]);
  for (const c of saved) assert.ok(Buffer.from(c.pixels).equals(chunkByPixels(board, c.index)), `chunk ${c.index}`);

  const restored = new Board(MOSAIC, 2);
  for (const c of saved) restored.restoreChunk(c.index, c.version, c.pixels);
  assert.equal([0, 1, 2].map((c) => restored.sparseBlocksOf(c)), [1, null, 0]);
  assert.equal([0, 1, 2].map((c) => restored.chunkVersion(c)), [1, 20, 1]);
  assert.is(restored.allocatedChunks, 3, 'a chunk written with background stays written (its version is kept)');
  for (const c of saved) assert.ok(Buffer.from(restored.chunkData(c.index)!).equals(c.pixels), `chunk ${c.index}`);
  assert.is(restored.takeChanges().length, 0);
  // Restoring over a held chunk replaces it, and the counts follow.
  restored.restoreChunk(1, 21, new Uint8Array(256 * 256).fill(BG));
  assert.equal([restored.sparseBlocksOf(1), restored.denseChunks, restored.allocatedBlocks], [0, 0, 1]);
  assert.ok(Buffer.from(restored.chunkData(1)!).equals(new Uint8Array(256 * 256).fill(BG)), 'the scratch copy is not stale');
});

test('board with chunks of 100: blocks of 25, dense past 4 of 16', () => {
  const board = new Board(PLACE, 0);
  for (let i = 0; i < 4; i++) board.setPixel(i * 25, 0, 3);
  assert.equal([board.sparseBlocksOf(0), board.allocatedBlocks], [4, 4]);
  board.setPixel(99, 99, 4);
  assert.equal([board.sparseBlocksOf(0), board.allocatedBlocks, board.denseChunks], [null, 16, 1]);
  assert.equal([board.getPixel(0, 0), board.getPixel(75, 0), board.getPixel(99, 99), board.getPixel(50, 50)], [3, 3, 4, PLACE.background]);
});

test('memory: N one-pixel writes in N mosaic chunks cost N blocks, not N chunks', () => {
  const board = new Board(MOSAIC, 2);
  const empty = board.memoryBytes;
  const N = 1024;
  for (let i = 0; i < N; i++) board.setPixel((i % 125) * 256 + 7, Math.floor(i / 125) * 256 + 9, 5);
  board.takeChanges();
  const grown = board.memoryBytes - empty;
  // Per chunk a 1 KiB block, a 128-byte slot table and the change tracker's slot
  // (before: 64 KiB per chunk, 64 MiB in all).
  assert.ok(grown <= N * 2048, `${grown} bytes for ${N} chunks`);
  assert.is(board.allocatedChunks, N);
  assert.is(board.allocatedBlocks, N);
  assert.is(board.pixelBytes, N * (1024 + 128));
  for (let i = 0; i < N; i++) board.chunkData(i);
  assert.ok(board.memoryBytes - grown - empty <= 65536, 'reading them all adds one scratch chunk');
});

test.run();
