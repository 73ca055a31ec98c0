// Starts a real server in-process on a free loopback port for a test.
import { defaultConfig, type ServerConfig } from '../../src/config.js';
import { createApp } from '../../src/app/app.js';
import type { Canvas } from '../../src/app/canvas.js';
import type { AppConfig } from '../../src/canvas/board-config.js';
import type { Router } from '../../src/net/router.js';
import { TesseraServer } from '../../src/net/server.js';
import { createLogger } from '../../src/telemetry/log.js';

export interface RunningServer {
  server: TesseraServer;
  /** The product's canvas, when the server runs the product (startApp). */
  canvas?: Canvas;
  port: number;
  httpUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  // Tests open connections from 127.0.0.1 in quick succession: no attempt-rate limit unless a test sets one.
  return { ...defaultConfig, host: '127.0.0.1', port: 0, logLevel: 'silent', connectionRatePerIp: 1e6, connectionBurstPerIp: 1e6, ...overrides };
}

async function run(server: TesseraServer, stop: () => Promise<void>, canvas?: Canvas): Promise<RunningServer> {
  const { port } = await server.listen();
  return {
    server,
    ...(canvas ? { canvas } : {}),
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    stop,
  };
}

/** The product's own routes. */
export function startApp(overrides: Partial<ServerConfig> = {}, appConfig?: AppConfig): Promise<RunningServer> {
  const config = testConfig(overrides);
  const app = createApp(config, createLogger(config.logLevel), appConfig);
  return run(app.server, () => app.shutdown(), app.canvas);
}

/** A server with routes the test defines. */
export function startWithRouter(router: Router, overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  const config = testConfig(overrides);
  const server = new TesseraServer(config, router, createLogger(config.logLevel));
  return run(server, () => server.shutdown());
}
