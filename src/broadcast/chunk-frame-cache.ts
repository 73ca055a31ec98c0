// Prepared CHUNK messages by (board, chunk, version): a thousand viewers
// opening the same board cost one encoding per chunk, not a thousand, and
// one compression for all those that negotiated permessage-deflate (made the
// first time one of them is sent it: see PreparedMessage). Bounded by the
// plain frames' bytes (a compressed frame, kept only when smaller, at most
// doubles that); the least recently used messages go first.
import type { Board } from '../canvas/board.js';
import { Opcode } from '../websocket/opcodes.js';
import { PreparedMessage } from '../websocket/prepared-message.js';
import { chunkMessage } from './chunk-message.js';

interface Entry {
  version: number;
  message: PreparedMessage;
}

export class ChunkFrameCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  message(board: Board, chunk: number): PreparedMessage {
    const key = `${board.index}:${chunk}`;
    const version = board.chunkVersion(chunk);
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.bytes -= cached.message.frame.length;
    }
    const entry = cached && cached.version === version ? cached : { version, message: new PreparedMessage(Opcode.Binary, chunkMessage(board, chunk)) };
    this.entries.set(key, entry);
    this.bytes += entry.message.frame.length;
    for (const [oldKey, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldKey);
      this.bytes -= old.message.frame.length;
    }
    return entry.message;
  }
}
