// The HTTP side of a WebSocket: the opening handshake (RFC 6455 §4.2) for
// each endpoint, registered with the router as an UpgradeHandler. An accepted
// handshake writes the 101 and hands the socket to a new WebSocketConnection;
// a refused one goes back to the HTTP connection as an error response.
//
//   const webSockets = new WebSocketAcceptor(settings, { clock, log, registry });
//   router.upgrade('/echo', webSockets.handler(echoEndpoint));
import type { Socket } from 'node:net';
import type { Clock } from '../clock.js';
import { errorResponse, type HttpResponse } from '../net/response.js';
import type { OriginPolicy } from '../net/origin.js';
import type { HttpRequest, UpgradeHandler } from '../net/router.js';
import { setOwner } from '../net/socket-owner.js';
import type { Logger } from '../telemetry/log.js';
import type { Registry } from '../telemetry/metrics.js';
import { createWebSocketMetrics, type WebSocketMetrics } from '../telemetry/server-metrics.js';
import { WebSocketConnection, type ConnectionServices } from './connection.js';
import type { WebSocketEndpoint } from './endpoint.js';
import { checkHandshake, handshakeResponse, type HandshakeOptions } from './handshake.js';
import type { ProtocolSettings } from './protocol.js';

export interface WebSocketSettings {
  origins: OriginPolicy;           // which browser pages may connect
  pingIntervalMs: number;          // keepalive ping to a silent peer
  idleTimeoutMs: number;           // a peer silent this long is dropped
  closeTimeoutMs: number;          // how long we wait for the peer's Close, then for its end of TCP
}

export interface WebSocketDependencies {
  clock: Clock;
  log: Logger;
  /** Where the WebSocket metrics are registered (the server's /metrics). */
  registry: Registry;
}

/** The WebSocket side of one server: its settings and metrics, shared by every endpoint and connection. */
export class WebSocketAcceptor implements ConnectionServices {
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: WebSocketMetrics;

  constructor(
    readonly settings: WebSocketSettings,
    dependencies: WebSocketDependencies,
  ) {
    this.clock = dependencies.clock;
    this.log = dependencies.log;
    this.metrics = createWebSocketMetrics(dependencies.registry);
  }

  /** Open WebSocket connections. */
  get openCount(): number {
    return this.metrics.webSocketConnections.current;
  }

  /** The handler that serves `endpoint`: register it with `router.upgrade(path, handler)`. */
  handler(endpoint: WebSocketEndpoint): UpgradeHandler {
    return new EndpointUpgrade(endpoint, this);
  }
}

class EndpointUpgrade implements UpgradeHandler {
  // Built once per endpoint and shared by all its connections.
  private readonly handshake: HandshakeOptions;
  private readonly protocol: ProtocolSettings;

  constructor(
    private readonly endpoint: WebSocketEndpoint,
    private readonly acceptor: WebSocketAcceptor,
  ) {
    const { settings } = acceptor;
    const { maxFrameSize, maxMessageSize, maxFragments } = endpoint.limits;
    this.handshake = { origins: settings.origins, protocols: endpoint.protocols };
    this.protocol = {
      frames: { maxFrameSize, maxMessageSize, maxFragments, expectMasked: true },
      pingIntervalMs: settings.pingIntervalMs,
      idleTimeoutMs: settings.idleTimeoutMs,
      closeTimeoutMs: settings.closeTimeoutMs,
    };
  }

  upgrade(request: HttpRequest, socket: Socket, rest: Buffer): HttpResponse | null {
    const { endpoint, acceptor } = this;
    if (request.body.length > 0) return this.refuse(400, 'an upgrade request has no body');
    const result = checkHandshake(request.head, this.handshake, request.remoteAddress);
    if (!result.ok) return this.refuse(result.status, result.reason, result.headers);
    acceptor.metrics.handshakes.inc({ result: 'accepted' });
    const accepted = endpoint.accept?.(request);
    socket.write(handshakeResponse(result.acceptKey, result.protocol, accepted?.headers ?? ''));
    const limiter = endpoint.messageLimiter(acceptor.clock.now());
    const connection = new WebSocketConnection(socket, endpoint, this.protocol, limiter, acceptor);
    connection.context = accepted?.context ?? null;
    setOwner(socket, connection);
    endpoint.onOpen?.(connection);
    if (rest.length > 0) connection.onData(rest);
    return null;
  }

  private refuse(status: number, reason: string, headers?: [string, string][]): HttpResponse {
    this.acceptor.metrics.handshakes.inc({ result: String(status) });
    return errorResponse(status, reason, headers && Object.fromEntries(headers));
  }
}
