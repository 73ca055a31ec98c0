// GET /health and GET /metrics.
import type { TesseraServer } from '../net/server.js';
import { jsonResponse, type HttpResponse } from '../net/response.js';
import type { WebSocketAcceptor } from '../websocket/upgrade.js';

export function healthHandler(server: TesseraServer, webSockets: WebSocketAcceptor): () => HttpResponse {
  return () =>
    jsonResponse(200, {
      status: server.shuttingDown ? 'shutting-down' : 'ok',
      uptimeSeconds: Math.round(server.uptimeMs / 10) / 100,
      connections: { http: server.httpConnectionCount, websocket: webSockets.openCount },
    });
}

/** GET /health/ready: 200 while this process takes writes (a balancer's readiness check), else 503. */
export function readyHandler(server: TesseraServer, persistence: { ready(): boolean; appliedSeq(): number }): () => HttpResponse {
  return () => {
    const isReady = !server.shuttingDown && persistence.ready();
    // appliedSeq: every write up to it is on this process's boards (processes compare it).
    return jsonResponse(isReady ? 200 : 503, { ready: isReady, appliedSeq: persistence.appliedSeq() });
  };
}

export function metricsHandler(server: TesseraServer): () => HttpResponse {
  return () => ({
    status: 200,
    headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
    body: server.registry.render(),
  });
}
