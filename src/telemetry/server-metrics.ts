// The server's own counters, in one place so /metrics documents itself: the
// HTTP layer's, registered by the TCP server, and the WebSocket layer's,
// registered by the WebSocket acceptor. The connection gauges are counted by
// the connections themselves: up when one starts owning its socket, down when
// it lets go.
import type { Registry } from './metrics.js';

export function createHttpMetrics(registry: Registry) {
  return {
    httpConnections: registry.gauge('tessera_http_connections', 'Open TCP connections speaking HTTP'),
    connectionsRefused: registry.counter('tessera_connections_refused_total', 'TCP connections refused at accept, by reason', ['reason']),
    httpResponses: registry.counter('tessera_http_responses_total', 'HTTP responses sent, by status', ['status']),
  };
}

export function createWebSocketMetrics(registry: Registry) {
  return {
    webSocketConnections: registry.gauge('tessera_websocket_connections', 'Open WebSocket connections'),
    handshakes: registry.counter('tessera_websocket_handshakes_total', 'WebSocket handshakes, by result (accepted or the refusal status)', ['result']),
    framesIn: registry.counter('tessera_websocket_frames_received_total', 'WebSocket messages and control frames received'),
    framesOut: registry.counter('tessera_websocket_frames_sent_total', 'WebSocket frames sent'),
    bytesIn: registry.counter('tessera_websocket_bytes_received_total', 'Bytes received on WebSocket connections'),
    bytesOut: registry.counter('tessera_websocket_bytes_sent_total', 'Bytes written to WebSocket connections'),
    closes: registry.counter('tessera_websocket_closes_total', 'WebSocket connections closed, by close code (1006: no close frame)', ['code']),
  };
}

export type HttpMetrics = ReturnType<typeof createHttpMetrics>;
export type WebSocketMetrics = ReturnType<typeof createWebSocketMetrics>;
