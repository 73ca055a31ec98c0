// Every route of accounts and moderation (docs/API.md, "Accounts" and "Moderation").
import type { ServerConfig } from '../../config/settings.js';
import { OriginPolicy } from '../../net/origin.js';
import type { Router } from '../../net/router.js';
import type { Storage } from '../../storage/storage.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerAuthRoutes } from './auth-routes.js';
import { registerPublicModerationRoutes } from './public-routes.js';
import type { Moderation } from './service.js';

export function registerModerationRoutes(router: Router, moderation: Moderation, config: ServerConfig, storage: Storage | null): void {
  const origins = new OriginPolicy(config.allowedOrigins, config.trustedProxies);
  registerAuthRoutes(router, moderation, origins);
  registerPublicModerationRoutes(router, moderation, origins);
  registerAdminRoutes(router, moderation, origins, storage);
}
