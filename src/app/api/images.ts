// GET /api/boards/:id/image.png: the whole board as one PNG, for boards up to
// 4096×4096 (larger ones are served as the overview pyramid, overview.ts); with
// ?at=T, the board as it was at T (time-travel.ts).
import { VersionedPromiseLru } from '../../cache/versioned-lru.js';
import type { Board } from '../../canvas/board.js';
import { MAX_BOARD_PNG_SIDE, renderBoardPng, type PngEncoder } from '../../canvas/render/index.js';
import type { HttpHandler } from '../../net/router.js';
import type { Storage } from '../../storage/storage.js';
import type { Canvas } from '../canvas.js';
import { ApiError } from './errors.js';
import { boardFrom, notModified, timeQuery } from './http.js';
import { boardImageAt } from './time-travel.js';

/** Grows with every write anywhere on the board: the sum of its chunks' versions. */
export function boardVersion(board: Board): number {
  let sum = 0;
  for (let chunk = 0; chunk < board.chunkCount; chunk++) sum += board.chunkVersion(chunk);
  return sum;
}

export function boardImage(canvas: Canvas, epoch: string, pngEncoder: PngEncoder, storage: Storage | null): HttpHandler {
  // One image per board, the latest asked for.
  const images = new VersionedPromiseLru<number, Buffer>({ maxEntries: canvas.boards.length, maxBytes: 64 * 1024 * 1024, byteLength: (png) => png.length });
  const imageAt = boardImageAt(canvas, storage, epoch, pngEncoder);
  return (request) => {
    const board = boardFrom(canvas, request);
    const { id, width, height } = board.config;
    if (width > MAX_BOARD_PNG_SIDE || height > MAX_BOARD_PNG_SIDE) {
      const overview = `/api/boards/${id}/overview`;
      throw new ApiError(400, 'IMAGE_TOO_LARGE',
        `board "${id}" is ${width}×${height}, larger than ${MAX_BOARD_PNG_SIDE}×${MAX_BOARD_PNG_SIDE} for one image; use the overview tiles: GET ${overview}`,
        {}, { overview });
    }
    const version = boardVersion(board);
    const atMs = timeQuery(new URLSearchParams(request.query), 'at');
    if (atMs !== null) return imageAt(request, board, atMs, version);
    const headers = { 'Content-Type': 'image/png', 'Cache-Control': 'no-cache', ETag: `"${epoch}-b${version}"` };
    if (notModified(request, headers.ETag)) return { status: 304, headers };
    // renderBoardPng copies the pixels before it returns, so the image is this version's.
    return images.get(board.index, version, () => renderBoardPng(board, pngEncoder)).then((body) => ({ status: 200, headers, body }));
  };
}
