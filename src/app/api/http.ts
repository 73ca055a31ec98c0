// Small pieces every API handler uses: the board of the path, numeric path
// parameters, conditional GETs and JSON that is gzipped when it is worth it.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Board } from '../../canvas/board.js';
import type { HttpResponse } from '../../net/response.js';
import type { HttpRequest } from '../../net/router.js';
import { acceptsGzip, etagMatches } from '../../net/static-route.js';
import type { Canvas } from '../canvas.js';
import { ApiError } from './errors.js';

export const gzipAsync = promisify(gzip);

// Below this a JSON body is sent as it is: gzip would save less than it costs.
const GZIP_JSON_FROM_BYTES = 1024;

/** How a path parameter is quoted in messages: short, whatever the client sent. */
export function quoted(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export function boardFrom(canvas: Canvas, request: HttpRequest): Board {
  const id = request.params.id ?? '';
  const board = canvas.byId.get(id);
  if (board === undefined) throw new ApiError(404, 'BOARD_NOT_FOUND', `there is no board ${quoted(id)}; GET /api/boards lists them`);
  return board;
}

/** A path parameter that must be a whole number written in decimal digits (else 400 BAD_PARAMETER). */
export function integerParam(request: HttpRequest, name: string): number {
  const text = request.params[name] ?? '';
  // Nine digits at most: every coordinate and level fits, and the number stays exact.
  if (!/^\d{1,9}$/.test(text)) throw new ApiError(400, 'BAD_PARAMETER', `${name} must be a whole number ≥ 0, got ${quoted(text)}`);
  return Number(text);
}

/** True when the request's If-None-Match names `etag` (weak comparison, so W/ forms match too). */
export function notModified(request: HttpRequest, etag: string): boolean {
  return etagMatches(request.head.headers.get('if-none-match'), etag);
}

export function wantsGzip(request: HttpRequest): boolean {
  return acceptsGzip(request.head.headers.get('accept-encoding'));
}

/** A 200 JSON response, gzipped when the client accepts it and the body is large enough to gain. */
export function jsonBody(request: HttpRequest, value: unknown, headers: Record<string, string> = {}): HttpResponse | Promise<HttpResponse> {
  const body = JSON.stringify(value);
  const all = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache', Vary: 'Accept-Encoding', ...headers };
  if (body.length < GZIP_JSON_FROM_BYTES || !wantsGzip(request)) return { status: 200, headers: all, body };
  return gzipAsync(body).then((gzipped) => ({ status: 200, headers: { ...all, 'Content-Encoding': 'gzip' }, body: gzipped }));
}

/** A moment given in the query as unix milliseconds or ISO 8601 (else 400 BAD_PARAMETER); null when absent. */
export function timeQuery(query: URLSearchParams, name: string): number | null {
  const text = query.get(name);
  if (text === null || text === '') return null;
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : /^\d{4}-\d\d-\d\d/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new ApiError(400, 'BAD_PARAMETER', `${name} must be unix milliseconds or an ISO 8601 time, got ${quoted(text)}`);
  return ms;
}
