import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeChunkPixels, encodeChunkPixels } from '../src/protocol/chunk-encoding.js';
import { ChunkEncoding } from '../src/protocol/types.js';
import { mulberry32 as seeded } from './support/random.js';


function roundTrip(data: Uint8Array, chunkSize: number): { encoding: number; bytes: Uint8Array } {
  const encoded = encodeChunkPixels(data);
  assert.equal(decodeChunkPixels(encoded.encoding, encoded.bytes, chunkSize, 0), data);
  assert.ok(encoded.bytes.length <= data.length, 'never longer than raw');
  return encoded;
}

/** A 100×100 chunk on a white (0) background with a few painted shapes, like a busy r/place chunk. */
function pixelArtChunk(): Uint8Array {
  const size = 100;
  const data = new Uint8Array(size * size);
  const rect = (x0: number, y0: number, w: number, h: number, colour: number) => {
    for (let y = y0; y < y0 + h; y++) data.fill(colour, y * size + x0, y * size + x0 + w);
  };
  rect(5, 5, 30, 20, 5);       // a red flag
  rect(5, 12, 30, 6, 8);       //   with a yellow stripe
  rect(50, 10, 40, 40, 13);    // a blue square
  rect(60, 20, 20, 20, 0);     //   hollow
  for (let i = 0; i < 60; i++) data[(40 + (i >> 1)) * size + 10 + i] = 3; // a diagonal line
  rect(20, 70, 70, 25, 10);    // a green field
  const random = seeded(7);
  for (let i = 0; i < 150; i++) data[Math.floor(random() * data.length)] = Math.floor(random() * 16); // stray pixels
  return data;
}

test('null is Empty, with no bytes, and decodes to the background', () => {
  const encoded = encodeChunkPixels(null);
  assert.is(encoded.encoding, ChunkEncoding.Empty);
  assert.is(encoded.bytes.length, 0);
  assert.equal(decodeChunkPixels(ChunkEncoding.Empty, encoded.bytes, 8, 31), new Uint8Array(64).fill(31));
});

test('random data round-trips as raw', () => {
  const random = seeded(42);
  for (const size of [8, 100, 256]) {
    const data = Uint8Array.from({ length: size * size }, () => Math.floor(random() * 256));
    assert.is(roundTrip(data, size).encoding, ChunkEncoding.Raw, `size ${size}`);
  }
});

test('pixel-art-like data round-trips as runs, much shorter than raw', () => {
  const data = pixelArtChunk();
  const encoded = roundTrip(data, 100);
  assert.is(encoded.encoding, ChunkEncoding.Runs);
  assert.ok(encoded.bytes.length < data.length / 4, `${encoded.bytes.length} bytes`);
});

test('one colour: a single run; a full 256² chunk needs two (a run is at most 65535)', () => {
  const small = roundTrip(new Uint8Array(10_000).fill(9), 100);
  assert.is(small.encoding, ChunkEncoding.Runs);
  assert.equal([...small.bytes], [0x27, 0x10, 9]);

  const full = roundTrip(new Uint8Array(65536).fill(200), 256);
  assert.is(full.encoding, ChunkEncoding.Runs);
  assert.equal([...full.bytes], [0xff, 0xff, 200, 0x00, 0x01, 200]);

  const almost = new Uint8Array(65536).fill(200);
  almost[65535] = 1;
  assert.equal([...roundTrip(almost, 256).bytes], [0xff, 0xff, 200, 0x00, 0x01, 1]);
});

test('runs are chosen only when strictly shorter than raw', () => {
  // 64 pixels alternating in pairs: 32 runs = 96 bytes > 64 → raw.
  const pairs = Uint8Array.from({ length: 64 }, (_, i) => (i >> 1) & 1);
  assert.is(roundTrip(pairs, 8).encoding, ChunkEncoding.Raw);
  // Runs of 3: 22 runs = 66 bytes ≥ 64 → still raw. Runs of 4: 16 runs = 48 bytes → runs.
  assert.is(roundTrip(Uint8Array.from({ length: 64 }, (_, i) => Math.floor(i / 3) & 1), 8).encoding, ChunkEncoding.Raw);
  assert.is(roundTrip(Uint8Array.from({ length: 64 }, (_, i) => (i >> 2) & 1), 8).encoding, ChunkEncoding.Runs);
});

test('raw bytes are a copy, not the live chunk', () => {
  const data = Uint8Array.from({ length: 64 }, (_, i) => i);
  const encoded = encodeChunkPixels(data);
  data[0] = 99;
  assert.is(encoded.bytes[0], 0);
});

test('malformed input throws', () => {
  const runs = (...triples: [number, number][]) =>
    Uint8Array.from(triples.flatMap(([length, colour]) => [length >> 8, length & 0xff, colour]));
  assert.throws(() => decodeChunkPixels(ChunkEncoding.Runs, runs([63, 1]), 8, 0), /add up to 63 pixels, expected 64/);
  assert.throws(() => decodeChunkPixels(ChunkEncoding.Runs, runs([60, 1], [5, 2]), 8, 0), /more than 64/);
  assert.throws(() => decodeChunkPixels(ChunkEncoding.Runs, runs([0, 1], [64, 2]), 8, 0), /length 0/);
  assert.throws(() => decodeChunkPixels(ChunkEncoding.Runs, runs([64, 1]).subarray(0, 2), 8, 0), /3 bytes each/);
  assert.throws(() => decodeChunkPixels(ChunkEncoding.Runs, new Uint8Array(0), 8, 0), /add up to 0/);
  assert.throws(() => decodeChunkPixels(ChunkEncoding.Raw, new Uint8Array(63), 8, 0), /63 bytes, expected 64/);
  assert.throws(() => decodeChunkPixels(ChunkEncoding.Empty, new Uint8Array(1), 8, 0), /empty chunk/);
  assert.throws(() => decodeChunkPixels(3, new Uint8Array(64), 8, 0), /unknown chunk encoding 3/);
});

test.run();
