// Wires the routes of the product onto a server.
import { systemClock, type Clock } from '../clock.js';
import type { BoardDefinition } from '../config/boards.js';
import type { ServerConfig } from '../config/settings.js';
import type { TesseraServer } from '../net/server.js';
import type { Logger } from '../telemetry/log.js';
import type { WebSocketAcceptor } from '../websocket/upgrade.js';
import { registerApiRoutes } from './api/routes.js';
import { Canvas } from './canvas.js';
import { canvasEndpoint } from './canvas-endpoint.js';
import { echoEndpoint } from './echo.js';
import { pageHandler } from './page.js';
import { createNetworkStack } from './server.js';
import { healthHandler, metricsHandler } from './status.js';

export interface App {
  server: TesseraServer;
  webSockets: WebSocketAcceptor;
  canvas: Canvas;
}

export function createApp(config: ServerConfig, boards: readonly BoardDefinition[], log: Logger, clock: Clock = systemClock): App {
  const { server, router, webSockets } = createNetworkStack(config, log, clock);
  const canvas = new Canvas(config, boards, server.registry, clock);
  router
    .http('GET', '/health', healthHandler(server, webSockets))
    .http('GET', '/metrics', metricsHandler(server))
    .http('GET', '/', pageHandler(server.staticFiles, config))
    .upgrade('/echo', webSockets.handler(echoEndpoint))
    .upgrade('/ws', webSockets.handler(canvasEndpoint(canvas)));
  registerApiRoutes(router, canvas, config);
  canvas.start();
  server.onShutdown.push(() => canvas.stop());
  return { server, webSockets, canvas };
}
