// Copies a rectangle of a board's palette indices out of its chunks.
import type { RenderableBoard } from './types.js';

/**
 * The palette indices of board pixels [x0, x0+w) × [y0, y0+h), row-major, one byte per
 * pixel. Never-written chunks read as the background index; the rectangle must lie
 * inside the board.
 */
export function rasterizeIndexed(board: RenderableBoard, x0: number, y0: number, w: number, h: number): Uint8Array<ArrayBuffer> {
  const { width, height, chunkSize: cs, background } = board.config;
  if (w < 1 || h < 1 || x0 < 0 || y0 < 0 || x0 + w > width || y0 + h > height) {
    throw new RangeError(`rectangle ${x0},${y0} ${w}×${h} is not inside the ${width}×${height} board`);
  }
  const out = new Uint8Array(w * h);
  const x1 = x0 + w;
  const y1 = y0 + h;
  const cx0 = Math.floor(x0 / cs);
  const cx1 = Math.floor((x1 - 1) / cs);
  const cy0 = Math.floor(y0 / cs);
  const cy1 = Math.floor((y1 - 1) / cs);
  for (let cy = cy0; cy <= cy1; cy++) {
    const chunkY = cy * cs;
    const iy0 = Math.max(y0, chunkY);
    const iy1 = Math.min(y1, chunkY + cs);
    for (let cx = cx0; cx <= cx1; cx++) {
      const chunkX = cx * cs;
      const ix0 = Math.max(x0, chunkX);
      const ix1 = Math.min(x1, chunkX + cs);
      const data = board.chunkData(cy * board.chunksX + cx);
      for (let y = iy0; y < iy1; y++) {
        const dst = (y - y0) * w + (ix0 - x0);
        if (data) {
          const src = (y - chunkY) * cs + (ix0 - chunkX);
          out.set(data.subarray(src, src + (ix1 - ix0)), dst);
        } else {
          out.fill(background, dst, dst + (ix1 - ix0));
        }
      }
    }
  }
  return out;
}
