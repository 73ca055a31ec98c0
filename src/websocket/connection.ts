// One open WebSocket: feeds socket bytes to the sans-I/O FrameParser, acts
// on its events (messages to the endpoint, ping → pong, the close handshake,
// protocol errors → close codes), and writes frames back with backpressure.
import type { Socket } from 'node:net';
import type { ServerContext } from '../net/context.js';
import type { Sweepable } from '../net/sweeper.js';
import { TokenBucket } from '../ratelimit/token-bucket.js';
import type { WebSocketEndpoint } from './endpoint.js';
import type { FrameParserOptions } from './frame-parser.js';
import { encodeCloseFrame, encodeFrameHeader } from './frame-encoder.js';
import { FrameParser } from './frame-parser.js';
import { CloseCode, Opcode } from './opcodes.js';

// One parser-options object per endpoint, shared by all its connections.
const parserOptions = new WeakMap<WebSocketEndpoint, FrameParserOptions>();
function parserOptionsFor(endpoint: WebSocketEndpoint): FrameParserOptions {
  let options = parserOptions.get(endpoint);
  if (!options) {
    const { maxFrameSize, maxMessageSize, maxFragments } = endpoint.limits;
    options = { maxFrameSize, maxMessageSize, maxFragments, expectMasked: true };
    parserOptions.set(endpoint, options);
  }
  return options;
}

// Past this many buffered outbound bytes we stop reading from the peer: a
// client that does not read our replies does not get to send more.
const READ_PAUSE_BYTES = 4 * 1024 * 1024;
// Frames queued during one read are written together; small ones are copied
// into one buffer (one syscall), large ones written as they are.
const COALESCE_BYTES = 16 * 1024;

type State = 'open' | 'closing' | 'closed';

export class WebSocketConnection implements Sweepable {
  state: State = 'open';
  /** Application state for this connection (the endpoint's to use). */
  context: unknown = null;
  readonly remoteAddress: string;
  private readonly parser: FrameParser;
  private readonly rate: TokenBucket;
  private lastReceivedAt: number;
  private pingSentAt = 0;
  private closeDeadline = 0;
  private closeCode: number = CloseCode.Abnormal;
  private closeReason = '';
  private batch: Uint8Array[] | null = null;
  private batchBytes = 0;

  constructor(
    readonly socket: Socket,
    readonly endpoint: WebSocketEndpoint,
    private readonly server: ServerContext,
  ) {
    const { limits } = endpoint;
    this.remoteAddress = socket.remoteAddress ?? '';
    this.parser = new FrameParser(parserOptionsFor(endpoint));
    this.lastReceivedAt = server.sweeper.now;
    this.rate = new TokenBucket(limits.messageBurst, limits.messagesPerSecond, server.sweeper.now);
  }

  /** Bytes accepted for sending but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.batchBytes;
  }

  onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    const { metrics, sweeper } = this.server;
    metrics.bytesIn.inc(undefined, chunk.length);
    this.lastReceivedAt = sweeper.now;
    this.parser.receive(chunk);
    this.batch = [];
    for (let event = this.parser.nextEvent(); event !== null; event = this.parser.nextEvent()) {
      metrics.framesIn.inc();
      switch (event.kind) {
        case 'message':
          if (this.state !== 'open') break; // after our close frame, data is discarded (§5.5.1)
          if (!this.rate.take(sweeper.now)) {
            this.fail(CloseCode.PolicyViolation, 'message rate limit exceeded');
            break;
          }
          this.endpoint.onMessage(this, event.data, event.binary);
          break;
        case 'ping':
          if (this.state === 'open') this.sendFrame(Opcode.Pong, event.data);
          break;
        case 'pong':
          break; // its arrival already counts as activity
        case 'close':
          this.receivedClose(event.code, event.reason);
          break;
        case 'error':
          this.fail(event.code, event.message);
          break;
      }
    }
    this.flushBatch();
  }

  /** Sends one message; strings go as text, bytes as binary unless `binary` says otherwise. */
  send(data: Uint8Array | string, binary = typeof data !== 'string'): void {
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    this.sendFrame(binary ? Opcode.Binary : Opcode.Text, payload);
  }

  /** Writes an already-encoded frame (see prepareFrame): one Buffer shared by many connections. */
  sendPrepared(frame: Buffer): void {
    if (this.state !== 'open') return;
    this.server.metrics.framesOut.inc();
    this.write(frame);
  }

  /**
   * Sends one binary message made of `parts` laid end to end, without copying
   * them: a broadcast shares the same part buffers between many connections.
   */
  sendParts(parts: readonly Uint8Array[], length: number): void {
    if (this.state !== 'open') return;
    this.server.metrics.framesOut.inc();
    const cork = this.batch === null;
    if (cork) this.socket.cork();
    this.write(encodeFrameHeader(Opcode.Binary, length));
    for (const part of parts) this.write(part as Buffer);
    if (cork) this.socket.uncork();
  }

