// Stage 2: is the write possible on this board at all? Coordinates inside,
// colours of the palette, a kind of write the board's policy allows. Nothing
// here depends on who writes or when.
import type { Board } from '../canvas/board.js';
import { RejectReason } from '../protocol/types.js';
import type { WritePolicy } from './write-policy.js';
import type { Write } from './write.js';

export function validate(board: Board, policy: WritePolicy, write: Write): RejectReason | null {
  switch (write.kind) {
    case 'pixel':
      if (!board.isInside(write.x, write.y)) return RejectReason.INVALID_COORDS;
      if (!board.isValidColor(write.color)) return RejectReason.INVALID_COLOR;
      return null;
    case 'batch':
      return validateBatch(board, policy, write.pixels, write.count);
    case 'tile':
      return validateTile(board, policy, write.tx, write.ty, write.colors);
  }
}

function validateBatch(board: Board, policy: WritePolicy, pixels: Uint8Array, count: number): RejectReason | null {
  if (count === 0 || count > policy.maxBatch || (count > 1 && !policy.strokes)) return RejectReason.NOT_ALLOWED;
  for (let i = 0; i < count * 5; i += 5) {
    if (!board.isInside((pixels[i]! << 8) | pixels[i + 1]!, (pixels[i + 2]! << 8) | pixels[i + 3]!)) return RejectReason.INVALID_COORDS;
    if (!board.isValidColor(pixels[i + 4]!)) return RejectReason.INVALID_COLOR;
  }
  return null;
}

function validateTile(board: Board, policy: WritePolicy, tx: number, ty: number, colors: Uint8Array): RejectReason | null {
  const { tileSize } = board.config;
  if (!policy.tileWrites || tileSize === null) return RejectReason.NOT_ALLOWED;
  if (!board.isValidTile(tx, ty)) return RejectReason.INVALID_COORDS;
  if (colors.length !== tileSize * tileSize) return RejectReason.NOT_ALLOWED;
  if (!board.areValidColors(colors)) return RejectReason.INVALID_COLOR;
  return null;
}
