// GET /api/boards/:id/chunks/:cx/:cy (the chunk's palette indices) and
// GET /api/boards/:id/chunks/:cx/:cy.png (the chunk as an image). Both are
// tagged with the chunk's version, which grows with every write to it, so a
// client revalidates cheaply (If-None-Match → 304).
import { VersionedLru, VersionedPromiseLru } from '../../cache/versioned-lru.js';
import type { Board } from '../../canvas/board.js';
import { renderChunkPng, type PngEncoder } from '../../canvas/render/index.js';
import type { HttpResponse } from '../../net/response.js';
import type { HttpHandler, HttpRequest } from '../../net/router.js';
import type { Canvas } from '../canvas.js';
import { ApiError } from './errors.js';
import { boardFrom, gzipAsync, integerParam, notModified, wantsGzip } from './http.js';

interface ChunkAt {
  board: Board;
  cx: number;
  cy: number;
  chunk: number;
  version: number;
}

function chunkAt(canvas: Canvas, request: HttpRequest): ChunkAt {
  const board = boardFrom(canvas, request);
  const cx = integerParam(request, 'cx');
  const cy = integerParam(request, 'cy');
  if (cx >= board.chunksX || cy >= board.chunksY) {
    throw new ApiError(404, 'CHUNK_NOT_FOUND', `board "${board.config.id}" has chunks (0..${board.chunksX - 1}, 0..${board.chunksY - 1}), not (${cx}, ${cy})`);
  }
  const chunk = cy * board.chunksX + cx;
  return { board, cx, cy, chunk, version: board.chunkVersion(chunk) };
}

/** `epoch` tells this process's versions from an earlier one's (they restart at 0). */
export function chunkHandlers(canvas: Canvas, epoch: string, pngEncoder: PngEncoder): { bytes: HttpHandler; png: HttpHandler } {
  // Compressed chunks: at most 8 MiB, so ~130 full 256² chunks or thousands of sparse ones.
  const gzipped = new VersionedPromiseLru<string, Buffer>({ maxEntries: 4096, maxBytes: 8 * 1024 * 1024, byteLength: (gz) => gz.length });
  const pngs = new VersionedPromiseLru<string, Buffer>({ maxEntries: 1024, maxBytes: 16 * 1024 * 1024, byteLength: (png) => png.length });
  // Uncompressed copies of written chunks, so a chunk asked for again and again (pipelined,
  // by many viewers) is copied once per version, not once per request: at most 8 MiB.
  const copies = new VersionedLru<string, Buffer>({ maxEntries: 4096, maxBytes: 8 * 1024 * 1024, byteLength: (copy) => copy.length });
  // A never-written chunk is all background: one shared buffer per board (never written to).
  const emptyChunks = new Map<Board, Buffer>();

  function snapshot(board: Board, chunk: number): Buffer {
    const live = board.chunkData(chunk);
    // A copy: the live array changes with the next write, while the response may still be queued.
    if (live !== null) return Buffer.from(live);
    let empty = emptyChunks.get(board);
    if (empty === undefined) {
      empty = Buffer.alloc(board.config.chunkSize * board.config.chunkSize, board.config.background);
      emptyChunks.set(board, empty);
    }
    return empty;
  }

  function bytes(request: HttpRequest): HttpResponse | Promise<HttpResponse> {
    const { board, chunk, version } = chunkAt(canvas, request);
    const gzip = wantsGzip(request);
    const etag = `"${epoch}-c${version}"`;
    // The gzipped bytes are a different representation: the same tag, marked weak.
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      'Cache-Control': 'no-cache',
      Vary: 'Accept-Encoding',
      ETag: gzip ? `W/${etag}` : etag,
    };
    if (notModified(request, etag)) return { status: 304, headers };
    // Every never-written chunk of a board has the same bytes: one cache entry for all.
    const key = version === 0 ? `${board.index}:empty` : `${board.index}:${chunk}`;
    if (!gzip) {
      if (version === 0) return { status: 200, headers, body: snapshot(board, chunk) }; // the shared empty chunk
      return { status: 200, headers, body: copies.get(key, version, () => snapshot(board, chunk)) };
    }
    // The snapshot is taken now, in this tick, so it is this version's even if gzip finishes later.
    return gzipped.get(key, version, () => gzipAsync(snapshot(board, chunk))).then((gz) => ({
      status: 200,
      headers: { ...headers, 'Content-Encoding': 'gzip' },
      body: gz,
    }));
  }

  function png(request: HttpRequest): HttpResponse | Promise<HttpResponse> {
    const { board, cx, cy, chunk, version } = chunkAt(canvas, request);
    const headers = { 'Content-Type': 'image/png', 'Cache-Control': 'no-cache', ETag: `"${epoch}-p${version}"` };
    if (notModified(request, headers.ETag)) return { status: 304, headers };
    // renderChunkPng copies the pixels before it returns, so the image is this version's.
    return pngs.get(`${board.index}:${chunk}`, version, () => renderChunkPng(board, cx, cy, pngEncoder)).then((body) => ({ status: 200, headers, body }));
  }

  return { bytes, png };
}
