// What a write opens: the chunks it writes that hold no pixels yet. Each costs
// at least a block of memory (32×32 bytes on the mosaic; a chunk is dense,
// chunkSize² bytes, only once over a quarter of its blocks are written) and a
// chunk's worth of every snapshot (snapshots store chunks whole): writes are
// charged by this count ('chunk' buckets) and held to the board's maxChunks.
import type { Board } from '../canvas/board.js';
import type { Write } from './write.js';

// Chunk indices of one batch (at most 65,535 pixels), reused: no allocation per write.
const scratch = new Int32Array(65_535);

/** Distinct chunks `write` (validated) touches that are not allocated yet. */
export function newChunks(board: Board, write: Write): number {
  switch (write.kind) {
    case 'pixel':
      return board.isWritten(board.chunkOf(write.x, write.y)) ? 0 : 1;
    case 'tile': {
      const size = board.config.tileSize!;
      return board.isWritten(board.chunkOf(write.tx * size, write.ty * size)) ? 0 : 1;
    }
    case 'batch': {
      const { pixels, count } = write;
      let found = 0;
      for (let i = 0; i < count * 5; i += 5) {
        const chunk = board.chunkOf((pixels[i]! << 8) | pixels[i + 1]!, (pixels[i + 2]! << 8) | pixels[i + 3]!);
        if (!board.isWritten(chunk)) scratch[found++] = chunk;
      }
      if (found <= 1) return found;
      const chunks = scratch.subarray(0, found).sort();
      let distinct = 1;
      for (let i = 1; i < found; i++) if (chunks[i] !== chunks[i - 1]) distinct++;
      return distinct;
    }
  }
}
