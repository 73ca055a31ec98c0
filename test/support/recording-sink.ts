// A BroadcastSink for tests: our own interface, recorded in memory (not a
// peer: the real connection is tested against real clients elsewhere). Each
// write is kept as the frame bytes a connection would put on the wire.
import type { BroadcastSink } from '../../src/broadcast/sink.js';
import { decodeServerMessage, type ServerMessage } from '../../src/protocol/messages.js';
import { prepareFrame } from '../../src/websocket/frame-encoder.js';
import { Opcode } from '../../src/websocket/opcodes.js';

export interface SinkWrite {
  /** The frame's bytes. */
  frame: Buffer;
  /** The prepared frame passed to sendPrepared (shared by identity), or null for sendParts. */
  prepared: Buffer | null;
  /** The parts passed to sendParts (shared by identity), or null. */
  parts: readonly Uint8Array[] | null;
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

  cork(write: () => void): void {
    this.corks++;
    this.corked = true;
    try {
      write();
    } finally {
      this.corked = false;
    }
  }

  sendPrepared(frame: Buffer): void {
    this.record({ frame, prepared: frame, parts: null, cork: this.corked ? this.corks : 0 });
  }

  sendParts(parts: readonly Uint8Array[], length: number): void {
    const frame = prepareFrame(Opcode.Binary, Buffer.concat(parts, length));
    this.record({ frame, prepared: null, parts: parts.slice(), cork: this.corked ? this.corks : 0 });
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

/** The server message in one unmasked binary frame. */
export function decodeFrame(frame: Buffer): ServerMessage {
  const length7 = frame[1]! & 0x7f;
  const offset = length7 === 126 ? 4 : length7 === 127 ? 10 : 2;
  const message = decodeServerMessage(new Uint8Array(frame.subarray(offset)));
  if (message.type === 'fault') throw new Error(`undecodable: ${message.message}`);
  return message;
}
