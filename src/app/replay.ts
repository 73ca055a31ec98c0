// Writing stored history back onto a board: one record at a time (time travel, rollback), or a
// page of start-up's lean replay (../storage/replay-page.ts), written straight to the board.
import type { Board } from '../canvas/board.js';
import { packedColor, packedX, packedY, type ReplayPage, type TileWrite } from '../storage/replay-page.js';
import type { StoredPlacement } from '../storage/storage.js';

/** Writes one stored record back onto its board; returns the pixels written. */
export function replay(board: Board, record: StoredPlacement): number {
  if (record.kind === 'pixel') {
    if (!board.isInside(record.x, record.y)) return 0;
    board.setPixel(record.x, record.y, record.color);
    return 1;
  }
  return replayTile(board, record);
}

/**
 * Writes a page of writes onto the board, in order; returns the pixels written. Writes outside
 * the board (a record from before its configuration changed) are skipped, as replay skips them.
 */
export function replayPage(board: Board, page: ReplayPage): number {
  const { writes, tiles } = page;
  let pixels = 0;
  for (let i = 0; i < writes.length; i++) {
    const write = writes[i]!;
    if (write < 0) {
      pixels += replayTile(board, tiles[-1 - write]!);
      continue;
    }
    const x = packedX(write);
    const y = packedY(write);
    const color = packedColor(write);
    if (!board.isInside(x, y) || !board.isValidColor(color)) continue;
    board.setPixel(x, y, color);
    pixels++;
  }
  return pixels;
}

function replayTile(board: Board, tile: TileWrite): number {
  if (!board.isValidTile(tile.tx, tile.ty) || tile.colors.length !== (board.config.tileSize ?? 0) ** 2) return 0;
  return board.writeTile(tile.tx, tile.ty, tile.colors);
}
