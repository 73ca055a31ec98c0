// Whole-board and single-chunk PNGs.
import type { PngEncoder } from './png-pool.js';
import { rasterizeIndexed } from './raster.js';
import { ImageTooLargeError, MAX_BOARD_PNG_SIDE, TileNotFoundError, type RenderableBoard } from './types.js';

/**
 * Chunk (cx, cy) as an RGB PNG of its real size: chunkSize × chunkSize, cropped to the
 * board on the right and bottom edges. Rejects with TileNotFoundError for a chunk
 * outside the board.
 */
export async function renderChunkPng(board: RenderableBoard, cx: number, cy: number, png: PngEncoder): Promise<Buffer> {
  if (!Number.isInteger(cx) || !Number.isInteger(cy) || cx < 0 || cy < 0 || cx >= board.chunksX || cy >= board.chunksY) {
    throw new TileNotFoundError(`no chunk (${cx}, ${cy}) on board ${board.config.id}`);
  }
  const { width, height, chunkSize } = board.config;
  const x0 = cx * chunkSize;
  const y0 = cy * chunkSize;
  const w = Math.min(chunkSize, width - x0);
  const h = Math.min(chunkSize, height - y0);
  return png.encodeIndexed(rasterizeIndexed(board, x0, y0, w, h), board.paletteRgb, w, h);
}

/**
 * The whole board as an RGB PNG. Boards wider or taller than 4096 pixels reject with
 * ImageTooLargeError (serve the overview pyramid instead). The pixels are copied out
 * synchronously, so the image is the board at the moment of the call.
 */
export async function renderBoardPng(board: RenderableBoard, png: PngEncoder): Promise<Buffer> {
  const { width, height } = board.config;
  if (width > MAX_BOARD_PNG_SIDE || height > MAX_BOARD_PNG_SIDE) throw new ImageTooLargeError(width, height);
  return png.encodeIndexed(rasterizeIndexed(board, 0, 0, width, height), board.paletteRgb, width, height);
}
