// The TCP layer: accepts sockets, enforces connection limits, gives each
// socket to an HttpConnection, sweeps every connection's deadlines, and shuts
// everything down gracefully. It knows socket owners only as SocketOwner: the
// protocols above HTTP plug in through the router's UpgradeHandler.
import { createServer, type Server, type Socket } from 'node:net';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../telemetry/log.js';
import { Registry } from '../telemetry/metrics.js';
import { createHttpMetrics, type HttpMetrics } from '../telemetry/server-metrics.js';
import { AnswerBudget } from './answer-budget.js';
import { HttpConnection, type HttpLimits, type HttpServices } from './http-connection.js';
import { ipKey } from './client-ip.js';
import type { Router } from './router.js';
import { listen, ownerOf, setOwner, type SocketOwner } from './socket-owner.js';
import { StaticFiles } from './static-files.js';
import { Sweeper } from './sweeper.js';
import { SOCKET_DROPPED, dropSocket } from './drop-socket.js';

export interface ServerSettings extends HttpLimits {
  host: string;
  port: number;                // 0 = any free port
  publicDir: string;           // static files served for GET/HEAD requests no route takes
  maxConnections: number;      // over it: 503 and close
  maxConnectionsPerIp: number; // over it: 503 and close
  ipv6PrefixLength: number;    // per-IP limits count an IPv6 client by this prefix (client-ip.ts ipKey)
  maxQueuedAnswerBytes: number; // answers all HTTP connections may queue together (answer-budget.ts)
  shutdownTimeoutMs: number;   // graceful shutdown deadline
  sweepIntervalMs: number;     // how often deadlines are checked (see sweepResolution)
}

/** The per-IP limit on new connections (the product passes a KeyedBuckets from ratelimit/). */
export interface ConnectionRateLimit {
  take(ip: string, now: number, cost: number): boolean;
  retryAfterMs(ip: string, now: number, cost: number): number;
  /** Forgets idle IPs. */
  sweep(now: number): void;
}

export interface ServerDependencies {
  router: Router;
  log: Logger;
  connectionRate: ConnectionRateLimit;
  /** The one source of time for every connection and deadline (default: systemClock). */
  clock?: Clock;
}

const IP_KEY = Symbol('tessera.ipKey');
type TrackedSocket = Socket & { [IP_KEY]: string };

// Refused at accept, before reading anything: a complete answer, then close.
function serviceUnavailable(reason: string, retryAfterSeconds: number): string {
  const body = `503 Service Unavailable: ${reason}\n`;
  return `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nRetry-After: ${retryAfterSeconds}\r\nConnection: close\r\n\r\n${body}`;
}
// Idle connection-rate buckets are forgotten this often (a full bucket is no bucket).
const BUCKET_SWEEP_MS = 10_000;

export class TesseraServer {
  readonly registry = new Registry();
  readonly metrics: HttpMetrics;
  readonly clock: Clock;
  readonly staticFiles: StaticFiles;
  readonly startedAt: number;
  /** Run when shutdown begins (stop timers, flush state). */
  readonly onShutdown: (() => void)[] = [];
  private stopping = false;
  private readonly connectionRate: ConnectionRateLimit;
  private readonly http: HttpServices;
  private readonly tcp: Server;
  private readonly sockets = new Set<Socket>();
  private readonly perIp = new Map<string, number>();
  private readonly sweeper: Sweeper;
  private readonly bucketSweep: NodeJS.Timeout;
  // Shared by every socket (found through `this`), so none allocates its own.
  private readonly onSocketClose: (this: Socket) => void;
  private readonly onSocketError: (this: Socket, error: NodeJS.ErrnoException) => void;

