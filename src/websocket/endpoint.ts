// What an application provides to serve WebSocket connections on a path.
// Callbacks take the connection rather than being closures per connection,
// so an idle connection costs no per-connection handler objects.
import type { HttpRequest } from '../net/router.js';
import type { WebSocketConnection } from './connection.js';

export interface WebSocketLimits {
  maxFrameSize: number;
  maxMessageSize: number;
  maxFragments: number;
  messagesPerSecond: number;   // inbound rate; over it → close 1008
  messageBurst: number;
}

export interface WebSocketEndpoint {
  protocols: readonly string[];
  limits: WebSocketLimits;
  /**
   * Called once the handshake is valid, before the 101 is written: extra
   * response headers (e.g. Set-Cookie, as "Name: value\r\n" lines) and the
   * new connection's `context`.
   */
  accept?(request: HttpRequest): { headers?: string; context?: unknown };
  onOpen?(connection: WebSocketConnection): void;
  onMessage(connection: WebSocketConnection, data: Buffer, binary: boolean): void;
  onDrain?(connection: WebSocketConnection): void;
  onClose?(connection: WebSocketConnection, code: number, reason: string): void;
}
