// One TCP connection speaking HTTP/1.1: pulls requests from the sans-I/O
// parser one at a time (so pipelined responses go out in order), routes them,
// writes responses, enforces timeouts, and hands the socket over to a
// WebSocketConnection on a successful upgrade.
import type { Socket } from 'node:net';
import type { ServerContext } from './context.js';
import { HttpRequestParser, type RequestHead } from './http-parser.js';
import { errorResponse, serializeResponse, type HttpResponse } from './response.js';
import { DEFAULT_MAX_BODY_BYTES, type HttpRequest, type RouteMatch } from './router.js';
import { setOwner, type SocketOwner } from './socket-owner.js';
import { serveStatic } from './static-route.js';
import { checkHandshake, handshakeResponse } from '../websocket/handshake.js';
import { WebSocketConnection } from '../websocket/connection.js';

const SUPPORTED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);
// Past this many buffered response bytes we stop reading requests, so a
// pipelining client that never reads cannot grow our memory.
const READ_PAUSE_BYTES = 1024 * 1024;

// idle: between requests, nothing received yet; head/body: a request is
// arriving; responding: a handler is running; closing: the last response is
// being flushed before the socket ends.
type State = 'idle' | 'head' | 'body' | 'responding' | 'closing';

interface PendingRequest {
  head: RequestHead;
  path: string;
  query: string;
  match: RouteMatch;
  body: Buffer[];
  bodyBytes: number;
}

