// Starts a real server in-process on a free loopback port for a test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/clock.js';
import { DEFAULT_CONFIG_PATH, loadAppConfig, type AppConfig } from '../../src/config/load.js';
import { defaultConfig, type ServerConfig } from '../../src/config/settings.js';
import { createApp } from '../../src/app/app.js';
import type { Canvas } from '../../src/app/canvas.js';
import type { InspectorHub } from '../../src/app/inspect/hub.js';
import type { Moderation } from '../../src/app/moderation/service.js';
import { createNetworkStack } from '../../src/app/server.js';
import type { Router } from '../../src/net/router.js';
import type { TesseraServer } from '../../src/net/server.js';
import { createLogger } from '../../src/telemetry/log.js';
import type { WebSocketAcceptor } from '../../src/websocket/upgrade.js';

export interface RunningServer {
  server: TesseraServer;
  /** The product's canvas, when the server runs the product (startApp). */
  canvas?: Canvas;
  /** The product's wire inspectors, when the server runs the product (startApp). */
  inspectors?: InspectorHub;
  /** The product's moderation service and its router (startApp). */
  moderation?: Moderation;
  router?: Router;
  /** The WebSocket acceptor every endpoint of this server registers through. */
  webSockets: WebSocketAcceptor;
  port: number;
  httpUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  // Tests open connections from 127.0.0.1 in quick succession: no attempt-rate limit unless a test sets one.
  return { ...defaultConfig, host: '127.0.0.1', port: 0, logLevel: 'silent', connectionRatePerIp: 1e6, connectionBurstPerIp: 1e6, ...overrides };
}

async function run(server: TesseraServer, webSockets: WebSocketAcceptor, stop: () => Promise<void>, canvas?: Canvas, inspectors?: InspectorHub): Promise<RunningServer> {
  const { port } = await server.listen();
  return {
    server,
    webSockets,
    ...(canvas ? { canvas } : {}),
    ...(inspectors ? { inspectors } : {}),
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    stop,
  };
}

/**
 * The product's own routes. Its boards are kept in a fresh data directory (real SQLite) that
 * stop() removes, unless the test names one (kept: e.g. to restart on it) or '' (memory only).
 */
export async function startApp(overrides: Partial<ServerConfig> = {}, appConfig: AppConfig = loadAppConfig(DEFAULT_CONFIG_PATH), clock?: Clock): Promise<RunningServer> {
  const ownDataDir = overrides.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'tessera-test-')) : null;
  // As in production: the file's settings, then what the test sets (its "flags").
  const config = testConfig({ ...appConfig.server, ...(ownDataDir === null ? {} : { dataDir: ownDataDir }), ...overrides });
  const app = await createApp(config, appConfig.boards, createLogger(config.logLevel), clock);
  const stop = async () => {
    await app.shutdown();
    if (ownDataDir !== null) rmSync(ownDataDir, { recursive: true, force: true });
  };
  const running = await run(app.server, app.webSockets, stop, app.canvas, app.inspectors);
  return { ...running, moderation: app.moderation, router: app.router };
}

/** A server with routes the test defines (WebSocket endpoints through `webSockets.handler`). */
export function startWithRoutes(
  routes: (router: Router, webSockets: WebSocketAcceptor) => void,
  overrides: Partial<ServerConfig> = {},
  clock?: Clock,
): Promise<RunningServer> {
  const config = testConfig(overrides);
  const { server, router, webSockets } = createNetworkStack(config, createLogger(config.logLevel), clock);
  routes(router, webSockets);
  return run(server, webSockets, () => server.shutdown());
}
