// Wires the routes of the product onto a server, and owns what they share.
import type { ServerConfig } from '../config.js';
import { Router } from '../net/router.js';
import { TesseraServer } from '../net/server.js';
import type { Logger } from '../telemetry/log.js';
import { DEFAULT_CONFIG_PATH, loadAppConfig, type AppConfig } from '../canvas/board-config.js';
import { PngPool } from '../canvas/render/index.js';
import { registerApiRoutes } from './api/routes.js';
import { Canvas } from './canvas.js';
import { canvasEndpoint } from './canvas-endpoint.js';
import { echoEndpoint } from './echo.js';
import { pageHandler } from './page.js';
import { healthHandler, metricsHandler } from './status.js';

export interface App {
  server: TesseraServer;
  canvas: Canvas;
  /** The PNG worker threads of the API's images. */
  pngPool: PngPool;
  /** Shuts the server down gracefully, then ends what the app owns (the PNG workers). */
  shutdown(): Promise<void>;
}

export function createApp(config: ServerConfig, log: Logger, appConfig?: AppConfig): App {
  const router = new Router();
  const server = new TesseraServer(config, router, log);
  const canvas = new Canvas(appConfig ?? loadAppConfig(config.config || DEFAULT_CONFIG_PATH), server.registry);
  const pngPool = new PngPool();
  router
    .http('GET', '/health', healthHandler(server))
    .http('GET', '/metrics', metricsHandler(server))
    .http('GET', '/', pageHandler(server.context.staticFiles, canvas.config.server.trustedProxies))
    .websocket('/echo', echoEndpoint)
    .websocket('/ws', canvasEndpoint(canvas));
  registerApiRoutes(router, canvas, config, pngPool);
  canvas.start();
  server.onShutdown.push(() => canvas.stop());
  return {
    server,
    canvas,
    pngPool,
    // The pool closes last: responses still finishing during the server's shutdown may need it.
    shutdown: () => server.shutdown().then(() => pngPool.close()),
  };
}
