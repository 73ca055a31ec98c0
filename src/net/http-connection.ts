// One TCP connection speaking HTTP/1.1: pulls requests from the sans-I/O
// parser one at a time (so pipelined responses go out in order), routes them,
// writes responses (streamed ones through chunked-body.ts), enforces
// timeouts, and hands the socket to an upgrade handler when a request switches
// protocols.
//
// Pipelining is where one client can cost the most, so a connection answers
// requests only while its peer keeps up: it stops (and stops reading) while
// more than MAX_QUEUED_RESPONSE_BYTES of answers wait to be sent, and answers at
// most MAX_REQUESTS_PER_TURN requests per turn of the event loop before it lets
// the other connections have theirs. Across connections, the server's AnswerBudget
// bounds what all of them queue together (answer-budget.ts).
import type { Socket } from 'node:net';
import type { Clock } from '../clock.js';
import type { Logger } from '../telemetry/log.js';
import type { HttpMetrics } from '../telemetry/server-metrics.js';
import type { AnswerBudget } from './answer-budget.js';
import { HttpRequestParser, type RequestHead } from './http-parser.js';
import { ChunkedBodySender, type StreamListener } from './chunked-body.js';
import { errorResponse, isStreamed, serializeResponse, type HttpResponse, type StreamedBody } from './response.js';
import { DEFAULT_MAX_BODY_BYTES, type HttpRequest, type RouteMatch, type Router, type UpgradeHandler } from './router.js';
import type { SocketOwner } from './socket-owner.js';
import type { StaticFiles } from './static-files.js';
import { serveStatic } from './static-route.js';
import { dropSocket } from './drop-socket.js';

const SUPPORTED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);
// Past this many queued response bytes we stop answering (and reading)
// requests until the socket drains: a pipelining client that never reads holds
// at most this plus one answer.
const MAX_QUEUED_RESPONSE_BYTES = 1024 * 1024;
// Past this many answers not yet taken by the kernel we stop too: a small answer costs
// more in Node's write queue (~1 KiB of bookkeeping) than in bytes, so 1 MiB of 404s
// queued held 4.4 MiB (test/hostile/resource-budget.test.ts).
const MAX_QUEUED_ANSWERS = 64;
// Requests answered per I/O event before the rest wait for setImmediate.
const MAX_REQUESTS_PER_TURN = 16;

// idle: between requests, nothing received yet; head/body: a request is
// arriving; responding: a handler is running; streaming: a streamed body is
// being sent; closing: the last response is being flushed before the socket
// ends; upgraded: the socket has another owner.
type State = 'idle' | 'head' | 'body' | 'responding' | 'streaming' | 'closing' | 'upgraded';

export interface HttpLimits {
  maxHeaderBytes: number;     // → 431
  maxHeaderCount: number;     // → 431
  headerTimeoutMs: number;    // a request head must arrive within this (slowloris) → 408
  bodyTimeoutMs: number;      // a request body must arrive within this → 408
  keepAliveTimeoutMs: number; // an idle keep-alive connection is closed after this
  closeTimeoutMs: number;     // a closing connection gets this long to flush its last response,
                              // and a streamed response's reader this long to take what waits for it
}

/** What every HttpConnection of a server shares (one object for all of them). */
export interface HttpServices {
  readonly limits: HttpLimits;
  readonly router: Router;
  readonly staticFiles: StaticFiles;
  readonly clock: Clock;
  readonly metrics: HttpMetrics;
  readonly log: Logger;
  /** What the answers queued by all connections may hold together. */
  readonly answers: AnswerBudget;
}

interface PendingRequest {
  head: RequestHead;
  path: string;
  query: string;
  match: RouteMatch;
  body: Buffer[];
  bodyBytes: number;
}

export class HttpConnection implements SocketOwner, StreamListener {
  private readonly parser: HttpRequestParser;
  private state: State = 'head';
  private deadline: number;
  private request: PendingRequest | null = null;
  // Set by shutdown(): answer what is in flight, then close.
  private draining = false;
  // Why pipelined requests wait, if they do: our answers are backed up
  // ('drain'), or this turn's share of requests is spent ('turn').
  private waitingFor: 'drain' | 'turn' | null = null;
  private requestsLeftThisTurn = MAX_REQUESTS_PER_TURN;
  // Answers written whose last byte the kernel has not taken yet (counted by write callbacks).
  private queuedAnswers = 0;
  // This connection's queued bytes as last counted in the server's AnswerBudget.
  private countedBytes = 0;
  // The peer sent FIN: answer what it sent, then end our side too.
  private peerEnded = false;
  // While state is 'streaming': the body being sent, and whether to keep the connection after it.
  private stream: ChunkedBodySender | null = null;
  private keepAliveAfterStream = false;

  // Called when an answer's last write has left: one function per connection, not per write.
  private readonly answerWritten = (): void => {
    this.countQueued();
    if (--this.queuedAnswers === 0 && this.waitingFor === 'drain' && this.socket.writableLength <= MAX_QUEUED_RESPONSE_BYTES) {
      this.resumeAnswering('drain'); // no 'drain' event comes if no write ever returned false
    }
  };

