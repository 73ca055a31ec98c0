// What the broadcaster needs from a viewer's connection, and nothing more:
// the WebSocket connection implements it, tests implement it in memory.
import type { PreparedMessage } from '../websocket/prepared-message.js';

export interface BroadcastSink {
  /** Bytes accepted for sending but not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** Runs `write`; everything it sends leaves in one writev. */
  cork(write: () => void): void;
  /**
   * Writes a message encoded once for many sinks: a frame from prepareFrame as
   * it is; a PreparedMessage compressed if this sink negotiated
   * permessage-deflate (its one compressed frame, shared), else plain.
   */
  sendPrepared(message: Buffer | PreparedMessage): void;
  /** Starts the closing handshake with `code` (e.g. 1013 for a reader that cannot keep up). */
  close(code: number, reason: string): void;
}
