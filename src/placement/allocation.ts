// What a write costs in memory: the chunks it writes that hold no pixels yet,
// each of which the board allocates whole (chunkSize² bytes: 64 KiB on the
// mosaic) on the first write. One pixel far from any drawing costs that much,
// so a stroke of 1,024 pixels in 1,024 empty chunks costs 64 MiB: writes are
// charged by this count ('chunk' buckets) and held to the board's maxChunks.
import type { Board } from '../canvas/board.js';
import type { Write } from './write.js';

// Chunk indices of one batch (at most 65,535 pixels), reused: no allocation per write.
const scratch = new Int32Array(65_535);

/** Distinct chunks `write` (validated) touches that are not allocated yet. */
export function newChunks(board: Board, write: Write): number {
  switch (write.kind) {
    case 'pixel':
      return board.chunkData(board.chunkOf(write.x, write.y)) === null ? 1 : 0;
    case 'tile': {
      const size = board.config.tileSize!;
      return board.chunkData(board.chunkOf(write.tx * size, write.ty * size)) === null ? 1 : 0;
    }
    case 'batch': {
      const { pixels, count } = write;
      let found = 0;
      for (let i = 0; i < count * 5; i += 5) {
        const chunk = board.chunkOf((pixels[i]! << 8) | pixels[i + 1]!, (pixels[i + 2]! << 8) | pixels[i + 3]!);
        if (board.chunkData(chunk) === null) scratch[found++] = chunk;
      }
      if (found <= 1) return found;
      const chunks = scratch.subarray(0, found).sort();
      let distinct = 1;
      for (let i = 1; i < found; i++) if (chunks[i] !== chunks[i - 1]) distinct++;
      return distinct;
    }
  }
}