  constructor(
    private readonly settings: ServerSettings,
    dependencies: ServerDependencies,
  ) {
    const { router, log, connectionRate } = dependencies;
    const clock = (this.clock = dependencies.clock ?? systemClock);
    this.connectionRate = connectionRate;
    this.startedAt = clock.now();
    this.metrics = createHttpMetrics(this.registry);
    this.staticFiles = new StaticFiles(settings.publicDir, { clock });
    const answers = new AnswerBudget(settings.maxQueuedAnswerBytes);
    this.registry.gauge('tessera_http_queued_answer_bytes', 'Bytes of HTTP answers queued, not yet taken by the kernel, all connections', [], () => answers.bytes);
    this.http = { limits: settings, router, staticFiles: this.staticFiles, clock, metrics: this.metrics, log, answers };
    this.sweeper = new Sweeper(clock, settings.sweepIntervalMs, (now) => this.sweep(now));
    this.bucketSweep = setInterval(() => connectionRate.sweep(clock.now()), BUCKET_SWEEP_MS);
    this.bucketSweep.unref();
    const server = this;
    this.onSocketClose = function (this: Socket) {
      server.forget(this as TrackedSocket);
    };
    this.onSocketError = function (this: Socket, error: NodeJS.ErrnoException) {
      // Resets and broken pipes are the peer's business; anything else is ours.
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE' && error !== SOCKET_DROPPED) log.warn('socket error', { remote: this.remoteAddress, error: String(error) });
    };
    // Half-open: a client may send its request and FIN, then read the answer (HttpConnection.onEnd).
    this.tcp = createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket));
    this.tcp.on('error', (error) => log.error('server error', { error: String(error) }));
  }

  /** Open TCP connections, whatever they speak. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Open TCP connections still speaking HTTP. */
  get httpConnectionCount(): number {
    return this.metrics.httpConnections.current;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  get uptimeMs(): number {
    return this.clock.now() - this.startedAt;
  }

  listen(): Promise<{ host: string; port: number }> {
    const { host, port } = this.settings;
    return new Promise((resolve, reject) => {
      this.tcp.once('error', reject);
      this.tcp.listen({ host, port, backlog: 4096 }, () => {
        this.tcp.off('error', reject);
        const address = this.tcp.address();
        if (address === null || typeof address === 'string') return reject(new Error('not a TCP address'));
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  private accept(socket: Socket): void {
    const { settings, metrics, connectionRate } = this;
    // The per-IP limits count an IPv6 client by its network (a /64 by default), not its address.
    const ip = ipKey(socket.remoteAddress ?? '', settings.ipv6PrefixLength);
    const fromIp = this.perIp.get(ip) ?? 0;
    const now = this.clock.now();
    const refusal =
      this.stopping ? 'shutting-down'
      : this.sockets.size >= settings.maxConnections ? 'max-connections'
      : fromIp >= settings.maxConnectionsPerIp ? 'max-connections-per-ip'
      : !connectionRate.take(ip, now, 1) ? 'connection-rate'
      : null;
    if (refusal !== null) {
      metrics.connectionsRefused.inc({ reason: refusal });
      metrics.httpResponses.inc({ status: '503' });
      const retryAfterMs = refusal === 'connection-rate' ? connectionRate.retryAfterMs(ip, now, 1) : 1000;
      socket.on('error', () => {});
      socket.end(serviceUnavailable(refusal, Math.max(1, Math.ceil(retryAfterMs / 1000))));
      // Whatever the client sent is read and dropped, so its FIN is seen and the socket closes
      // as soon as the client has read the 503; one that does not is destroyed at the deadline.
      socket.resume();
      const deadline = setTimeout(() => dropSocket(socket), settings.closeTimeoutMs).unref();
      socket.once('close', () => clearTimeout(deadline));
      return;
    }
    (socket as TrackedSocket)[IP_KEY] = ip;
    this.sockets.add(socket);
    this.perIp.set(ip, fromIp + 1);
    setOwner(socket, new HttpConnection(socket, this.http));
    listen(socket, this.onSocketClose);
    socket.on('error', this.onSocketError);
  }

  /** Calls `visit` with the owner of every open connection (tools that look for one: the wire inspector). */
  forEachOwner(visit: (owner: SocketOwner) => void): void {
    for (const socket of this.sockets) {
      const owner = ownerOf(socket);
      if (owner !== undefined) visit(owner);
    }
  }

  private sweep(now: number): void {
    for (const socket of this.sockets) ownerOf(socket)?.sweep(now);
  }

  private forget(socket: TrackedSocket): void {
    const ip = socket[IP_KEY];
    this.sockets.delete(socket);
    const left = (this.perIp.get(ip) ?? 1) - 1;
    if (left === 0) this.perIp.delete(ip);
    else this.perIp.set(ip, left);
    ownerOf(socket)?.onClose();
  }

  /**
   * Stops accepting, tells every socket's owner to shut down (HTTP: after the
   * response in flight; WebSocket: close with 1001), and resolves once every
   * socket is closed or the deadline passed (then the stragglers are destroyed).
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const hook of this.onShutdown) hook();
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    for (const socket of this.sockets) ownerOf(socket)?.shutdown();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.settings.shutdownTimeoutMs)));
    await Promise.race([closed, deadline]);
    clearTimeout(timer);
    for (const socket of this.sockets) dropSocket(socket);
    this.sweeper.stop();
    clearInterval(this.bucketSweep);
  }
}
