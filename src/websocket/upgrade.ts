// The HTTP side of a WebSocket: the opening handshake (RFC 6455 §4.2) for
// each endpoint, registered with the router as an UpgradeHandler. An accepted
// handshake writes the 101 (with permessage-deflate, if the endpoint offers
// it and the client's offer is acceptable) and hands the socket to a new
// WebSocketConnection; a refused one goes back to the HTTP connection as an
// error response.
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
import { negotiateDeflate } from './deflate-negotiation.js';
import type { WebSocketEndpoint } from './endpoint.js';
import { checkHandshake, handshakeResponse, type HandshakeOptions } from './handshake.js';
import { MessageMemory } from './message-memory.js';
import { PerMessageDeflate } from './permessage-deflate.js';
import type { MessageLimiter, ProtocolSettings } from './protocol.js';

export interface WebSocketSettings {
  origins: OriginPolicy;           // which browser pages may connect
  pingIntervalMs: number;          // keepalive ping to a silent peer
  idleTimeoutMs: number;           // a peer silent this long is dropped
  closeTimeoutMs: number;          // how long we wait for the peer's Close, then for its end of TCP
  messageTimeoutMs: number;        // a data message must be whole this long after it began → 1008
  unfinishedMessageBytes: number;  // what unfinished messages of all connections may hold → 1013
}

export interface WebSocketDependencies {
  clock: Clock;
  log: Logger;
  /** Where the WebSocket metrics are registered (the server's /metrics). */
  registry: Registry;
  /** The budget of pings and pongs: a new limiter for each connection, created at `now`; past it → 1008. */
  controlFrameLimiter(now: number): MessageLimiter;
}

/** The WebSocket side of one server: its settings and metrics, shared by every endpoint and connection. */
export class WebSocketAcceptor implements ConnectionServices {
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: WebSocketMetrics;
  readonly controlFrameLimiter: (now: number) => MessageLimiter;
  /** Shared by every connection's frame parser. */
  readonly unfinishedMessages: MessageMemory;

  constructor(
    readonly settings: WebSocketSettings,
    dependencies: WebSocketDependencies,
  ) {
    this.clock = dependencies.clock;
    this.log = dependencies.log;
    this.metrics = createWebSocketMetrics(dependencies.registry);
    this.controlFrameLimiter = dependencies.controlFrameLimiter;
    this.unfinishedMessages = new MessageMemory(settings.unfinishedMessageBytes);
  }

  /** Open WebSocket connections. */
  get openCount(): number {
    return this.metrics.webSocketConnections.current;
  }

  /** Bytes held now by unfinished messages, all connections together. */
  get unfinishedMessageBytes(): number {
    return this.unfinishedMessages.held;
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
      frames: { maxFrameSize, maxMessageSize, maxFragments, expectMasked: true, unfinishedMessages: acceptor.unfinishedMessages },
      pingIntervalMs: settings.pingIntervalMs,
      idleTimeoutMs: settings.idleTimeoutMs,
      messageTimeoutMs: settings.messageTimeoutMs,
      closeTimeoutMs: settings.closeTimeoutMs,
    };
  }

  upgrade(request: HttpRequest, socket: Socket, rest: Buffer): HttpResponse | null {
    const { endpoint, acceptor } = this;
    if (request.body.length > 0) return this.refuse(400, 'an upgrade request has no body');
    const result = checkHandshake(request.head, this.handshake, request.remoteAddress);
    if (!result.ok) return this.refuse(result.status, result.reason, result.headers);
    const accepted = endpoint.accept?.(request);
    if (accepted !== undefined && 'refuse' in accepted) return this.refuse(accepted.refuse.status, accepted.refuse.reason);
    acceptor.metrics.handshakes.inc({ result: 'accepted' });
    const deflate = negotiateDeflate(request.head.headers.get('sec-websocket-extensions'), endpoint.compression ?? null);
    const response = handshakeResponse(result.acceptKey, result.protocol, deflate?.response ?? null, accepted?.headers ?? '');
    socket.write(response);
    const now = acceptor.clock.now();
    const limiters = { messages: endpoint.messageLimiter(now), controlFrames: acceptor.controlFrameLimiter(now) };
    const compression = deflate === null ? null : new PerMessageDeflate(deflate.agreement);
    const connection = new WebSocketConnection(socket, endpoint, this.protocol, limiters, acceptor, compression);
    connection.context = accepted?.context ?? null;
    setOwner(socket, connection);
    endpoint.onOpen?.(connection, { request, response });
    if (rest.length > 0) connection.onData(rest);
    return null;
  }

  private refuse(status: number, reason: string, headers?: [string, string][]): HttpResponse {
    this.acceptor.metrics.handshakes.inc({ result: String(status) });
    return errorResponse(status, reason, headers && Object.fromEntries(headers));
  }
}
