// A board snapshot's chunks as one deflated blob:
//   u32 count, then count × (u32 chunk index, u32 chunk version), then count × chunkSize² pixel
//   bytes, all big-endian, in the order given. Whole-board deflate compresses pixel art far better
//   than chunk by chunk, and zlib's async API runs it off the event loop.
import { promisify } from 'node:util';
import { deflate, inflate } from 'node:zlib';
import type { SnapshotChunk } from './storage.js';

const deflateAsync = promisify(deflate);
const inflateAsync = promisify(inflate);

const ENTRY_BYTES = 8;

/**
 * Copies the chunks into one buffer now (the board may change once this returns), then
 * compresses it off the event loop.
 */
export function compressChunks(chunks: readonly SnapshotChunk[], chunkSize: number): Promise<Buffer> {
  const chunkPixels = chunkSize * chunkSize;
  const header = 4 + chunks.length * ENTRY_BYTES;
  const packed = Buffer.allocUnsafe(header + chunks.length * chunkPixels);
  packed.writeUInt32BE(chunks.length, 0);
  chunks.forEach((chunk, i) => {
    if (chunk.pixels.length !== chunkPixels) throw new RangeError(`chunk ${chunk.index} has ${chunk.pixels.length} pixels, not ${chunkPixels}`);
    packed.writeUInt32BE(chunk.index, 4 + i * ENTRY_BYTES);
    packed.writeUInt32BE(chunk.version, 8 + i * ENTRY_BYTES);
    packed.set(chunk.pixels, header + i * chunkPixels);
  });
  return deflateAsync(packed);
}

/** The chunks of a blob from compressChunks; their pixels share one buffer. */
export async function decompressChunks(blob: Uint8Array, chunkSize: number): Promise<SnapshotChunk[]> {
  const packed = await inflateAsync(blob);
  const chunkPixels = chunkSize * chunkSize;
  const count = packed.readUInt32BE(0);
  const header = 4 + count * ENTRY_BYTES;
  if (packed.length !== header + count * chunkPixels) throw new Error('snapshot blob does not match its chunk size');
  const chunks: SnapshotChunk[] = [];
  for (let i = 0; i < count; i++) {
    const start = header + i * chunkPixels;
    chunks.push({
      index: packed.readUInt32BE(4 + i * ENTRY_BYTES),
      version: packed.readUInt32BE(8 + i * ENTRY_BYTES),
      pixels: packed.subarray(start, start + chunkPixels),
    });
  }
  return chunks;
}
