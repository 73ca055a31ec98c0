// Records for the storage tests.
import type { PixelRecord, TileRecord } from '../../src/storage/storage.js';

export const T0 = 1_700_000_000_000;
const NO_IP = new Uint8Array(32);

export function pixel(boardId: string, x: number, y: number, color: number, more: Partial<PixelRecord> = {}): PixelRecord {
  return { kind: 'pixel', boardId, x, y, color, previousColor: 0, actor: 'alice', ipHash: NO_IP, timeMs: T0, source: 'ws', ...more };
}

/** A size × size tile of one colour. */
export function tile(boardId: string, tx: number, ty: number, size: number, color: number, more: Partial<TileRecord> = {}): TileRecord {
  return {
    kind: 'tile', boardId, tx, ty, colors: new Uint8Array(size * size).fill(color), previousColors: new Uint8Array(size * size),
    actor: 'alice', ipHash: NO_IP, timeMs: T0, source: 'http', ...more,
  };
}

export const WRITER_BATCH = 100;

/** The kill -9 writer's records: record n is fully determined by n, so the reader can check it. */
export function writerBatch(first: number, ipHash: Uint8Array): PixelRecord[] {
  const batch: PixelRecord[] = [];
  for (let n = first; n < first + WRITER_BATCH; n++) batch.push(writerRecord(n, ipHash));
  return batch;
}

export function writerRecord(n: number, ipHash: Uint8Array): PixelRecord {
  return pixel('main', n % 256, (n >> 8) % 256, n % 16, { actor: 'writer', ipHash, timeMs: T0 + n });
}
