// The server's own counters, in one place so /metrics documents itself.
import { Registry } from './metrics.js';

export function createServerMetrics(registry: Registry, gauges: { httpConnections: () => number; webSocketConnections: () => number }) {
  return {
    httpConnections: registry.gauge('tessera_http_connections', 'Open TCP connections speaking HTTP', [], gauges.httpConnections),
    webSocketConnections: registry.gauge('tessera_websocket_connections', 'Open WebSocket connections', [], gauges.webSocketConnections),
    connectionsRefused: registry.counter('tessera_connections_refused_total', 'TCP connections refused at accept, by reason', ['reason']),
    httpResponses: registry.counter('tessera_http_responses_total', 'HTTP responses sent, by status', ['status']),
    handshakes: registry.counter('tessera_websocket_handshakes_total', 'WebSocket handshakes, by result (accepted or the refusal status)', ['result']),
    framesIn: registry.counter('tessera_websocket_frames_received_total', 'WebSocket messages and control frames received'),
    framesOut: registry.counter('tessera_websocket_frames_sent_total', 'WebSocket frames sent'),
    bytesIn: registry.counter('tessera_websocket_bytes_received_total', 'Bytes received on WebSocket connections'),
    bytesOut: registry.counter('tessera_websocket_bytes_sent_total', 'Bytes written to WebSocket connections'),
    closes: registry.counter('tessera_websocket_closes_total', 'WebSocket connections closed, by close code (1006: no close frame)', ['code']),
  };
}

export type ServerMetrics = ReturnType<typeof createServerMetrics>;
