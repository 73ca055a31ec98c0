import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Board } from '../src/canvas/board.js';
import { DEFAULT_CONFIG_PATH, loadAppConfig } from '../src/config/load.js';
import type { BoardDefinition as BoardConfig } from '../src/config/boards.js';
import { liveBytes } from './support/heap.js';

const defaults = loadAppConfig(DEFAULT_CONFIG_PATH);
const [PLACE, PIXELS, MOSAIC] = defaults.boards as [BoardConfig, BoardConfig, BoardConfig];

function config(overrides: Partial<BoardConfig>): BoardConfig {
  return { ...PLACE, id: 'test', ...overrides };
}

test('geometry: chunk counts, including uneven edges', () => {
  const place = new Board(PLACE, 0);
  assert.is(place.index, 0);
  assert.is(place.config, PLACE);
  assert.equal([place.chunksX, place.chunksY], [10, 10]);
  assert.equal([new Board(PIXELS, 1).chunksX, new Board(PIXELS, 1).chunksY], [9, 9]);
  assert.equal([new Board(MOSAIC, 2).chunksX, new Board(MOSAIC, 2).chunksY], [125, 125]);
  const uneven = new Board(config({ width: 1000, height: 600, chunkSize: 256 }), 0);
  assert.equal([uneven.chunksX, uneven.chunksY], [4, 3]);
});

test('bounds: integers inside the board only', () => {
  const board = new Board(PIXELS, 1);
  assert.ok(board.isInside(0, 0));
  assert.ok(board.isInside(899, 899));
  assert.not.ok(board.isInside(900, 0));
  assert.not.ok(board.isInside(0, 900));
  assert.not.ok(board.isInside(-1, 5));
  assert.not.ok(board.isInside(1.5, 5));
  assert.not.ok(board.isInside(NaN, 5));
  assert.not.ok(board.isInside(5, Infinity));
});

test('palette: valid indices and RGB bytes', () => {
  const place = new Board(PLACE, 0);
  assert.ok(place.isValidColor(0));
  assert.ok(place.isValidColor(15));
  assert.not.ok(place.isValidColor(16));
  assert.not.ok(place.isValidColor(-1));
  assert.not.ok(place.isValidColor(2.5));
  assert.is(place.paletteRgb.length, 48);
  assert.equal([...place.paletteRgb.subarray(0, 3)], [255, 255, 255]);
  assert.equal([...place.paletteRgb.subarray(45, 48)], [0x82, 0x00, 0x80]);
  assert.ok(place.areValidColors(Uint8Array.of(0, 15, 3)));
  assert.not.ok(place.areValidColors(Uint8Array.of(0, 16)));
  assert.ok(new Board(MOSAIC, 2).areValidColors(Uint8Array.of(255)));
});

test('chunks are allocated on first write; unwritten pixels read as background', () => {
  const board = new Board(PIXELS, 1);
  assert.is(board.allocatedChunks, 0);
  assert.is(board.getPixel(450, 450), 31);
  assert.is(board.chunkData(board.chunkOf(450, 450)), null);
  assert.is(board.chunkVersion(board.chunkOf(450, 450)), 0);

  board.setPixel(450, 451, 2);
  const chunk = board.chunkOf(450, 451);
  assert.is(chunk, 4 * 9 + 4);
  assert.is(board.allocatedChunks, 1);
  assert.is(board.getPixel(450, 451), 2);
  assert.is(board.getPixel(451, 451), 31, 'the rest of the new chunk is background');
  const data = board.chunkData(chunk)!;
  assert.is(data.length, 10_000);
  assert.is(data[51 * 100 + 50], 2, 'offset is row-major within the chunk');
  assert.is(board.chunkData(chunk - 1), null);
});

test('versions grow by one per write, even of the same colour', () => {
  const board = new Board(PLACE, 0);
  const chunk = board.chunkOf(10, 10);
  board.setPixel(10, 10, 5);
  board.setPixel(10, 10, 5);
  board.setPixel(11, 10, 5);
  assert.is(board.chunkVersion(chunk), 3);
  assert.is(board.chunkVersion(chunk + 1), 0);
});

test('takeChanges dedupes, sorts, and resets', () => {
  const board = new Board(PLACE, 0);
  board.setPixel(15, 3, 1);
  board.setPixel(2, 0, 2);
  for (let i = 0; i < 5; i++) board.setPixel(7, 1, i);
  board.setPixel(150, 250, 9);   // another chunk
  board.setPixel(2, 0, 4);

  const changes = board.takeChanges();
  assert.is(changes.length, 2);
  const [first, second] = changes as [typeof changes[0], typeof changes[0]];
  assert.equal({ ...first, offsets: [...first.offsets] },
    { chunk: 0, cx: 0, cy: 0, fromVersion: 0, toVersion: 8, offsets: [2, 107, 315] });
  assert.equal({ ...second, offsets: [...second.offsets] },
    { chunk: 21, cx: 1, cy: 2, fromVersion: 0, toVersion: 1, offsets: [5000 + 50] });
  assert.is(board.getPixel(7, 1), 4, 'the chunk holds the final colour');
  assert.equal(board.takeChanges(), [], 'nothing new since');
});

