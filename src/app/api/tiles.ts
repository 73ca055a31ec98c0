// PUT /api/boards/:id/tiles/:tx/:ty (a PNG of one tile) and DELETE (back to the
// background): a whole tile through the same placement pipeline, with the same
// rate limits, as the WebSocket's TILE_WRITE.
import type { Board } from '../../canvas/board.js';
import type { HttpRequest } from '../../net/router.js';
import { RejectReason } from '../../protocol/messages.js';
import type { Canvas } from '../canvas.js';
import type { Identity } from '../identity.js';
import { ApiError, type ApiHandler } from './errors.js';
import { boardFrom, integerParam } from './http.js';
import { tilePixels } from './tile-png.js';
import { refuse, submitWrite, withIdentity } from './writes.js';

/** A 32×32 tile is at most ~4 KiB of pixels; 64 KiB leaves room for metadata and larger tile sizes. */
export const MAX_TILE_BODY_BYTES = 64 * 1024;

interface TileAt {
  board: Board;
  tx: number;
  ty: number;
  tileSize: number;
}

function tileAt(canvas: Canvas, request: HttpRequest): TileAt {
  const board = boardFrom(canvas, request);
  const { id, width, height, tileSize } = board.config;
  if (tileSize === null || !canvas.policies[board.index]!.tileWrites) throw refuse(canvas, board, RejectReason.NOT_ALLOWED, `board "${id}" does not take tile writes`);
  const tx = integerParam(request, 'tx');
  const ty = integerParam(request, 'ty');
  if (!board.isValidTile(tx, ty)) {
    throw refuse(canvas, board, RejectReason.INVALID_COORDS,
      `(${tx}, ${ty}) is not a tile of board "${id}": tx is 0..${width / tileSize - 1}, ty is 0..${height / tileSize - 1}`);
  }
  return { board, tx, ty, tileSize };
}

function write(canvas: Canvas, who: Identity, { board, tx, ty }: TileAt, colors: Uint8Array) {
  return submitWrite(canvas, board, who, { kind: 'tile', tx, ty, colors });
}

export function tileHandlers(canvas: Canvas): { put: ApiHandler; remove: ApiHandler } {
  const put = withIdentity(canvas, (request, who) => {
    const at = tileAt(canvas, request);
    const type = request.head.headers.get('content-type');
    if (type !== undefined && type.split(';')[0]!.trim().toLowerCase() !== 'image/png') {
      throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `a tile is sent as Content-Type: image/png, not ${JSON.stringify(type.slice(0, 60))}`);
    }
    const pixels = tilePixels(request.body, at.tileSize, at.board);
    if (!pixels.ok) {
      const { x, y, color, alpha } = pixels;
      const what = alpha === 255 ? color : `${color} at alpha ${alpha}`;
      throw refuse(canvas, at.board, RejectReason.INVALID_COLOR,
        `pixel (${x}, ${y}) is ${what}: every pixel must be exactly a palette colour, or fully transparent for the background`,
        { x, y, color });
    }
    return write(canvas, who, at, pixels.colors);
  });

  const remove = withIdentity(canvas, (request, who) => {
    const at = tileAt(canvas, request);
    return write(canvas, who, at, new Uint8Array(at.tileSize * at.tileSize).fill(at.board.config.background));
  });

  return { put, remove };
}
