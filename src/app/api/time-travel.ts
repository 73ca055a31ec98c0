// GET /api/boards/:id/image.png?at=T: the board as it was at T. The newest snapshot at or
// before T is loaded onto a scratch board and the records after it, up to T, replayed; the
// scratch board is rendered by the board image path (PNG worker pool) and dropped. One
// scratch board exists at a time (requests queue for it), so memory stays bounded by one
// board (only its written chunks are allocated) plus the image cache.
import { VersionedPromiseLru } from '../../cache/versioned-lru.js';
import { Board } from '../../canvas/board.js';
import { renderBoardPng, type PngEncoder } from '../../canvas/render/index.js';
import type { HttpResponse } from '../../net/response.js';
import type { HttpRequest } from '../../net/router.js';
import type { Storage } from '../../storage/storage.js';
import type { Canvas } from '../canvas.js';
import { replay } from '../replay.js';
import { historyStore } from './history.js';
import { notModified } from './http.js';

// Writes reach the history a commit after they happen: a moment younger than this may still
// gain records, so its image is cached per board version; older moments never change.
const SETTLED_AFTER_MS = 60_000;

export function boardImageAt(canvas: Canvas, storage: Storage | null, epoch: string, pngEncoder: PngEncoder) {
  const images = new VersionedPromiseLru<string, Buffer>({ maxEntries: 64, maxBytes: 64 * 1024 * 1024, byteLength: (png) => png.length });
  let scratchFree: Promise<unknown> = Promise.resolve();

  /** The PNG of `board` at `atMs`, rendered once the scratch board is free. */
  const render = (store: Storage, board: Board, atMs: number): Promise<Buffer> => {
    const png = scratchFree.then(async () => {
      const scratch = new Board(board.config, board.index);
      const snapshot = await store.snapshotAt(board.config.id, atMs);
      if (snapshot !== null) for (const chunk of snapshot.chunks) scratch.restoreChunk(chunk.index, chunk.version, chunk.pixels);
      for await (const page of store.placementsAfter(board.config.id, snapshot?.seq ?? 0, atMs)) {
        for (const record of page) replay(scratch, record);
      }
      return renderBoardPng(scratch, pngEncoder); // copies the pixels before it returns
    });
    scratchFree = png.catch(() => {});
    return png;
  };

  /** `boardVersion`: the board's version now (images.ts). */
  return (request: HttpRequest, board: Board, atMs: number, boardVersion: number): Promise<HttpResponse> | HttpResponse => {
    const store = historyStore(storage);
    const version = atMs < canvas.clock.now() - SETTLED_AFTER_MS ? 0 : boardVersion;
    const headers = { 'Content-Type': 'image/png', 'Cache-Control': 'no-cache', ETag: `"${epoch}-t${atMs}-b${version}"` };
    if (notModified(request, headers.ETag)) return { status: 304, headers };
    return images.get(`${board.index}@${atMs}`, version, () => render(store, board, atMs)).then((body) => ({ status: 200, headers, body }));
  };
}
