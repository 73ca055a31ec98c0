// Cross-site request forgery: a browser page on another origin can make a visitor's
// browser POST here with the visitor's session cookie. Browsers name the page's origin
// in Origin on such requests, so a state-changing request with a foreign Origin is
// refused. Without Origin it comes from a script (curl, a bot), which carries no ambient
// authority to abuse, and is allowed (src/net/origin.ts).
import type { OriginPolicy } from '../../net/origin.js';
import { ApiError, type ApiHandler } from './errors.js';

export function sameOriginOnly(handler: ApiHandler, origins: OriginPolicy): ApiHandler {
  return (request, answerHeaders) => {
    const origin = request.head.headers.get('origin');
    if (origin !== undefined && !origins.allows(origin, request.head, request.remoteAddress)) {
      throw new ApiError(403, 'ORIGIN_NOT_ALLOWED', `requests from origin ${JSON.stringify(origin)} may not change the canvas`);
    }
    return handler(request, answerHeaders);
  };
}
