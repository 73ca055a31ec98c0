// One viewer of the canvas: its connection, identity, the chunks it watches,
// and what the broadcaster is assembling for it this tick.
import type { WebSocketConnection } from '../websocket/connection.js';

export class CanvasClient {
  /** Per board index: the chunks this client subscribes to (created on first use). */
  readonly subscriptions: (Set<number> | null)[];
  subscriptionCount = 0;
  /** When this client stopped keeping up (0: it keeps up). */
  behindSince = 0;
  /** The last tick in which the broadcaster checked whether it keeps up. */
  checkedTick = 0;
  /** Per board index: chunks that changed while it was behind. */
  missed: (Set<number> | null)[] | null = null;
  /** Malformed messages in the current minute (too many → 1008). */
  faults = 0;
  faultWindowStart = 0;

  // This tick's DIFF for this client: shared section buffers and a key naming
  // them, so clients watching the same changes get the same prepared frame.
  tickParts: Uint8Array[] = [];
  tickBytes = 0;
  tickKey = '';

  constructor(
    readonly connection: WebSocketConnection,
    readonly session: string,
    readonly ip: string,
    boardCount: number,
  ) {
    this.subscriptions = new Array(boardCount).fill(null);
  }

  isSubscribed(board: number, chunk: number): boolean {
    return this.subscriptions[board]?.has(chunk) ?? false;
  }

  markMissed(board: number, chunk: number): void {
    this.missed ??= new Array(this.subscriptions.length).fill(null);
    (this.missed[board] ??= new Set()).add(chunk);
  }
}