test('fromVersion/toVersion chain across ticks', () => {
  const board = new Board(PLACE, 0);
  board.setPixel(1, 1, 1);
  board.setPixel(2, 2, 2);
  const tick1 = board.takeChanges()[0]!;
  assert.equal([tick1.fromVersion, tick1.toVersion], [0, 2]);
  board.setPixel(3, 3, 3);
  board.setPixel(3, 3, 4);
  board.setPixel(1, 1, 5);
  const tick2 = board.takeChanges()[0]!;
  assert.equal([tick2.fromVersion, tick2.toVersion], [2, 5]);
  assert.equal([...tick2.offsets], [101, 303]);
  board.setPixel(99, 99, 1);
  const tick3 = board.takeChanges()[0]!;
  assert.equal([tick3.fromVersion, tick3.toVersion, ...tick3.offsets], [5, 6, 9999]);
});

test('edge chunks: 1000 wide in chunks of 256 leaves a 232-wide last column', () => {
  const board = new Board(config({ width: 1000, height: 1000, chunkSize: 256 }), 0);
  assert.equal([board.chunksX, board.chunksY], [4, 4]);
  board.setPixel(999, 999, 7);
  const chunk = board.chunkOf(999, 999);
  assert.is(chunk, 15);
  const data = board.chunkData(chunk)!;
  assert.is(data.length, 256 * 256, 'edge chunks are padded to the full size');
  const offset = (999 - 768) * 256 + (999 - 768);
  assert.is(data[offset], 7);
  assert.is(data[offset + 1], PLACE.background, 'padding stays background');
  assert.equal(board.takeChanges().map((c) => [c.cx, c.cy, [...c.offsets]]), [[3, 3, [offset]]]);
  board.setPixel(768, 0, 1);
  assert.is(board.chunkOf(768, 0), 3);
  assert.is(board.chunkOf(767, 0), 2);
});

test('a chunk hammered far past its size keeps one entry per pixel', () => {
  const board = new Board(config({ width: 8, height: 8, chunkSize: 8 }), 0);
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 64; i += 3) board.setPixel(i % 8, i >> 3, round % 16);
  }
  const [change] = board.takeChanges();
  assert.is(change!.toVersion, 50 * 22);
  assert.equal([...change!.offsets], Array.from({ length: 22 }, (_, i) => i * 3));
  assert.ok(board.memoryBytes < 2_000, `${board.memoryBytes} bytes`);
});

test('dense changes come back sorted too', () => {
  const board = new Board(PLACE, 0);
  for (let i = 9999; i >= 0; i -= 2) board.setPixel(i % 100, Math.floor(i / 100), 3);
  const [change] = board.takeChanges();
  assert.is(change!.offsets.length, 5000);
  assert.equal([...change!.offsets], Array.from({ length: 5000 }, (_, i) => 2 * i + 1));
});

test('writeTile writes a whole tile into its chunk, one version per pixel', () => {
  const board = new Board(MOSAIC, 2);
  assert.ok(board.isValidTile(0, 0));
  assert.ok(board.isValidTile(999, 999));
  assert.not.ok(board.isValidTile(1000, 0));
  assert.not.ok(board.isValidTile(-1, 0));
  assert.not.ok(new Board(PLACE, 0).isValidTile(0, 0), 'place has no tiles');

  const colors = Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff);
  assert.is(board.writeTile(9, 17, colors), 1024); // pixels (288..319, 544..575): chunk (1, 2)
  const chunk = board.chunkOf(288, 544);
  assert.is(chunk, 2 * 125 + 1);
  assert.is(board.chunkVersion(chunk), 1024);
  assert.is(board.allocatedChunks, 1);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) assert.is(board.getPixel(288 + x, 544 + y), (y * 32 + x) & 0xff);
  }
  assert.is(board.getPixel(287, 544), MOSAIC.background);
  assert.is(board.getPixel(320, 544), MOSAIC.background);

  const [change] = board.takeChanges();
  assert.equal([change!.cx, change!.cy, change!.fromVersion, change!.toVersion, change!.offsets.length], [1, 2, 0, 1024, 1024]);
  const expected: number[] = [];
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) expected.push((32 + y) * 256 + 32 + x);
  assert.equal([...change!.offsets], expected);

  assert.throws(() => board.writeTile(1000, 0, colors), /not a tile/);
  assert.throws(() => board.writeTile(0, 0, colors.subarray(1)), /1024 colours/);
});

test('memory: the untouched 32000×32000 mosaic is under 1 MiB', () => {
  const board = new Board(MOSAIC, 2);
  assert.ok(board.memoryBytes < 1024 * 1024, `${board.memoryBytes} bytes`);
  board.writeTile(0, 0, new Uint8Array(1024));
  board.takeChanges();
  assert.ok(board.memoryBytes < 1024 * 1024 + 65536 + 262144, `one tile later: ${board.memoryBytes} bytes`);
});

test('memory: creating the mosaic grows the process by under 1 MiB', () => {
  const used = liveBytes;
  const before = used();
  const board = new Board(MOSAIC, 2);
  const growth = used() - before;
  assert.is(board.allocatedChunks, 0); // keeps the board alive across the measurement
  assert.ok(growth < 1024 * 1024, `${growth} bytes`);
});

test('memory: place fully painted is about its 1,000,000 pixel bytes', () => {
  const board = new Board(PLACE, 0);
  for (let y = 0; y < 1000; y++) for (let x = 0; x < 1000; x++) board.setPixel(x, y, (x ^ y) & 15);
  const changes = board.takeChanges();
  assert.is(changes.reduce((sum, c) => sum + c.offsets.length, 0), 1_000_000);
  assert.is(board.allocatedChunks, 100);
  assert.ok(board.memoryBytes >= 1_000_000 && board.memoryBytes < 1_050_000, `${board.memoryBytes} bytes`);
});

test.run();
