// Wires the routes of the product onto a server, and owns what they share.
import { systemClock, type Clock } from '../clock.js';
import { PngPool } from '../canvas/render/index.js';
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
  /** The PNG worker threads of the API's images. */
  pngPool: PngPool;
  /** Shuts the server down gracefully, then ends what the app owns (the PNG workers). */
  shutdown(): Promise<void>;
}

export function createApp(config: ServerConfig, boards: readonly BoardDefinition[], log: Logger, clock: Clock = systemClock): App {
  const { server, router, webSockets } = createNetworkStack(config, log, clock);
  const canvas = new Canvas(config, boards, server.registry, clock);
  const pngPool = new PngPool();
  router
    .http('GET', '/health', healthHandler(server, webSockets))
    .http('GET', '/metrics', metricsHandler(server))
    .http('GET', '/', pageHandler(server.staticFiles, config.trustedProxies))
    .upgrade('/echo', webSockets.handler(echoEndpoint))
    .upgrade('/ws', webSockets.handler(canvasEndpoint(canvas)));
  registerApiRoutes(router, canvas, config, pngPool);
  canvas.start();
  server.onShutdown.push(() => canvas.stop());
  return {
    server,
    webSockets,
    canvas,
    pngPool,
    // The pool closes last: responses still finishing during the server's shutdown may need it.
    shutdown: () => server.shutdown().then(() => pngPool.close()),
  };
}
