// Puts a WebSocket connection's frames on its socket, as few writes as it
// takes: frames produced while one read is processed (replies, echoes, the
// pongs and closes the protocol sends) are batched and leave together, small
// ones copied into one buffer (one syscall), large ones handed over as they
// are; frames sent outside a read (timers, broadcasts) are written at once,
// header and payload corked into one writev, unless the sender asked for a
// batch until the current microtasks are done (batchThisTurn: the answers to
// the many requests one group commit settles, sent from promise callbacks).
import type { Socket } from 'node:net';
import type { WebSocketMetrics } from '../telemetry/server-metrics.js';
import type { ProtocolOutput } from './protocol.js';
import type { WireTap } from './wire-tap.js';
import { dropSocket } from '../net/drop-socket.js';

// Past this many buffered outbound bytes we stop reading from the peer: a
// client that does not read our replies does not get to send more.
const READ_PAUSE_BYTES = 4 * 1024 * 1024;
// A batch at most this large is copied into one buffer; a larger one is corked.
const COALESCE_BYTES = 16 * 1024;

export class SocketWriter implements ProtocolOutput {
  // Only exists while a read is being processed (see startBatch).
  private batch: Uint8Array[] | null = null;
  private batchBytes = 0;
  /** See every byte written (the wire inspector); null almost always. */
  taps: readonly WireTap[] | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly metrics: WebSocketMetrics,
  ) {}

  /** Bytes accepted for sending but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.batchBytes;
  }

  /** Runs `write`; everything it sends leaves in one writev. */
  cork(write: () => void): void {
    if (this.batch !== null) return write(); // inside a read, writes are batched anyway
    this.socket.cork();
    try {
      write();
    } finally {
      this.socket.uncork();
    }
  }

  /** From now until flushBatch, writes are collected instead of written. */
  startBatch(): void {
    this.batch = [];
  }

  /**
   * Collects what is sent from now until the microtasks queued so far (and those they queue
   * before it) have run, then writes it at once; inside a read or an earlier such batch, nothing
   * changes.
   */
  batchThisTurn(): void {
    if (this.batch !== null) return;
    this.startBatch();
    queueMicrotask(this.flushLater);
  }

  private readonly flushLater = (): void => this.flushBatch();

  /** Writes the collected frames; stops reading from a peer that is not reading ours. */
  flushBatch(): void {
    const batch = this.batch;
    if (batch === null) return;
    this.batch = null;
    const bytes = this.batchBytes;
    this.batchBytes = 0;
    const socket = this.socket;
    if (batch.length === 0 || socket.writableEnded || socket.destroyed) return;
    if (batch.length === 1) socket.write(batch[0]!);
    else if (bytes <= COALESCE_BYTES) socket.write(Buffer.concat(batch, bytes));
    else {
      socket.cork();
      for (const piece of batch) socket.write(piece);
      socket.uncork();
    }
    if (socket.writableLength > READ_PAUSE_BYTES) socket.pause();
  }

  // ---- ProtocolOutput -------------------------------------------------------------------

  writeFrame(header: Uint8Array, payload: Uint8Array | null): void {
    this.metrics.framesOut.inc();
    if (payload === null) return this.write(header);
    // Outside a read, header and payload still leave in one syscall.
    const cork = this.batch === null;
    if (cork) this.socket.cork();
    this.write(header);
    this.write(payload);
    if (cork) this.socket.uncork();
  }

  endTcp(): void {
    this.flushBatch();
    if (!this.socket.writableEnded) this.socket.end();
  }

  dropTcp(): void {
    dropSocket(this.socket);
  }

  private write(bytes: Uint8Array): void {
    this.metrics.bytesOut.inc(undefined, bytes.length);
    if (this.taps !== null) for (const tap of this.taps) tap.sent(bytes);
    if (this.batch !== null) {
      this.batch.push(bytes);
      this.batchBytes += bytes.length;
    } else if (!this.socket.writableEnded) {
      this.socket.write(bytes);
    }
  }
}
