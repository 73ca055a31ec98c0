// What an application provides to serve WebSocket connections on a path.
// Register it with WebSocketAcceptor.handler(endpoint) (upgrade.ts).
import type { HttpRequest } from '../net/router.js';
import type { ConnectionHandlers, WebSocketConnection } from './connection.js';
import type { DeflatePolicy } from './deflate-negotiation.js';
import type { MessageLimiter } from './protocol.js';

export interface WebSocketLimits {
  maxFrameSize: number;   // larger → 1009, as soon as the frame header arrives
  maxMessageSize: number; // summed over a message's fragments → 1009
  maxFragments: number;   // more fragments in one message → 1009
}

export interface WebSocketEndpoint extends ConnectionHandlers {
  /** Subprotocols this endpoint speaks, most preferred first. */
  protocols: readonly string[];
  limits: WebSocketLimits;
  /**
   * The inbound message-rate policy: a new limiter for each connection,
   * created at `now`. A message it refuses closes the connection with 1008.
   */
  messageLimiter(now: number): MessageLimiter;
  /**
   * permessage-deflate (RFC 7692): offered to clients with this policy, or
   * not at all when absent. See deflate-negotiation.ts.
   */
  compression?: DeflatePolicy;
  /**
   * Called once the handshake is valid, before the 101 is written: extra
   * response headers (e.g. Set-Cookie, as "Name: value\r\n" lines) and the
   * new connection's `context`, or a refusal (the HTTP status and reason the
   * client gets instead of the 101).
   */
  accept?(request: HttpRequest): { headers?: string; context?: unknown } | EndpointRefusal;
  /** The connection is open; `handshake` is what opened it, for those who show it (the wire inspector). */
  onOpen?(connection: WebSocketConnection, handshake: OpeningHandshake): void;
}

export interface EndpointRefusal {
  refuse: { status: 400 | 403 | 404 | 429 | 503; reason: string };
}

/** The request that opened a connection and the 101 that answered it, as sent. */
export interface OpeningHandshake {
  request: HttpRequest;
  response: string;
}