  ping(payload: Buffer = Buffer.alloc(0)): void {
    if (this.state === 'open') this.sendFrame(Opcode.Ping, payload);
  }

  /** Starts the closing handshake; the socket ends when the peer answers or the close timeout passes. */
  close(code: number = CloseCode.NormalClosure, reason = ''): void {
    if (this.state !== 'open') return;
    this.startClosing(code, reason);
  }

  /** Drops the connection without a closing handshake. */
  terminate(): void {
    this.socket.destroy();
  }

  sweep(now: number): void {
    if (this.state === 'closing') {
      if (now >= this.closeDeadline) this.socket.destroy();
      return;
    }
    const { wsIdleTimeoutMs, wsPingIntervalMs } = this.server.config;
    const silentFor = now - this.lastReceivedAt;
    if (silentFor >= wsIdleTimeoutMs) {
      this.closeReason = 'idle timeout';
      this.socket.destroy();
    } else if (silentFor >= wsPingIntervalMs && this.pingSentAt <= this.lastReceivedAt) {
      this.pingSentAt = now;
      this.ping();
    }
  }

  onDrain(): void {
    if (this.socket.isPaused() && this.state !== 'closed') this.socket.resume();
    this.endpoint.onDrain?.(this);
  }

  onClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const { metrics, log } = this.server;
    this.server.webSocketCount--;
    metrics.closes.inc({ code: String(this.closeCode) });
    if (this.closeCode !== CloseCode.NormalClosure && this.closeCode !== CloseCode.GoingAway && this.closeCode !== CloseCode.NoStatus) {
      log.info('websocket closed abnormally', { remote: this.remoteAddress, code: this.closeCode, reason: this.closeReason });
    }
    this.endpoint.onClose?.(this, this.closeCode, this.closeReason);
  }

  private receivedClose(code: number, reason: string): void {
    if (this.state === 'open') {
      // Echo the peer's code (§5.5.1); a close without one is answered without one.
      this.closeCode = code;
      this.closeReason = reason;
      this.write(code === CloseCode.NoStatus ? encodeCloseFrame(0) : encodeCloseFrame(code));
      this.state = 'closing';
      this.closeDeadline = this.server.sweeper.now + this.server.config.wsCloseTimeoutMs;
    }
    // Both close frames have now crossed: the server closes TCP first (§7.1.1).
    this.endSocket();
  }

  /** _Fail the WebSocket Connection_ (§7.1.7): send the close code, then close TCP. */
  private fail(code: number, reason: string): void {
    if (this.state !== 'open') return;
    this.startClosing(code, reason);
    this.endSocket();
  }

  private startClosing(code: number, reason: string): void {
    this.closeCode = code;
    this.closeReason = reason;
    this.server.metrics.framesOut.inc();
    this.write(encodeCloseFrame(code, reason));
    this.state = 'closing';
    this.closeDeadline = this.server.sweeper.now + this.server.config.wsCloseTimeoutMs;
  }

  private endSocket(): void {
    this.flushBatch();
    if (!this.socket.writableEnded) this.socket.end();
  }

  private sendFrame(opcode: number, payload: Uint8Array): void {
    if (this.state !== 'open') return;
    this.server.metrics.framesOut.inc();
    const header = encodeFrameHeader(opcode, payload.length);
    if (payload.length === 0) return this.write(header);
    // Outside a read, header and payload still leave in one syscall.
    const cork = this.batch === null;
    if (cork) this.socket.cork();
    this.write(header);
    this.write(payload);
    if (cork) this.socket.uncork();
  }

  // Sends outside a read (timers, broadcasts) are written at once; the
  // `batch` only exists while a read is being processed.
  private write(bytes: Uint8Array): void {
    this.server.metrics.bytesOut.inc(undefined, bytes.length);
    if (this.batch !== null) {
      this.batch.push(bytes);
      this.batchBytes += bytes.length;
    } else if (!this.socket.writableEnded) {
      this.socket.write(bytes);
    }
  }

  private flushBatch(): void {
    const batch = this.batch;
    if (batch === null) return;
    this.batch = null;
    const bytes = this.batchBytes;
    this.batchBytes = 0;
    if (batch.length === 0 || this.socket.writableEnded) return;
    if (batch.length === 1) this.socket.write(batch[0]!);
    else if (bytes <= COALESCE_BYTES) this.socket.write(Buffer.concat(batch, bytes));
    else {
      this.socket.cork();
      for (const bytes of batch) this.socket.write(bytes);
      this.socket.uncork();
    }
    if (this.socket.writableLength > READ_PAUSE_BYTES) this.socket.pause();
  }
}
