// GET / (and GET /inspect): the client page, and the guest session cookie on the first visit so
// the WebSocket and API calls that follow already carry it.
import type { HttpRequest } from '../net/router.js';
import type { HttpResponse } from '../net/response.js';
import type { StaticFiles } from '../net/static-files.js';
import { serveStatic } from '../net/static-route.js';
import type { ServerConfig } from '../config/settings.js';
import { identify } from './identity.js';

/** Serves the request's path, or `file` when given (GET /inspect → /inspect.html). */
export function pageHandler(files: StaticFiles, settings: Pick<ServerConfig, 'trustedProxies' | 'ipv6PrefixLength'>, file?: string) {
  return async (request: HttpRequest): Promise<HttpResponse> => {
    const response = await serveStatic(file === undefined ? request : { ...request, path: file }, files);
    const { setCookie } = identify(request, settings);
    if (setCookie !== null && response.status < 400) response.headers = { ...response.headers, 'Set-Cookie': setCookie };
    return response;
  };
}
