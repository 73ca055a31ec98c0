// The HTTP API of docs/API.md: read the boards, chunks and images; write pixels and tiles.
import type { PngEncoder } from '../../canvas/render/index.js';
import type { ServerConfig } from '../../config/settings.js';
import { OriginPolicy } from '../../net/origin.js';
import type { Router } from '../../net/router.js';
import type { Storage } from '../../storage/storage.js';
import type { Canvas } from '../canvas.js';
import { getBoard, listBoards } from './boards.js';
import { chunkHandlers } from './chunks.js';
import { exportHandlers } from './exports.js';
import { historyHandlers } from './history.js';
import { sameOriginOnly } from './csrf.js';
import { apiRoute, type ApiHandler } from './errors.js';
import { boardImage } from './images.js';
import { overviewHandlers } from './overview.js';
import { MAX_PIXEL_BODY_BYTES, placePixel } from './pixels.js';
import { MAX_TILE_BODY_BYTES, tileHandlers } from './tiles.js';

/** `pngEncoder` encodes the chunk, board and overview images. */
export function registerApiRoutes(router: Router, canvas: Canvas, config: ServerConfig, pngEncoder: PngEncoder, storage: Storage | null): void {
  // Names this process in ETags and overview URLs: versions restart at 0 with the process.
  const epoch = Math.floor(canvas.clock.now()).toString(36);
  const chunks = chunkHandlers(canvas, epoch, pngEncoder);
  const overview = overviewHandlers(canvas, epoch, pngEncoder);
  const tiles = tileHandlers(canvas);
  const history = historyHandlers(canvas, storage);
  const exports = exportHandlers(canvas, storage);
  // Every route is wrapped by apiRoute once: the one path of its errors (errors.ts).
  const origins = new OriginPolicy(config.allowedOrigins, config.trustedProxies);
  const write = (handler: ApiHandler) => apiRoute(sameOriginOnly(handler, origins));

  router
    .http('GET', '/api/boards', apiRoute(listBoards(canvas)))
    .http('GET', '/api/boards/:id', apiRoute(getBoard(canvas)))
    // The .png route first: `:cy` alone would also match "3.png".
    .http('GET', '/api/boards/:id/chunks/:cx/:cy.png', apiRoute(chunks.png))
    .http('GET', '/api/boards/:id/chunks/:cx/:cy', apiRoute(chunks.bytes))
    .http('GET', '/api/boards/:id/image.png', apiRoute(boardImage(canvas, epoch, pngEncoder, storage)))
    .http('GET', '/api/boards/:id/overview', apiRoute(overview.info))
    .http('GET', '/api/boards/:id/overview/:level/versions', apiRoute(overview.versions))
    .http('GET', '/api/boards/:id/overview/:level/:tx/:ty.png', apiRoute(overview.tile))
    .http('GET', '/api/boards/:id/pixels/:x/:y/history', apiRoute(history.pixel))
    .http('GET', '/api/boards/:id/recent', apiRoute(history.recent))
    .http('GET', '/api/boards/:id/area/history', apiRoute(history.area))
    .http('GET', '/api/sessions/me/history', apiRoute(history.mine))
    .http('GET', '/api/boards/:id/timelapse', apiRoute(exports.timelapse))
    .http('GET', '/api/boards/:id/placements.ndjson', apiRoute(exports.ndjson))
    .http('GET', '/api/boards/:id/placements.csv', apiRoute(exports.csv))
    .http('POST', '/api/boards/:id/pixels', write(placePixel(canvas)), { maxBodyBytes: MAX_PIXEL_BODY_BYTES })
    .http('PUT', '/api/boards/:id/tiles/:tx/:ty', write(tiles.put), { maxBodyBytes: MAX_TILE_BODY_BYTES })
    .http('DELETE', '/api/boards/:id/tiles/:tx/:ty', write(tiles.remove), { maxBodyBytes: 0 });
}
