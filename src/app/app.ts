// Wires the routes of the product onto a server.
import type { ServerConfig } from '../config.js';
import { Router } from '../net/router.js';
import { TesseraServer } from '../net/server.js';
import type { Logger } from '../telemetry/log.js';
import { echoEndpoint } from './echo.js';
import { healthHandler, metricsHandler } from './status.js';

export function createApp(config: ServerConfig, log: Logger): TesseraServer {
  const router = new Router();
  const server = new TesseraServer(config, router, log);
  router
    .http('GET', '/health', healthHandler(server))
    .http('GET', '/metrics', metricsHandler(server))
    .websocket('/echo', echoEndpoint);
  return server;
}