export class HttpConnection implements SocketOwner {
  private readonly parser: HttpRequestParser;
  private state: State = 'head';
  private deadline: number;
  private request: PendingRequest | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly server: ServerContext,
  ) {
    const { config, sweeper } = server;
    this.parser = new HttpRequestParser({ maxHeaderBytes: config.maxHeaderBytes, maxHeaderCount: config.maxHeaderCount });
    // A connection that sends nothing is held to the header timeout (slowloris).
    this.deadline = sweeper.now + config.headerTimeoutMs;
  }

  get isIdle(): boolean {
    return this.state === 'idle';
  }

  onData(chunk: Buffer): void {
    if (this.state === 'closing') return;
    if (this.state === 'idle') this.expect('head');
    this.parser.receive(chunk);
    if (this.state === 'responding') this.socket.pause(); // resumed when the response is written
    else this.pump();
  }

  onDrain(): void {
    if (this.state !== 'responding' && this.state !== 'closing' && this.socket.isPaused()) this.socket.resume();
  }

  onClose(): void {
    this.state = 'closing';
  }

  sweep(now: number): void {
    if (now < this.deadline) return;
    if (this.state === 'head' || this.state === 'body') this.fail(408, 'request took too long to arrive');
    else if (this.state === 'idle' || this.state === 'closing') this.socket.destroy();
  }

  /** Ends the connection after the response in progress, or now if there is none (graceful shutdown). */
  closeWhenIdle(): void {
    if (this.state === 'idle' || (this.state === 'head' && this.parser.bufferedBytes === 0)) this.close();
  }

  private expect(state: 'idle' | 'head' | 'body'): void {
    const { config, sweeper } = this.server;
    this.state = state;
    const timeout = state === 'idle' ? config.keepAliveTimeoutMs : state === 'head' ? config.headerTimeoutMs : config.bodyTimeoutMs;
    this.deadline = sweeper.now + timeout;
  }

  private pump(): void {
    this.socket.cork(); // pipelined responses leave together
    while (this.state === 'head' || this.state === 'body') {
      const event = this.parser.nextEvent();
      if (event === null) break;
      if (event.kind === 'head') this.startRequest(event.head);
      else if (event.kind === 'data') this.receiveBody(event.chunk);
      else if (event.kind === 'end') this.dispatch();
      else this.fail(event.status, event.message);
    }
    if (this.state === 'head' && this.parser.bufferedBytes === 0) this.expect('idle');
    this.socket.uncork();
  }

  private startRequest(head: RequestHead): void {
    if (!SUPPORTED_METHODS.has(head.method)) return this.fail(501, `method ${head.method} not implemented`);
    const { path, query } = splitTarget(head.target);
    const match = this.server.router.match(head.method, path, head.upgrade);
    this.request = { head, path, query, match, body: [], bodyBytes: 0 };
    this.parser.setBodyLimit(match.kind === 'http' ? match.route.maxBodyBytes : DEFAULT_MAX_BODY_BYTES);
    this.expect('body');
  }

  private receiveBody(chunk: Buffer): void {
    const request = this.request!;
    request.body.push(chunk);
    request.bodyBytes += chunk.length;
  }

  private dispatch(): void {
    const pending = this.request!;
    this.request = null;
    const { head, match } = pending;
    this.state = 'responding';
    if (this.server.shuttingDown) return this.fail(503, 'server shutting down');
    const request: HttpRequest = {
      method: head.method,
      path: pending.path,
      query: pending.query,
      head,
      params: match.kind === 'http' || match.kind === 'websocket' ? match.params : {},
      body: pending.body.length === 1 ? pending.body[0]! : Buffer.concat(pending.body, pending.bodyBytes),
      remoteAddress: this.socket.remoteAddress ?? '',
    };
    switch (match.kind) {
      case 'websocket':
        return this.upgrade(request, match.endpoint);
      case 'method-not-allowed':
        return this.respond(errorResponse(405, `${head.method} not allowed here`, { Allow: match.allow }), head);
      case 'not-found':
        if (head.method === 'GET' || head.method === 'HEAD') return this.respondLater(serveStatic(request, this.server.staticFiles), head);
        return this.respond(errorResponse(404, 'no such resource'), head);
      case 'http':
        try {
          const response = match.route.handler(request);
          if (response instanceof Promise) return this.respondLater(response, head);
          return this.respond(response, head);
        } catch (error) {
          return this.internalError(error, head);
        }
    }
  }

  private respondLater(promise: Promise<HttpResponse>, head: RequestHead): void {
    promise.then(
      (response) => {
        if (this.state !== 'responding') return; // the socket closed meanwhile
        this.respond(response, head);
        if ((this.state as State) === 'head') { // still keep-alive: go on with pipelined requests
          this.socket.resume();
          this.pump();
        }
      },
      (error) => {
        if (this.state === 'responding') this.internalError(error, head);
      },
    );
  }

  private internalError(error: unknown, head: RequestHead): void {
    this.server.log.error('request handler failed', { method: head.method, target: head.target, error: String((error as Error)?.stack ?? error) });
    this.respond(errorResponse(500, 'internal error'), head, false);
  }

  private respond(response: HttpResponse, head: RequestHead, allowKeepAlive = true): void {
    // After a request that asked to upgrade, the parser stops (the bytes that
    // follow may not be HTTP), so a declined upgrade ends the connection.
    const keepAlive = allowKeepAlive && head.keepAlive && !head.upgrade && !this.server.shuttingDown;
    this.write(response, keepAlive, head.method === 'HEAD');
    if (!keepAlive) return this.close();
    this.expect('head');
    if (this.socket.writableLength > READ_PAUSE_BYTES) this.socket.pause();
  }

  /** Answers a request we cannot go on from with `status`, then closes. */
  private fail(status: number, reason: string): void {
    this.write(errorResponse(status, reason), false, false);
    this.close();
  }

  private write(response: HttpResponse, keepAlive: boolean, omitBody: boolean): void {
    this.server.metrics.httpResponses.inc({ status: String(response.status) });
    const { head, body } = serializeResponse(response, keepAlive, omitBody);
    this.socket.write(head);
    if (body !== null) this.socket.write(body);
  }

  private close(): void {
    this.state = 'closing';
    // Give the response a bounded time to drain to a peer that may not read.
    this.deadline = this.server.sweeper.now + this.server.config.wsCloseTimeoutMs;
    this.socket.end();
  }

  private upgrade(request: HttpRequest, endpoint: WebSocketConnection['endpoint']): void {
    const { head } = request;
    const { config, metrics } = this.server;
    if (request.body.length > 0) return this.refuseHandshake(400, 'an upgrade request has no body', head);
    const result = checkHandshake(head, { allowedOrigins: config.allowedOrigins, protocols: endpoint.protocols });
    if (!result.ok) {
      const headers = Object.fromEntries(result.headers ?? []);
      return this.refuseHandshake(result.status, result.reason, head, headers);
    }
    metrics.handshakes.inc({ result: 'accepted' });
    const accepted = endpoint.accept?.(request);
    this.socket.write(handshakeResponse(result.acceptKey, result.protocol, accepted?.headers ?? ''));
    const connection = new WebSocketConnection(this.socket, endpoint, this.server);
    connection.context = accepted?.context ?? null;
    this.server.webSocketCount++;
    setOwner(this.socket, connection, this.server.sweeper);
    this.state = 'closing'; // this object no longer owns the socket
    endpoint.onOpen?.(connection);
    const rest = this.parser.takeRemaining();
    if (rest.length > 0) connection.onData(rest);
  }

  private refuseHandshake(status: number, reason: string, head: RequestHead, headers?: Record<string, string>): void {
    this.server.metrics.handshakes.inc({ result: String(status) });
    this.write(errorResponse(status, reason, headers), false, head.method === 'HEAD');
    this.close();
  }
}

/** Splits a request-target into its still-encoded path and query. */
export function splitTarget(target: string): { path: string; query: string } {
  let start = 0;
  // absolute-form (RFC 9112 §3.2.2): the path starts at the first "/" after "//host".
  if (target.charCodeAt(0) !== 47 /* / */ && target !== '*') {
    const hostStart = target.indexOf('//');
    const slash = hostStart === -1 ? -1 : target.indexOf('/', hostStart + 2);
    if (slash === -1) return { path: '/', query: '' };
    start = slash;
  }
  const q = target.indexOf('?', start);
  return q === -1 ? { path: target.slice(start), query: '' } : { path: target.slice(start, q), query: target.slice(q + 1) };
}
