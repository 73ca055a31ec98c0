// The network stack, configured: the TCP/HTTP server, the WebSocket acceptor
// that endpoints register through, and the per-IP connection-rate limit, all
// built from one ServerConfig and sharing one clock. The routes are the
// caller's (app.ts for the product, tests for their own).
import { systemClock, type Clock } from '../clock.js';
import type { ServerConfig } from '../config/settings.js';
import { OriginPolicy } from '../net/origin.js';
import { Router } from '../net/router.js';
import { TesseraServer, type ServerSettings } from '../net/server.js';
import { sweepResolution } from '../net/sweeper.js';
import { KeyedBuckets } from '../ratelimit/keyed-buckets.js';
import { TokenBucket } from '../ratelimit/token-bucket.js';
import type { Logger } from '../telemetry/log.js';
import { WebSocketAcceptor, type WebSocketSettings } from '../websocket/upgrade.js';

export interface NetworkStack {
  server: TesseraServer;
  router: Router;
  webSockets: WebSocketAcceptor;
}

export function createNetworkStack(config: ServerConfig, log: Logger, clock: Clock = systemClock): NetworkStack {
  const router = new Router();
  const connectionRate = new KeyedBuckets({ capacity: config.connectionBurstPerIp, refillPerSecond: config.connectionRatePerIp });
  const server = new TesseraServer(serverSettings(config), { router, log, connectionRate, clock });
  const controlFrameLimiter = (now: number) => new TokenBucket(config.wsControlFrameBurst, config.wsControlFrameRate, now);
  const webSockets = new WebSocketAcceptor(webSocketSettings(config), { clock, log, registry: server.registry, controlFrameLimiter });
  return { server, router, webSockets };
}

export function serverSettings(config: ServerConfig): ServerSettings {
  return {
    host: config.host,
    port: config.port,
    publicDir: config.publicDir,
    maxConnections: config.maxConnections,
    maxConnectionsPerIp: config.maxConnectionsPerIp,
    ipv6PrefixLength: config.ipv6PrefixLength,
    maxQueuedAnswerBytes: config.maxQueuedAnswerBytes,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    maxHeaderBytes: config.maxHeaderBytes,
    maxHeaderCount: config.maxHeaderCount,
    headerTimeoutMs: config.headerTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    closeTimeoutMs: config.wsCloseTimeoutMs,
    // The one sweep runs every connection's deadlines, WebSocket ones included.
    sweepIntervalMs: sweepResolution([
      config.headerTimeoutMs, config.bodyTimeoutMs, config.keepAliveTimeoutMs,
      config.wsPingIntervalMs, config.wsMessageTimeoutMs, config.wsCloseTimeoutMs,
    ]),
  };
}

export function webSocketSettings(config: ServerConfig): WebSocketSettings {
  return {
    origins: new OriginPolicy(config.allowedOrigins, config.trustedProxies),
    pingIntervalMs: config.wsPingIntervalMs,
    idleTimeoutMs: config.wsIdleTimeoutMs,
    closeTimeoutMs: config.wsCloseTimeoutMs,
    messageTimeoutMs: config.wsMessageTimeoutMs,
    unfinishedMessageBytes: config.wsUnfinishedMessageBytes,
  };
}
