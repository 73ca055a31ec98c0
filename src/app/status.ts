// GET /health and GET /metrics.
import type { TesseraServer } from '../net/server.js';
import { jsonResponse, type HttpResponse } from '../net/response.js';

export function healthHandler(server: TesseraServer): () => HttpResponse {
  return () => {
    const webSocket = server.context.webSocketCount;
    return jsonResponse(200, {
      status: server.context.shuttingDown ? 'shutting-down' : 'ok',
      uptimeSeconds: Math.round((Date.now() - server.startedAt) / 10) / 100,
      connections: { http: server.connectionCount - webSocket, websocket: webSocket },
    });
  };
}

export function metricsHandler(server: TesseraServer): () => HttpResponse {
  return () => ({
    status: 200,
    headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
    body: server.registry.render(),
  });
}
