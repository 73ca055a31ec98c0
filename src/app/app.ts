// Wires the routes of the product onto a server.
import type { BoardDefinition } from '../config/boards.js';
import type { ServerConfig } from '../config/settings.js';
import { Router } from '../net/router.js';
import { TesseraServer } from '../net/server.js';
import type { Logger } from '../telemetry/log.js';
import { registerApiRoutes } from './api/routes.js';
import { Canvas } from './canvas.js';
import { canvasEndpoint } from './canvas-endpoint.js';
import { echoEndpoint } from './echo.js';
import { pageHandler } from './page.js';
import { healthHandler, metricsHandler } from './status.js';

export interface App {
  server: TesseraServer;
  canvas: Canvas;
}

export function createApp(config: ServerConfig, boards: readonly BoardDefinition[], log: Logger): App {
  const router = new Router();
  const server = new TesseraServer(config, router, log);
  const canvas = new Canvas(config, boards, server.registry);
  router
    .http('GET', '/health', healthHandler(server))
    .http('GET', '/metrics', metricsHandler(server))
    .http('GET', '/', pageHandler(server.context.staticFiles, config.trustedProxies))
    .websocket('/echo', echoEndpoint)
    .websocket('/ws', canvasEndpoint(canvas));
  registerApiRoutes(router, canvas, config);
  canvas.start();
  server.onShutdown.push(() => canvas.stop());
  return { server, canvas };
}
