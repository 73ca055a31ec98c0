// Wires the routes of the product onto a server, and owns what they share.
import { systemClock, type Clock } from '../clock.js';
import { PngPool } from '../canvas/render/index.js';
import { openPersistence, type Persistence } from './persistence.js';
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
import { healthHandler, metricsHandler, readyHandler } from './status.js';

export interface App {
  server: TesseraServer;
  persistence: Persistence;
  webSockets: WebSocketAcceptor;
  canvas: Canvas;
  /** The PNG worker threads of the API's images. */
  pngPool: PngPool;
  /** Shuts the server down gracefully, then ends what the app owns (the PNG workers). */
  shutdown(): Promise<void>;
}

/** The product, ready to listen: its boards restored from the data directory. */
export async function createApp(config: ServerConfig, boards: readonly BoardDefinition[], log: Logger, clock: Clock = systemClock): Promise<App> {
  const { server, router, webSockets } = createNetworkStack(config, log, clock);
  const persistence = await openPersistence(config, log, clock, server.registry, boards);
  const canvas = new Canvas(config, boards, server.registry, persistence.commit, clock);
  try {
    await persistence.restore(canvas.boards);
  } catch (error) {
    await persistence.close([]);
    throw error;
  }
  if (persistence.shareOnline) canvas.onlineTotals = persistence.shareOnline(() => canvas.broadcaster.onlineCounts());
  const pngPool = new PngPool();
  router
    .http('GET', '/health', healthHandler(server, webSockets))
    .http('GET', '/health/ready', readyHandler(server, persistence))
    .http('GET', '/metrics', metricsHandler(server))
    .http('GET', '/', pageHandler(server.staticFiles, config))
    .upgrade('/ws', webSockets.handler(canvasEndpoint(canvas)));
  // Conformance suites and benchmarks only: off unless asked for (--echo), since
  // every echo connection may hold a message of up to 16 MiB.
  if (config.echo) router.upgrade('/echo', webSockets.handler(echoEndpoint));
  registerApiRoutes(router, canvas, config, pngPool, persistence.storage);
  canvas.start();
  persistence.start(canvas.boards);
  server.onShutdown.push(() => canvas.stop());
  return {
    server,
    persistence,
    webSockets,
    canvas,
    pngPool,
    // Writes still committing finish before the storage closes; the pool closes last:
    // responses still finishing during the server's shutdown may need it.
    shutdown: () => server.shutdown().then(() => persistence.close(canvas.boards)).then(() => pngPool.close()),
  };
}
