// Who may use a route: every /api/admin route checks Origin (403, the CSRF rule of
// src/app/api/csrf.ts, for reads too: an admin's answers are nobody else's business), then
// the account (401 without one), then its role (403 below the one needed), in that order.
import type { OriginPolicy } from '../../net/origin.js';
import type { HttpRequest } from '../../net/router.js';
import type { Role } from '../../storage/moderation.js';
import { sameOriginOnly } from '../api/csrf.js';
import { apiRoute, ApiError, type ApiHandler } from '../api/errors.js';
import type { HttpHandler } from '../../net/router.js';
import { hasRole, type Account } from './accounts.js';
import type { Moderation } from './service.js';

export type AccountHandler = (request: HttpRequest, account: Account, answerHeaders: Record<string, string>) => ReturnType<ApiHandler>;

export function guarded(moderation: Moderation, origins: OriginPolicy, role: Role, handler: AccountHandler): HttpHandler {
  return apiRoute(sameOriginOnly((request, answerHeaders) => {
    const account = moderation.accounts.resolve(request.head.headers.get('cookie'), moderation.clock.now());
    if (account === null) throw new ApiError(401, 'UNAUTHENTICATED', 'sign in first: POST /api/auth/login');
    if (!hasRole(account.user.role, role)) throw new ApiError(403, 'FORBIDDEN', `this needs the ${role} role; you are a ${account.user.role}`);
    return handler(request, account, answerHeaders);
  }, origins));
}
