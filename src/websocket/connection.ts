// One open WebSocket, the owner of its socket: socket bytes go to the
// sans-I/O WebSocketProtocol (protocol.ts), the messages it lets through go to
// the endpoint's handlers, and its frames leave through a SocketWriter. What
// is left here is socket work: reads and metrics, pause/resume, and the
// public face the application sends through.
import type { Socket } from 'node:net';
import type { Clock } from '../clock.js';
import type { SocketOwner } from '../net/socket-owner.js';
import type { Logger } from '../telemetry/log.js';
import type { WebSocketMetrics } from '../telemetry/server-metrics.js';
import { CloseCode } from './opcodes.js';
import type { PerMessageDeflate } from './permessage-deflate.js';
import type { PreparedMessage } from './prepared-message.js';
import { ConnectionState, WebSocketProtocol, type InboundLimiters, type ProtocolSettings } from './protocol.js';
import { SocketWriter } from './socket-writer.js';
import type { DeflateAgreement } from './deflate-negotiation.js';
import type { WireTap } from './wire-tap.js';

/**
 * What a connection calls back into: the endpoint's handlers. They take the
 * connection rather than being closures per connection, so an idle
 * connection costs no per-connection handler objects.
 */
export interface ConnectionHandlers {
  onMessage(connection: WebSocketConnection, data: Buffer, binary: boolean): void;
  onDrain?(connection: WebSocketConnection): void;
  onClose?(connection: WebSocketConnection, code: number, reason: string): void;
}

/** What every connection of a server shares (one object for all of them). */
export interface ConnectionServices {
  readonly clock: Clock;
  readonly metrics: WebSocketMetrics;
  readonly log: Logger;
}

export class WebSocketConnection implements SocketOwner {
  /** Application state for this connection (the endpoint's to use). */
  context: unknown = null;
  readonly remoteAddress: string;
  private readonly writer: SocketWriter;
  private readonly protocol: WebSocketProtocol;
  // The wire inspector's hooks, each with whether it has begun to see received
  // bytes (only from a frame boundary on, so that it reads frames from their first byte).
  private taps: { tap: WireTap; receiving: boolean }[] | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly handlers: ConnectionHandlers,
    settings: ProtocolSettings,
    limiters: InboundLimiters,
    private readonly services: ConnectionServices,
    deflate: PerMessageDeflate | null = null,
  ) {
    this.remoteAddress = socket.remoteAddress ?? '';
    this.writer = new SocketWriter(socket, services.metrics);
    this.protocol = new WebSocketProtocol(settings, limiters, this.writer, services.clock.now(), deflate);
    services.metrics.webSocketConnections.inc();
  }

  get state(): ConnectionState {
    return this.protocol.state;
  }

  /** Bytes accepted for sending but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.writer.bufferedAmount;
  }

  /** permessage-deflate as negotiated, or null. */
  get compression(): DeflateAgreement | null {
    return this.protocol.compression;
  }

  /**
   * Shows this connection's bytes to `tap` from now on: what we send from
   * the next frame, what we receive from the next frame boundary (a read may
   * end inside a frame).
   */
  addTap(tap: WireTap): void {
    (this.taps ??= []).push({ tap, receiving: this.protocol.atFrameBoundary });
    this.writer.taps = this.taps.map((entry) => entry.tap);
  }

  removeTap(tap: WireTap): void {
    const taps = this.taps?.filter((entry) => entry.tap !== tap) ?? [];
    this.taps = taps.length === 0 ? null : taps;
    this.writer.taps = this.taps === null ? null : taps.map((entry) => entry.tap);
  }

  // ---- Sending --------------------------------------------------------------------------

  /**
   * Sends one message; strings go as text, bytes as binary unless `binary`
   * says otherwise. With permessage-deflate, messages from 1 KiB up go compressed.
   */
  send(data: Uint8Array | string, binary = typeof data !== 'string'): void {
    this.protocol.send(data, binary);
  }

  /**
   * Sends a message encoded once for many connections: a frame from
   * prepareFrame, or a PreparedMessage, which goes compressed to the
   * connections that negotiated permessage-deflate.
   */
  sendPrepared(message: Buffer | PreparedMessage): void {
    this.protocol.sendPrepared(message);
  }

  /** Runs `write`; everything it sends leaves in one writev. */
  cork(write: () => void): void {
    this.writer.cork(write);
  }

  /**
   * What is sent from now until the microtasks queued so far have run leaves in one write: for
   * replies sent from promise callbacks that settle together (the ACKs of one group commit).
   */
  batchThisTurn(): void {
    this.writer.batchThisTurn();
  }

  ping(payload?: Uint8Array): void {
    this.protocol.ping(payload);
  }

  /** Starts the closing handshake; the socket ends when the peer answers or the close timeout passes. */
  close(code: number = CloseCode.NormalClosure, reason = ''): void {
    this.protocol.close(code, reason, this.services.clock.now());
  }

  /** Drops the connection without a closing handshake. */
  terminate(): void {
    this.protocol.abort();
  }

  // ---- SocketOwner ----------------------------------------------------------------------

  onData(chunk: Buffer): void {
    const protocol = this.protocol;
    if (protocol.state === ConnectionState.Closed) return;
    const { metrics, clock } = this.services;
    metrics.bytesIn.inc(undefined, chunk.length);
    if (this.taps !== null) this.showReceived(chunk);
    protocol.receive(chunk, clock.now());
    this.writer.startBatch();
    for (let event = protocol.nextEvent(); event !== null; event = protocol.nextEvent()) {
      metrics.framesIn.inc();
      if (event.kind === 'message') this.handlers.onMessage(this, event.data, event.binary);
    }
    this.writer.flushBatch();
  }

  private showReceived(chunk: Buffer): void {
    const atBoundary = this.protocol.atFrameBoundary;
    for (const entry of this.taps!) {
      if (!entry.receiving) entry.receiving = atBoundary;
      if (entry.receiving) entry.tap.received(chunk);
    }
  }

  onDrain(): void {
    if (this.socket.isPaused() && this.protocol.state !== ConnectionState.Closed) this.socket.resume();
    this.handlers.onDrain?.(this);
  }

  onClose(): void {
    const protocol = this.protocol;
    protocol.connectionLost();
    const { metrics, log } = this.services;
    const code = protocol.closeCode;
    const reason = protocol.closeReason;
    metrics.webSocketConnections.dec();
    metrics.closes.inc({ code: String(code) });
    if (code !== CloseCode.NormalClosure && code !== CloseCode.GoingAway && code !== CloseCode.NoStatus) {
      log.info('websocket closed abnormally', { remote: this.remoteAddress, code, reason });
    }
    if (this.taps !== null) for (const { tap } of this.taps) tap.closed(code, reason);
    this.handlers.onClose?.(this, code, reason);
  }

  sweep(now: number): void {
    this.protocol.tick(now);
  }

  shutdown(): void {
    this.close(CloseCode.GoingAway, 'server shutting down');
  }
}