  constructor(
    private readonly socket: Socket,
    private readonly services: HttpServices,
  ) {
    const { limits, clock, metrics } = services;
    this.parser = new HttpRequestParser(limits);
    // A connection that sends nothing is held to the header timeout (slowloris).
    this.deadline = clock.now() + limits.headerTimeoutMs;
    metrics.httpConnections.inc();
  }

  onData(chunk: Buffer): void {
    if (this.state === 'closing' || this.state === 'upgraded') return;
    if (this.state === 'idle') this.expect('head');
    this.parser.receive(chunk);
    if (this.state === 'responding' || this.state === 'streaming') this.socket.pause(); // resumed when the response is written
    else if (this.waitingFor === null) {
      this.requestsLeftThisTurn = MAX_REQUESTS_PER_TURN;
      this.pump();
    }
  }

  onDrain(): void {
    this.countQueued();
    if (this.stream !== null) {
      this.deadline = Infinity; // the reader is taking what we sent
      return this.stream.onDrain();
    }
    this.resumeAnswering('drain');
  }

  onEnd(): void {
    this.peerEnded = true;
    if ((this.state === 'idle' || this.state === 'head' || this.state === 'body') && this.waitingFor === null) this.pump();
  }

  onClose(): void {
    this.uncount();
    this.stream?.abort();
    this.stream = null;
    this.state = 'closing';
    this.services.metrics.httpConnections.dec();
  }

  sweep(now: number): void {
    if (now < this.deadline) return;
    // A peer that reads none of its queued answers would not read a 408 either.
    if (this.waitingFor === 'drain' || this.state === 'streaming') dropSocket(this.socket); // streaming: blocked too long
    else if (this.state === 'head' || this.state === 'body') this.fail(408, 'request took too long to arrive');
    else if (this.state === 'idle' || this.state === 'closing') dropSocket(this.socket);
  }

  /** Graceful shutdown: ends the connection after the response in progress, or now if there is none. */
  shutdown(): void {
    this.draining = true;
    if (this.state === 'idle' || (this.state === 'head' && this.parser.bufferedBytes === 0)) this.close();
  }

  private expect(state: 'idle' | 'head' | 'body'): void {
    const { limits, clock } = this.services;
    this.state = state;
    const timeout = state === 'idle' ? limits.keepAliveTimeoutMs : state === 'head' ? limits.headerTimeoutMs : limits.bodyTimeoutMs;
    this.deadline = clock.now() + timeout;
  }

  private pump(): void {
    this.socket.cork(); // pipelined responses leave together
    while (this.state === 'head' || this.state === 'body') {
      if (this.state === 'head' && this.parser.bufferedBytes > 0 && this.mustWait()) break;
      const event = this.parser.nextEvent();
      if (event === null) break;
      if (event.kind === 'head') this.startRequest(event.head);
      else if (event.kind === 'data') this.receiveBody(event.chunk);
      else if (event.kind === 'end') this.dispatch();
      else this.fail(event.status, event.message);
    }
    if (this.state === 'head' && this.parser.bufferedBytes === 0) this.expect('idle');
    this.socket.uncork();
    // Every complete request the peer sent before its FIN is answered; what is left can never complete.
    if (this.peerEnded && this.waitingFor === null && (this.state === 'idle' || this.state === 'head' || this.state === 'body')) this.close();
  }

  /** Before the next pipelined request: true (and reading paused) if it has to wait. */
  private mustWait(): boolean {
    if (this.socket.writableLength > MAX_QUEUED_RESPONSE_BYTES || this.queuedAnswers >= MAX_QUEUED_ANSWERS ||
      (this.queuedAnswers > 0 && this.services.answers.spent)) {
      // 'drain' comes if the writes that got us here returned false; answerWritten when the last answer leaves.
      this.waitingFor = 'drain';
    } else if (this.requestsLeftThisTurn <= 0) {
      this.waitingFor = 'turn';
      setImmediate(HttpConnection.nextTurn, this); // shared, so no connection allocates a closure
    } else {
      return false;
    }
    this.socket.pause();
    return true;
  }

  private static nextTurn(connection: HttpConnection): void {
    connection.resumeAnswering('turn');
  }

  private resumeAnswering(reason: 'drain' | 'turn'): void {
    if (this.waitingFor !== reason) return;
    this.waitingFor = null;
    this.requestsLeftThisTurn = MAX_REQUESTS_PER_TURN;
    if (this.state !== 'head' && this.state !== 'idle') return; // closed or upgraded meanwhile
    this.socket.resume();
    this.pump();
  }

