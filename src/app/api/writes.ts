// What the write endpoints (pixels, tiles) share: who is writing, and how a
// placement's answer reads in HTTP. The rules themselves live in Placements,
// shared with the WebSocket, so both paths refuse the same things the same way.
import type { Board } from '../../canvas/board.js';
import { REJECT_NAMES, type PlacementResult } from '../../canvas/placement.js';
import { jsonResponse, type HttpResponse } from '../../net/response.js';
import type { HttpRequest } from '../../net/router.js';
import { RejectReason } from '../../protocol/messages.js';
import type { Canvas } from '../canvas.js';
import { identify, type Identity } from '../identity.js';
import { ApiError, type ApiHandler } from './errors.js';

export const REJECT_STATUS: Record<RejectReason, number> = {
  [RejectReason.RATE_LIMITED]: 429,
  [RejectReason.INVALID_COORDS]: 400,
  [RejectReason.INVALID_COLOR]: 400,
  [RejectReason.LOCKED]: 403,
  [RejectReason.BANNED]: 403,
  [RejectReason.NOT_ALLOWED]: 403,
};

const DEFAULT_MESSAGES: Record<RejectReason, string> = {
  [RejectReason.RATE_LIMITED]: 'too many writes: wait retryAfterMs before the next one',
  [RejectReason.INVALID_COORDS]: 'not a place on this board',
  [RejectReason.INVALID_COLOR]: 'not a colour of this board’s palette',
  [RejectReason.LOCKED]: 'this region is locked',
  [RejectReason.BANNED]: 'you may not write to this board',
  [RejectReason.NOT_ALLOWED]: 'this board does not allow that kind of write',
};

export type RejectMessages = Partial<Record<RejectReason, string>>;

/**
 * The handler with the writer's identity (session cookie, client IP). Every answer,
 * errors included, sets the session cookie when the session is new, so the next
 * request is counted against the same session.
 */
export function withIdentity(canvas: Canvas, handler: (request: HttpRequest, who: Identity) => HttpResponse): ApiHandler {
  return (request, answerHeaders) => {
    const who = identify(request, canvas.config.server.trustedProxies);
    if (who.setCookie !== null) answerHeaders['Set-Cookie'] = who.setCookie;
    return handler(request, who);
  };
}

/** 200 {ok, count, color}; a refusal is thrown as its ApiError (429 with Retry-After). */
export function placementResponse(result: PlacementResult, messages: RejectMessages = {}): HttpResponse {
  if (result.ok) return jsonResponse(200, { ok: true, count: result.count, color: result.color }, { 'Cache-Control': 'no-store' });
  throw rejection(result.reason, messages[result.reason], result.retryAfterMs);
}

/** A refusal decided here rather than in Placements (it never got that far), counted like theirs. */
export function refuse(canvas: Canvas, board: Board, reason: RejectReason, message: string, details: Record<string, unknown> = {}): ApiError {
  canvas.metrics.rejects.inc({ board: board.config.id, reason: REJECT_NAMES[reason] });
  return rejection(reason, message, 0, details);
}

function rejection(reason: RejectReason, message = DEFAULT_MESSAGES[reason], retryAfterMs = 0, details: Record<string, unknown> = {}): ApiError {
  const code = REJECT_NAMES[reason];
  if (reason !== RejectReason.RATE_LIMITED) return new ApiError(REJECT_STATUS[reason], code, message, {}, details);
  // Retry-After is whole seconds (RFC 9110 §10.2.3): round up, so retrying then succeeds.
  const retryAfter = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  return new ApiError(429, code, message, { 'Retry-After': retryAfter }, { retryAfterMs, ...details });
}
