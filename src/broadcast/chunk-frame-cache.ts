// Prepared CHUNK frames by (board, chunk, version): a thousand viewers
// opening the same board cost one encoding per chunk, not a thousand. Bounded
// by bytes; the least recently used frames go first.
import type { Board } from '../canvas/board.js';
import { prepareFrame } from '../websocket/frame-encoder.js';
import { Opcode } from '../websocket/opcodes.js';
import { chunkMessage } from './chunk-message.js';

interface Entry {
  version: number;
  frame: Buffer;
}

export class ChunkFrameCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  frame(board: Board, chunk: number): Buffer {
    const key = `${board.index}:${chunk}`;
    const version = board.chunkVersion(chunk);
    const cached = this.entries.get(key);
    if (cached) {
      this.entries.delete(key);
      this.bytes -= cached.frame.length;
    }
    const entry = cached && cached.version === version ? cached : { version, frame: prepareFrame(Opcode.Binary, chunkMessage(board, chunk)) };
    this.entries.set(key, entry);
    this.bytes += entry.frame.length;
    for (const [oldKey, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldKey);
      this.bytes -= old.frame.length;
    }
    return entry.frame;
  }
}
