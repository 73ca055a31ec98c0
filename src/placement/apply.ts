// Stages 6 and 7: apply a committed write to the board. The board records
// every pixel it writes in its change tracker, which the broadcaster drains
// at its next tick: that is the publication to every subscriber.
import type { Board } from '../canvas/board.js';
import type { Write } from './write.js';

/** Writes `write` (validated) to `board`; returns the pixels written. */
export function apply(board: Board, write: Write): number {
  switch (write.kind) {
    case 'pixel':
      board.setPixel(write.x, write.y, write.color);
      return 1;
    case 'batch': {
      const { pixels, count } = write;
      for (let i = 0; i < count * 5; i += 5) {
        board.setPixel((pixels[i]! << 8) | pixels[i + 1]!, (pixels[i + 2]! << 8) | pixels[i + 3]!, pixels[i + 4]!);
      }
      return count;
    }
    case 'tile':
      return board.writeTile(write.tx, write.ty, write.colors);
  }
}
