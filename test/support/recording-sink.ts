// A BroadcastSink for tests: our own interface, recorded in memory (not a
// peer: the real connection is tested against real clients elsewhere). Each
// write is kept as the frame bytes a connection would put on the wire. A sink
// made with `compresses` stands for a connection that negotiated
// permessage-deflate: it sends a PreparedMessage's compressed frame.
import { constants, inflateRawSync } from 'node:zlib';
import type { BroadcastSink } from '../../src/broadcast/sink.js';
import { decodeServerMessage, type ServerMessage } from '../../src/protocol/messages.js';
import { PreparedMessage } from '../../src/websocket/prepared-message.js';

export interface SinkWrite {
  /** The frame's bytes (for a compressing sink, the shared compressed frame when there is one). */
  frame: Buffer;
  /** What was passed to sendPrepared (shared by identity). */
  prepared: Buffer | PreparedMessage;
  /** Whether it was written inside cork(…), and which cork (from 1). */
  cork: number;
}

export class RecordingSink implements BroadcastSink {
  bufferedAmount = 0;
  readonly writes: SinkWrite[] = [];
  closed: { code: number; reason: string } | null = null;
  /** Runs on every write: a test can make writing take time (advance a manual clock). */
  onWrite: (() => void) | null = null;
  private corks = 0;
  private corked = false;

  constructor(readonly compresses = false) {}

  cork(write: () => void): void {
    this.corks++;
    this.corked = true;
    try {
      write();
    } finally {
      this.corked = false;
    }
  }

  sendPrepared(message: Buffer | PreparedMessage): void {
    const frame = !(message instanceof PreparedMessage) ? message : (this.compresses ? message.compressedFrame() : null) ?? message.frame;
    this.record({ frame, prepared: message, cork: this.corked ? this.corks : 0 });
  }

  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }

  /** The writes since the last call. */
  take(): SinkWrite[] {
    return this.writes.splice(0);
  }

  /** The writes since the last call, decoded. */
  takeMessages(): ServerMessage[] {
    return this.take().map((write) => decodeFrame(write.frame));
  }

  private record(write: SinkWrite): void {
    this.writes.push(write);
    this.onWrite?.();
  }
}

/** Whether a frame has RSV1 set: compressed with permessage-deflate. */
export function isCompressed(frame: Buffer): boolean {
  return (frame[0]! & 0x40) !== 0;
}

/** The payload of one unmasked frame, inflated (with zlib itself, as a peer would) if compressed. */
export function framePayload(frame: Buffer): Buffer {
  const length7 = frame[1]! & 0x7f;
  const payload = frame.subarray(length7 === 126 ? 4 : length7 === 127 ? 10 : 2);
  if (!isCompressed(frame)) return payload;
  // The sync flush's tail, left off the wire (RFC 7692 §7.2.2); the stream does not end there.
  return inflateRawSync(Buffer.concat([payload, Buffer.from([0x00, 0x00, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH });
}

/** The server message in one unmasked binary frame (a PreparedMessage: its plain frame). */
export function decodeFrame(frame: Buffer | PreparedMessage): ServerMessage {
  const bytes = frame instanceof PreparedMessage ? frame.frame : frame;
  const message = decodeServerMessage(new Uint8Array(framePayload(bytes)));
  if (message.type === 'fault') throw new Error(`undecodable: ${message.message}`);
  return message;
}
