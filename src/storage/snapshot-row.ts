// A snapshot row as both engines store it (board aside: each engine keys boards its own way) and
// its conversion back to a BoardSnapshot.
import { decompressChunks } from './snapshot-codec.js';
import type { BoardSnapshot } from './storage.js';

export interface SnapshotRow {
  seq: number;
  time_ms: number;
  width: number;
  height: number;
  chunk_size: number;
  data: Buffer;
}

/** The snapshot of `boardId` a query found, or null where it found none. */
export async function snapshotOf(boardId: string, row: SnapshotRow | undefined): Promise<BoardSnapshot | null> {
  if (row === undefined) return null;
  return {
    boardId,
    seq: row.seq,
    timeMs: row.time_ms,
    width: row.width,
    height: row.height,
    chunkSize: row.chunk_size,
    chunks: await decompressChunks(row.data, row.chunk_size),
  };
}
