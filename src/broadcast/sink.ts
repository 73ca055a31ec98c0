// What the broadcaster needs from a viewer's connection, and nothing more:
// the WebSocket connection implements it, tests implement it in memory.

export interface BroadcastSink {
  /** Bytes accepted for sending but not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** Runs `write`; everything it sends leaves in one writev. */
  cork(write: () => void): void;
  /** Writes an already-encoded frame, shared with other sinks (see prepareFrame). */
  sendPrepared(frame: Buffer): void;
  /** Sends one binary message made of `parts` laid end to end, without copying them. */
  sendParts(parts: readonly Uint8Array[], length: number): void;
  /** Starts the closing handshake with `code` (e.g. 1013 for a reader that cannot keep up). */
  close(code: number, reason: string): void;
}
