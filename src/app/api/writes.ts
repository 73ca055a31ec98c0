// What the write endpoints (pixels, tiles) share: who is writing, and how a
// placement's answer reads in HTTP. The rules themselves are the placement
// pipeline's, shared with the WebSocket, so both paths refuse the same things
// the same way (src/placement/pipeline.ts).
import type { Board } from '../../canvas/board.js';
import { jsonResponse, type HttpResponse } from '../../net/response.js';
import type { HttpRequest } from '../../net/router.js';
import type { PlacementResult, Write } from '../../placement/write.js';
import { REJECT_REASONS, RejectReason } from '../../protocol/messages.js';
import type { Canvas } from '../canvas.js';
import { identify, type Identity } from '../identity.js';
import { ApiError, type ApiHandler } from './errors.js';

export type RejectMessages = Partial<Record<RejectReason, string>>;

/**
 * The handler with the writer's identity (session cookie, client IP). Every answer,
 * errors included, sets the session cookie when the session is new, so the next
 * request is counted against the same session.
 */
type IdentifiedHandler = (request: HttpRequest, who: Identity) => HttpResponse | Promise<HttpResponse>;

export function withIdentity(canvas: Canvas, handler: IdentifiedHandler): ApiHandler {
  return (request, answerHeaders) => {
    const account = canvas.account(request);
    const who: Identity = { ...identify(request, canvas.settings), actor: account?.actor, role: account?.role };
    if (who.setCookie !== null) answerHeaders['Set-Cookie'] = who.setCookie;
    return handler(request, who);
  };
}

/** Runs `write` through the placement pipeline and answers it in HTTP. */
export function submitWrite(canvas: Canvas, board: Board, who: Identity, write: Write, messages: RejectMessages = {}): HttpResponse | Promise<HttpResponse> {
  const result = canvas.placements.submit({ board, writer: who, write, source: 'http' });
  if (result instanceof Promise) return result.then((settled) => placementResponse(settled, messages));
  return placementResponse(result, messages);
}

/** 200 {ok, count, color}; a refusal is thrown as its ApiError (429 and 503 with Retry-After). */
export function placementResponse(result: PlacementResult, messages: RejectMessages = {}): HttpResponse {
  if (result.ok) return jsonResponse(200, { ok: true, count: result.count, color: result.color }, { 'Cache-Control': 'no-store' });
  throw rejection(result.reason, messages[result.reason], result.retryAfterMs);
}

/** A refusal decided here, before the pipeline (e.g. an unreadable tile), counted like the pipeline's. */
export function refuse(canvas: Canvas, board: Board, reason: RejectReason, message: string, details: Record<string, unknown> = {}): ApiError {
  canvas.placements.countRefusal(board, reason);
  return rejection(reason, message, 0, details);
}

function rejection(reason: RejectReason, message = REJECT_REASONS[reason].message, retryAfterMs = 0, details: Record<string, unknown> = {}): ApiError {
  const { name, httpStatus } = REJECT_REASONS[reason];
  if (reason !== RejectReason.RATE_LIMITED && reason !== RejectReason.UNAVAILABLE) return new ApiError(httpStatus, name, message, {}, details);
  // Retry-After is whole seconds (RFC 9110 §10.2.3): round up, so retrying then succeeds.
  const retryAfter = String(Math.max(1, Math.ceil(retryAfterMs / 1000)));
  return new ApiError(httpStatus, name, message, { 'Retry-After': retryAfter }, { retryAfterMs, ...details });
}
