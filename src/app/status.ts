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

export function metricsHandler(server: TesseraServer): () => HttpResponse {
  return () => ({
    status: 200,
    headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
    body: server.registry.render(),
  });
}
