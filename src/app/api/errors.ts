// The one path of every /api error. Handlers throw ApiError (or let a renderer's
// TileNotFoundError through); apiRoute, which wraps every /api route once, answers it as
// JSON { "error": CODE, "message": text, …details } (docs/API.md). Anything else thrown is
// a bug and stays the server's 500.
import { TileNotFoundError } from '../../canvas/render/index.js';
import { jsonResponse, type HttpResponse } from '../../net/response.js';
import type { HttpHandler, HttpRequest } from '../../net/router.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Extra fields of the error body, e.g. the offending pixel. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * An /api handler. `answerHeaders` starts empty; what the handler puts there goes on its
 * answer, errors included (a new writer's session cookie).
 */
export type ApiHandler = (request: HttpRequest, answerHeaders: Record<string, string>) => HttpResponse | Promise<HttpResponse>;

/** The handler, with its thrown ApiErrors answered as JSON. */
export function apiRoute(handler: ApiHandler): HttpHandler {
  return (request) => {
    const answerHeaders: Record<string, string> = {};
    const finish = (response: HttpResponse): HttpResponse =>
      Object.keys(answerHeaders).length === 0 ? response : { ...response, headers: { ...response.headers, ...answerHeaders } };
    const fail = (error: unknown): HttpResponse => finish(errorAnswer(error));
    try {
      const response = handler(request, answerHeaders);
      return response instanceof Promise ? response.then(finish, fail) : finish(response);
    } catch (error) {
      return fail(error);
    }
  };
}

/** The JSON answer to an API error; rethrows anything else. Never cached. */
function errorAnswer(error: unknown): HttpResponse {
  const api = error instanceof TileNotFoundError ? new ApiError(404, 'TILE_NOT_FOUND', error.message) : error;
  if (!(api instanceof ApiError)) throw error;
  return jsonResponse(api.status, { error: api.code, message: api.message, ...api.details }, { 'Cache-Control': 'no-store', ...api.headers });
}