  private startRequest(head: RequestHead): void {
    if (!SUPPORTED_METHODS.has(head.method)) return this.fail(501, `method ${head.method} not implemented`);
    const { path, query } = splitTarget(head.target);
    const match = this.services.router.match(head.method, path, head.upgrade);
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
    this.requestsLeftThisTurn--;
    const { head, match } = pending;
    this.state = 'responding';
    if (this.draining) return this.fail(503, 'server shutting down');
    const request: HttpRequest = {
      method: head.method,
      path: pending.path,
      query: pending.query,
      head,
      params: match.kind === 'http' || match.kind === 'upgrade' ? match.params : {},
      body: pending.body.length === 1 ? pending.body[0]! : Buffer.concat(pending.body, pending.bodyBytes),
      remoteAddress: this.socket.remoteAddress ?? '',
    };
    switch (match.kind) {
      case 'upgrade':
        return this.upgrade(request, match.handler);
      case 'method-not-allowed':
        return this.respond(errorResponse(405, `${head.method} not allowed here`, { Allow: match.allow }), head);
      case 'not-found':
        if (head.method === 'GET' || head.method === 'HEAD') return this.respondLater(serveStatic(request, this.services.staticFiles), head);
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
        if ((this.state as State) === 'head') this.continueAfterResponse();
      },
      (error) => {
        if (this.state === 'responding') this.internalError(error, head);
      },
    );
  }

  /** Still keep-alive: go on with pipelined requests, reading again unless they must wait. */
  private continueAfterResponse(): void {
    this.pump();
    if (this.waitingFor === null && (this.state as State) !== 'closing') this.socket.resume();
  }

  private internalError(error: unknown, head: RequestHead): void {
    this.services.log.error('request handler failed', { method: head.method, target: head.target, error: String((error as Error)?.stack ?? error) });
    this.respond(errorResponse(500, 'internal error'), head, false);
  }

  private respond(response: HttpResponse, head: RequestHead, allowKeepAlive = true): void {
    // After a request that asked to upgrade, the parser stops (the bytes that
    // follow may not be HTTP), so a declined upgrade ends the connection.
    // An HTTP/1.0 reader knows no chunked coding: its streamed body ends with the connection.
    const chunked = head.versionMinor === 1;
    const keepAlive = allowKeepAlive && head.keepAlive && !head.upgrade && !this.draining && (chunked || !isStreamed(response.body));
    const stream = this.write(response, keepAlive, head.method === 'HEAD', chunked);
    if (stream !== null) return this.startStream(stream, keepAlive, chunked);
    if (!keepAlive) return this.close();
    this.expect('head');
  }

  private startStream(body: StreamedBody, keepAlive: boolean, chunked: boolean): void {
    this.state = 'streaming';
    this.keepAliveAfterStream = keepAlive;
    this.deadline = Infinity; // until the reader falls behind (streamBlocked)
    this.stream = new ChunkedBodySender(this.socket, body, chunked, this);
    this.stream.start();
  }

  streamBlocked(): void {
    this.deadline = this.services.clock.now() + this.services.limits.closeTimeoutMs;
  }

  streamEnded(error: unknown): void {
    this.stream = null;
    if (error !== null) {
      // The status line is long gone: all we can do is end the connection mid-body.
      this.services.log.error('streamed response failed', { error: String((error as Error)?.stack ?? error) });
      dropSocket(this.socket);
      return;
    }
    if (!this.keepAliveAfterStream || this.draining) return this.close();
    this.expect('head');
    this.continueAfterResponse();
  }

  /** Answers a request we cannot go on from with `status`, then closes. */
  private fail(status: number, reason: string): void {
    this.write(errorResponse(status, reason), false, false);
    this.close();
  }

  /** Writes the response, all but a streamed body, which it returns for the caller to send. */
  private write(response: HttpResponse, keepAlive: boolean, omitBody: boolean, chunked = true): StreamedBody | null {
    const { metrics, clock } = this.services;
    metrics.httpResponses.inc({ status: String(response.status) });
    const { head, body, stream } = serializeResponse(response, keepAlive, omitBody, clock.now(), chunked);
    this.queuedAnswers++;
    if (body === null) this.socket.write(head, this.answerWritten);
    else {
      this.socket.write(head);
      this.socket.write(body, this.answerWritten);
    }
    this.countQueued();
    return stream;
  }

  /** Brings the server's AnswerBudget up to date with this connection's queue. */
  private countQueued(): void {
    if (this.state === 'upgraded') return;
    const queued = this.socket.writableLength;
    this.services.answers.change(queued - this.countedBytes);
    this.countedBytes = queued;
  }

  private uncount(): void {
    this.services.answers.change(-this.countedBytes);
    this.countedBytes = 0;
  }

  private close(): void {
    this.state = 'closing';
    // Give the response a bounded time to drain to a peer that may not read.
    this.deadline = this.services.clock.now() + this.services.limits.closeTimeoutMs;
    this.socket.end();
  }

  /** Hands the socket to `handler`, or answers with its refusal and closes. */
  private upgrade(request: HttpRequest, handler: UpgradeHandler): void {
    const refusal = handler.upgrade(request, this.socket, this.parser.takeRemaining());
    if (refusal === null) {
      this.uncount(); // what the socket queues from now on is the new protocol's
      this.state = 'upgraded';
      // The new protocol gets the socket as Node makes it by default: when the peer ends, so does the socket.
      this.socket.allowHalfOpen = false;
      this.services.metrics.httpConnections.dec();
      return;
    }
    this.write(refusal, false, request.head.method === 'HEAD');
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
