// The TCP layer: accepts sockets, enforces connection limits, gives each
// socket to an HttpConnection, and shuts everything down gracefully.
import { createServer, type Server, type Socket } from 'node:net';
import type { ServerConfig } from '../config/settings.js';
import type { Logger } from '../telemetry/log.js';
import { Registry } from '../telemetry/metrics.js';
import { createServerMetrics } from '../telemetry/server-metrics.js';
import { WebSocketConnection } from '../websocket/connection.js';
import { CloseCode } from '../websocket/opcodes.js';
import type { ServerContext } from './context.js';
import { HttpConnection } from './http-connection.js';
import type { Router } from './router.js';
import { listen, ownerOf, releaseOwner, setOwner } from './socket-owner.js';
import { StaticFiles } from './static-files.js';
import { Sweeper, sweepResolution } from './sweeper.js';
import { KeyedBuckets } from '../ratelimit/keyed-buckets.js';

const REMOTE_IP = Symbol('tessera.remoteIp');
type TrackedSocket = Socket & { [REMOTE_IP]: string };

// Refused at accept, before reading anything: a complete answer, then close.
function serviceUnavailable(reason: string, retryAfterSeconds: number): string {
  const body = `503 Service Unavailable: ${reason}\n`;
  return `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nRetry-After: ${retryAfterSeconds}\r\nConnection: close\r\n\r\n${body}`;
}
// Idle connection-rate buckets are forgotten this often (a full bucket is no bucket).
const BUCKET_SWEEP_MS = 10_000;

export class TesseraServer {
  readonly context: ServerContext;
  readonly registry = new Registry();
  readonly startedAt = Date.now();
  /** Run when shutdown begins (stop timers, flush state). */
  readonly onShutdown: (() => void)[] = [];
  private readonly tcp: Server;
  private readonly sockets = new Set<Socket>();
  private readonly perIp = new Map<string, number>();
  private readonly attempts: KeyedBuckets;
  private readonly bucketSweep: NodeJS.Timeout;
  // Shared by every socket (found through `this`), so none allocates its own.
  private readonly onSocketClose: (this: Socket) => void;
  private readonly onSocketError: (this: Socket, error: NodeJS.ErrnoException) => void;

  constructor(config: ServerConfig, router: Router, log: Logger) {
    const sweeper = new Sweeper(
      sweepResolution([config.headerTimeoutMs, config.bodyTimeoutMs, config.keepAliveTimeoutMs, config.wsPingIntervalMs, config.wsCloseTimeoutMs]),
    );
    const metrics = createServerMetrics(this.registry, {
      httpConnections: () => this.sockets.size - this.context.webSocketCount,
      webSocketConnections: () => this.context.webSocketCount,
    });
    this.context = { config, log, metrics, router, sweeper, staticFiles: new StaticFiles(config.publicDir), shuttingDown: false, webSocketCount: 0 };
    this.attempts = new KeyedBuckets({ capacity: config.connectionBurstPerIp, refillPerSecond: config.connectionRatePerIp });
    this.bucketSweep = setInterval(() => this.attempts.sweep(Date.now()), BUCKET_SWEEP_MS);
    this.bucketSweep.unref();
    const server = this;
    this.onSocketClose = function (this: Socket) {
      server.forget(this as TrackedSocket);
    };
    this.onSocketError = function (this: Socket, error: NodeJS.ErrnoException) {
      // Resets and broken pipes are the peer's business; anything else is ours.
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') log.warn('socket error', { remote: (this as TrackedSocket)[REMOTE_IP], error: String(error) });
    };
    this.tcp = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.tcp.on('error', (error) => log.error('server error', { error: String(error) }));
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  listen(): Promise<{ host: string; port: number }> {
    const { host, port } = this.context.config;
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
    const { config, metrics, sweeper } = this.context;
    const ip = socket.remoteAddress ?? '';
    const fromIp = this.perIp.get(ip) ?? 0;
    const now = Date.now();
    const refusal =
      this.context.shuttingDown ? 'shutting-down'
      : this.sockets.size >= config.maxConnections ? 'max-connections'
      : fromIp >= config.maxConnectionsPerIp ? 'max-connections-per-ip'
      : !this.attempts.take(ip, now, 1) ? 'connection-rate'
      : null;
    if (refusal !== null) {
      metrics.connectionsRefused.inc({ reason: refusal });
      metrics.httpResponses.inc({ status: '503' });
      const retryAfterMs = refusal === 'connection-rate' ? this.attempts.retryAfterMs(ip, now, 1) : 1000;
      socket.on('error', () => {});
      socket.end(serviceUnavailable(refusal, Math.max(1, Math.ceil(retryAfterMs / 1000))));
      setTimeout(() => socket.destroy(), config.wsCloseTimeoutMs).unref();
      return;
    }
    (socket as TrackedSocket)[REMOTE_IP] = ip;
    this.sockets.add(socket);
    this.perIp.set(ip, fromIp + 1);
    setOwner(socket, new HttpConnection(socket, this.context), sweeper);
    listen(socket, this.onSocketClose);
    socket.on('error', this.onSocketError);
  }

  private forget(socket: TrackedSocket): void {
    const ip = socket[REMOTE_IP];
    this.sockets.delete(socket);
    const left = (this.perIp.get(ip) ?? 1) - 1;
    if (left === 0) this.perIp.delete(ip);
    else this.perIp.set(ip, left);
    releaseOwner(socket, this.context.sweeper)?.onClose();
  }

  /**
   * Stops accepting, closes WebSockets with 1001, lets responses in flight
   * finish, and resolves once every socket is closed or the deadline passed
   * (then the stragglers are destroyed).
   */
  async shutdown(): Promise<void> {
    const { config, sweeper } = this.context;
    this.context.shuttingDown = true;
    for (const hook of this.onShutdown) hook();
    const closed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    for (const socket of this.sockets) {
      const owner = ownerOf(socket);
      if (owner instanceof WebSocketConnection) owner.close(CloseCode.GoingAway, 'server shutting down');
      else if (owner instanceof HttpConnection) owner.closeWhenIdle();
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, config.shutdownTimeoutMs)));
    await Promise.race([closed, deadline]);
    clearTimeout(timer);
    for (const socket of this.sockets) socket.destroy();
    sweeper.stop();
    clearInterval(this.bucketSweep);
  }
}
