// POST /api/boards/:id/pixels {"x", "y", "color"}: one pixel, through the same
// placement pipeline (checks, rate limits, commit, broadcast) as the WebSocket's PLACE.
import { RejectReason } from '../../protocol/messages.js';
import type { Canvas } from '../canvas.js';
import { ApiError, type ApiHandler } from './errors.js';
import { boardFrom } from './http.js';
import { submitWrite, withIdentity } from './writes.js';

/** {"x":65535,"y":65535,"color":255} is 34 bytes: 1 KiB leaves room for whitespace, not for abuse. */
export const MAX_PIXEL_BODY_BYTES = 1024;

const FIELDS = ['x', 'y', 'color'] as const;
const EXAMPLE = '{"x":12,"y":34,"color":5}';
const utf8 = new TextDecoder('utf-8', { fatal: true });

interface PixelRequest {
  x: number;
  y: number;
  color: number;
}

/** The body as {x, y, color}, all numbers and nothing else; their values are the placement pipeline's to judge. */
export function parsePixel(body: Uint8Array): PixelRequest {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(body));
  } catch {
    throw new ApiError(400, 'BAD_JSON', `the body must be JSON like ${EXAMPLE}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ApiError(400, 'BAD_JSON', `the body must be a JSON object like ${EXAMPLE}`);
  }
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new ApiError(400, 'BAD_JSON', `unknown field ${JSON.stringify(key.slice(0, 40))}: the body has exactly x, y and color`);
    }
  }
  for (const key of FIELDS) {
    if (!(key in fields)) throw new ApiError(400, 'BAD_JSON', `missing field "${key}": the body is like ${EXAMPLE}`);
    if (typeof fields[key] !== 'number') throw new ApiError(400, 'BAD_JSON', `"${key}" must be a number, got ${JSON.stringify(fields[key])?.slice(0, 40)}`);
  }
  return fields as unknown as PixelRequest;
}

export function placePixel(canvas: Canvas): ApiHandler {
  return withIdentity(canvas, (request, who) => {
    const board = boardFrom(canvas, request);
    const { x, y, color } = parsePixel(request.body);
    const { id, width, height, palette } = board.config;
    return submitWrite(canvas, board, who, { kind: 'pixel', x, y, color }, {
      [RejectReason.INVALID_COORDS]: `(${x}, ${y}) is not a pixel of board "${id}": x is 0..${width - 1}, y is 0..${height - 1}`,
      [RejectReason.INVALID_COLOR]: `${color} is not a colour of board "${id}": color is a palette index, 0..${palette.length - 1}`,
      [RejectReason.NOT_ALLOWED]: `this write can never pass board "${id}"'s rate limits`,
    });
  });
}
