// API errors: every error body is JSON { "error": CODE, "message": text } (docs/API.md).
// Handlers throw ApiError; apiRoute turns it (and the renderers' "no such tile") into the response.
import { TileNotFoundError } from '../../canvas/render/index.js';
import { jsonResponse, type HttpResponse } from '../../net/response.js';
import type { HttpHandler } from '../../net/router.js';

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

  toResponse(): HttpResponse {
    return apiError(this.status, this.code, this.message, this.headers, this.details);
  }
}

export function apiError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  details: Record<string, unknown> = {},
): HttpResponse {
  return jsonResponse(status, { error: code, message, ...details }, { 'Cache-Control': 'no-store', ...headers });
}

/** The handler, with its thrown ApiErrors answered as JSON; anything else stays a 500. */
export function apiRoute(handler: HttpHandler): HttpHandler {
  return (request) => {
    try {
      const response = handler(request);
      return response instanceof Promise ? response.catch(asResponse) : response;
    } catch (error) {
      return asResponse(error);
    }
  };
}

function asResponse(error: unknown): HttpResponse {
  if (error instanceof ApiError) return error.toResponse();
  if (error instanceof TileNotFoundError) return apiError(404, 'TILE_NOT_FOUND', error.message);
  throw error;
}
