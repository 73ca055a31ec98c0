// The client's streaming timelapse reader against the server's encoder: the same records
// come out whatever the pieces the stream arrives in (cut inside the header, a varint, a
// tile), a stream cut mid-record is not complete, and what is not a timelapse is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TimelapseEncoder } from '../src/app/api/timelapse-format.js';
import { parseAppConfig } from '../src/config/load.js';
import { TimelapseFormatError, TimelapseReader, type TimelapseStreamHeader } from '../src/protocol/timelapse-reader.js';
import type { StoredPlacement } from '../src/storage/storage.js';

const PALETTE = ['#FFFFFF', '#000000', '#E50000', '#02BE01'];
const BOARD = parseAppConfig({
  server: {},
  boards: [{ id: 'b', title: 'B', width: 300, height: 200, chunkSize: 40, palette: PALETTE, background: 0, tileSize: 4,
    policy: { strokes: true, maxBatch: 10, tileWrites: true, buckets: [{ key: 'ip', capacity: 10, refillPerSecond: 1, unit: 'pixel' }] } }],
}).boards[0]!;

type Decoded = { kind: 'pixel'; timeMs: number; x: number; y: number; color: number } | { kind: 'tile'; timeMs: number; tx: number; ty: number; colors: number[] };

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

function history(count: number, next: () => number, startMs: number): Decoded[] {
  const out: Decoded[] = [];
  let t = startMs;
  for (let i = 0; i < count; i++) {
    // Gaps from 0 ms to over a day, so varints of 1 to 5 bytes all occur.
    t += [0, 1, 63, 64, 8191, 8192, 90_000_000][Math.floor(next() * 7)]!;
    if (next() < 0.2) out.push({ kind: 'tile', timeMs: t, tx: Math.floor(next() * 75), ty: Math.floor(next() * 50), colors: Array.from({ length: 16 }, () => Math.floor(next() * 4)) });
    else out.push({ kind: 'pixel', timeMs: t, x: Math.floor(next() * 300), y: Math.floor(next() * 200), color: Math.floor(next() * 4) });
  }
  return out;
}

function encode(records: Decoded[], startMs: number): Uint8Array {
  const encoder = new TimelapseEncoder(BOARD, startMs);
  const pieces: Buffer[] = [];
  for (const record of records) {
    const stored = (record.kind === 'tile' ? { ...record, colors: Uint8Array.from(record.colors) } : record) as unknown as StoredPlacement;
    const piece = encoder.add(stored);
    if (piece) pieces.push(Buffer.from(piece));
  }
  pieces.push(Buffer.from(encoder.take()));
  return new Uint8Array(Buffer.concat(pieces));
}

function reader(): { reader: TimelapseReader; header: () => TimelapseStreamHeader | null; records: Decoded[] } {
  let header: TimelapseStreamHeader | null = null;
  const records: Decoded[] = [];
  const r = new TimelapseReader({
    header: (h) => (header = h),
    pixel: (timeMs, x, y, color) => records.push({ kind: 'pixel', timeMs, x, y, color }),
    tile: (timeMs, tx, ty, colors) => records.push({ kind: 'tile', timeMs, tx, ty, colors: [...colors] }),
  });
  return { reader: r, header: () => header, records };
}

test('every record comes out, whatever the pieces the stream arrives in', () => {
  const next = random(8);
  const startMs = 1_796_291_892_345;
  const made = history(3000, next, startMs);
  const bytes = encode(made, startMs);
  for (const maxPiece of [1, 2, 3, 7, 64, 4096, bytes.length]) {
    const { reader: r, header, records } = reader();
    for (let at = 0; at < bytes.length; ) {
      const size = Math.max(1, Math.ceil(next() * maxPiece));
      r.push(bytes.subarray(at, at + size));
      at += size;
    }
    assert.ok(r.complete, `pieces of up to ${maxPiece} bytes: complete`);
    const h = header()!;
    assert.equal([h.width, h.height, h.chunkSize, h.tileSize, h.startMs], [300, 200, 40, 4, startMs]);
    assert.equal([...h.palette], [255, 255, 255, 0, 0, 0, 0xe5, 0, 0, 2, 0xbe, 1]);
    assert.equal(records, made, `pieces of up to ${maxPiece} bytes`);
  }
});

test('a stream cut inside a record is not complete, and holds only the whole records', () => {
  const made = history(10, random(3), 1000).map((r) => ({ ...r, kind: 'pixel', x: 1, y: 2, color: 3 }) as Decoded);
  const bytes = encode(made, 1000);
  const { reader: r, records } = reader();
  r.push(bytes.subarray(0, bytes.length - 2));
  assert.not.ok(r.complete);
  assert.is(records.length, 9);
  const empty = reader();
  empty.reader.push(bytes.subarray(0, 10)); // not even the header
  assert.not.ok(empty.reader.complete);
  assert.is(empty.header(), null);
});

test('what is not a timelapse is refused with a clear error', () => {
  const bytes = encode([], 0);
  assert.throws(() => reader().reader.push(new TextEncoder().encode('{"error":"NO_HISTORY","message":"…"}')), (e: unknown) => e instanceof TimelapseFormatError && /not a timelapse/.test((e as Error).message));
  const v2 = bytes.slice();
  v2[4] = 2;
  assert.throws(() => reader().reader.push(v2), /version 2 is not 1/);
  const header = reader();
  header.reader.push(bytes);
  assert.ok(header.reader.complete, 'a header alone is an empty history');
  const endless = new Uint8Array([...bytes, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.throws(() => reader().reader.push(endless), /longer than 8 bytes/);
});

test.run();
