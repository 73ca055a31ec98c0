// Wires the routes of the product onto a server, and owns what they share.
import { systemClock, type Clock } from '../clock.js';
import { PngPool } from '../canvas/render/index.js';
import { openPersistence } from './open-persistence.js';
import type { Persistence } from './persistence.js';
import type { BoardDefinition } from '../config/boards.js';
import type { ServerConfig } from '../config/settings.js';
import type { Router } from '../net/router.js';
import type { TesseraServer } from '../net/server.js';
import type { Logger } from '../telemetry/log.js';
import { WebSocketConnection } from '../websocket/connection.js';
import type { WebSocketAcceptor } from '../websocket/upgrade.js';
import { registerApiRoutes } from './api/routes.js';
import { Canvas } from './canvas.js';
import { canvasEndpoint, canvasSession } from './canvas-endpoint.js';
import { inspectorEndpoint } from './inspect/endpoint.js';
import { INSPECTOR_LIMITS, InspectorHub } from './inspect/hub.js';
import { echoEndpoint } from './echo.js';
import { pageHandler } from './page.js';
import { createNetworkStack } from './server.js';
import { healthHandler, metricsHandler, readyHandler } from './status.js';
import { registerModerationRoutes } from './moderation/routes.js';
import { Moderation } from './moderation/service.js';

export interface App {
  server: TesseraServer;
  router: Router;
  persistence: Persistence;
  webSockets: WebSocketAcceptor;
  canvas: Canvas;
  inspectors: InspectorHub;
  /** Accounts, bans, locks, rollback, board settings, reports, audit. */
  moderation: Moderation;
  /** The PNG worker threads of the API's images. */
  pngPool: PngPool;
  /** Shuts the server down gracefully, then ends what the app owns (the PNG workers). */
  shutdown(): Promise<void>;
}

/** The product, ready to listen: its boards restored from the data directory. */
export async function createApp(config: ServerConfig, boards: readonly BoardDefinition[], log: Logger, clock: Clock = systemClock): Promise<App> {
  const { server, router, webSockets } = createNetworkStack(config, log, clock);
  const persistence = await openPersistence(config, log, clock, server.registry, boards);
  const moderation = new Moderation(persistence.moderation, config, boards.map((board) => board.id), clock, log, server.registry);
  const canvas = new Canvas(config, boards, server.registry, persistence.commit, clock, moderation.authoriser);
  try {
    await persistence.restore(canvas.boards);
    // Cluster mode: told of other members' moderation changes from before attach() loads (none is missed).
    if (persistence.shareModeration) moderation.share(persistence.shareModeration((notice) => void moderation.reload(notice)));
    await moderation.attach(canvas);
  } catch (error) {
    await persistence.close([]);
    throw error;
  }
  if (persistence.shareOnline) canvas.onlineTotals = persistence.shareOnline(() => canvas.broadcaster.onlineCounts());
  const pngPool = new PngPool();
  // The wire inspector (/inspect): a session's own canvas connections, shown to its own pages.
  const inspectors = new InspectorHub(INSPECTOR_LIMITS, clock, (session) => canvasConnectionsOf(server, session));
  router
    .http('GET', '/health', healthHandler(server, webSockets))
    .http('GET', '/health/ready', readyHandler(server, persistence))
    .http('GET', '/metrics', metricsHandler(server))
    .http('GET', '/', pageHandler(server.staticFiles, config))
    .http('GET', '/inspect', pageHandler(server.staticFiles, config, '/inspect.html'))
    .upgrade('/inspect/ws', webSockets.handler(inspectorEndpoint(inspectors, config)))
    .upgrade('/ws', webSockets.handler(canvasEndpoint(canvas, moderation.live, inspectors)));
  // Conformance suites and benchmarks only: off unless asked for (--echo), since
  // every echo connection may hold a message of up to 16 MiB.
  if (config.echo) router.upgrade('/echo', webSockets.handler(echoEndpoint));
  registerApiRoutes(router, canvas, config, pngPool, persistence.storage);
  registerModerationRoutes(router, moderation, config, persistence.storage);
  canvas.start();
  persistence.start(canvas.boards);
  server.onShutdown.push(() => canvas.stop(), () => moderation.stop());
  return {
    server,
    router,
    persistence,
    webSockets,
    canvas,
    inspectors,
    moderation,
    pngPool,
    // Writes still committing finish before the storage closes; the pool closes last:
    // responses still finishing during the server's shutdown may need it.
    shutdown: () => server.shutdown().then(() => persistence.close(canvas.boards)).then(() => pngPool.close()),
  };
}

/** The open /ws connections of `session`. */
function canvasConnectionsOf(server: TesseraServer, session: string): WebSocketConnection[] {
  const found: WebSocketConnection[] = [];
  server.forEachOwner((owner) => {
    if (owner instanceof WebSocketConnection && canvasSession(owner) === session) found.push(owner);
  });
  return found;
}
