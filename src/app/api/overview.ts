// The overview pyramid (src/canvas/render/overview.ts) over HTTP, for boards too large
// for image.png:
//   GET /api/boards/:id/overview                         levels, tile counts, URL templates
//   GET /api/boards/:id/overview/:level/versions         the current `v` of every tile of a level
//   GET /api/boards/:id/overview/:level/:tx/:ty.png?v=…  a tile
// Tile URLs carry the tile's version, so a URL always shows the same picture and can be
// cached forever; a request with a missing or stale `v` is redirected to the current one.
import type { Board } from '../../canvas/board.js';
import { OverviewPyramid, type PngEncoder } from '../../canvas/render/index.js';
import type { HttpResponse } from '../../net/response.js';
import type { HttpHandler, HttpRequest } from '../../net/router.js';
import type { OverviewJson, OverviewVersionsJson } from '../../protocol/messages.js';
import type { Canvas } from '../canvas.js';
import { boardFrom, integerParam, jsonBody, notModified, wantsGzip } from './http.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

export function overviewHandlers(canvas: Canvas, epoch: string, pngEncoder: PngEncoder): { info: HttpHandler; versions: HttpHandler; tile: HttpHandler } {
  const pyramids = new Map<Board, OverviewPyramid>();
  // A level's version list changes only when its board does, and the mosaic's level 0
  // lists 15,625 tiles (≈ 200 KB of JSON): it is built once per board version and
  // encoding, not per request (at most two entries per level of each board).
  const versionLists = new Map<string, { boardVersion: number; response: HttpResponse | Promise<HttpResponse> }>();

  // Created on first use: a board nobody looks at from afar costs nothing.
  function pyramidOf(board: Board): OverviewPyramid {
    let pyramid = pyramids.get(board);
    if (pyramid === undefined) {
      pyramid = new OverviewPyramid(board, pngEncoder, { clock: canvas.clock });
      pyramids.set(board, pyramid);
    }
    return pyramid;
  }

  // Versions restart at 0 with the process, so `v` also names the process: a URL cached
  // forever must never show another picture after a restart.
  const v = (version: number): string => `${epoch}-${version}`;
  const base = (board: Board): string => `/api/boards/${board.config.id}/overview`;

  function info(request: HttpRequest): HttpResponse | Promise<HttpResponse> {
    const board = boardFrom(canvas, request);
    const { boardId, width, height, tilePixels, levels, tiles } = pyramidOf(board).info();
    const json: OverviewJson = {
      boardId, width, height, tilePixels, levels, tiles,
      tileUrl: `${base(board)}/{level}/{tx}/{ty}.png?v={v}`,
      versionsUrl: `${base(board)}/{level}/versions`,
    };
    return jsonBody(request, json);
  }

  function versions(request: HttpRequest): HttpResponse | Promise<HttpResponse> {
    const board = boardFrom(canvas, request);
    const level = integerParam(request, 'level');
    const pyramid = pyramidOf(board);
    pyramid.version(level, 0, 0); // TileNotFoundError → 404
    // The top level's one tile covers the whole board: its version is the board's.
    const boardVersion = pyramid.version(pyramid.levels - 1, 0, 0);
    const key = `${board.index}:${level}:${wantsGzip(request) ? 'gzip' : 'identity'}`;
    const cached = versionLists.get(key);
    if (cached !== undefined && cached.boardVersion === boardVersion) return cached.response;
    const { tilesX, tilesY } = pyramid.info().tiles[level]!;
    const json: OverviewVersionsJson = { level, tilesX, tilesY, v: pyramid.versions(level).map(v) };
    const response = shareable(jsonBody(request, json));
    versionLists.set(key, { boardVersion, response });
    return response;
  }

  function tile(request: HttpRequest): HttpResponse | Promise<HttpResponse> {
    const board = boardFrom(canvas, request);
    const level = integerParam(request, 'level');
    const tx = integerParam(request, 'tx');
    const ty = integerParam(request, 'ty');
    const pyramid = pyramidOf(board);
    const current = v(pyramid.version(level, tx, ty)); // TileNotFoundError → 404
    if (new URLSearchParams(request.query).get('v') !== current) {
      const location = `${base(board)}/${level}/${tx}/${ty}.png?v=${current}`;
      return { status: 302, headers: { Location: location, 'Cache-Control': 'no-cache' } };
    }
    const headers = { 'Content-Type': 'image/png', 'Cache-Control': IMMUTABLE, ETag: `"${current}"` };
    if (notModified(request, headers.ETag)) return { status: 304, headers };
    // Same tick as version() above: no write can come between, so the tile is this version's.
    return pyramid.tile(level, tx, ty).then((body) => ({ status: 200, headers, body }));
  }

  return { info, versions, tile };
}

/** The response with a Buffer body, so every request that shares it sends the same bytes without copying them. */
function shareable(response: HttpResponse | Promise<HttpResponse>): HttpResponse | Promise<HttpResponse> {
  if (response instanceof Promise) return response.then(shareable);
  return typeof response.body === 'string' ? { ...response, body: Buffer.from(response.body) } : response;
}
