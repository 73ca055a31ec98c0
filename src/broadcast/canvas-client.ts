// One viewer of the canvas: its connection, identity, the chunks it watches,
// and what the broadcaster is assembling for it this tick.
import type { WebSocketConnection } from '../websocket/connection.js';

export class CanvasClient {
  /** Per board index: the chunks this client subscribes to (created on first use). */
  readonly subscriptions: (Set<number> | null)[];
  subscriptionCount = 0;
  /** The board this client looks at: the one its latest SUBSCRIBE named (-1: none yet). */
  viewing = -1;
  /** When this client stopped keeping up (0: it keeps up). */
  behindSince = 0;
  /** The last tick in which the broadcaster checked whether it keeps up. */
  checkedTick = 0;
  /** The last tick in which the broadcaster corked its socket (to send CHUNKs). */
  corkedTick = 0;
  /** Per board index: chunks that changed while it was behind. */
  missed: (Set<number> | null)[] | null = null;
  /** Malformed messages in the current minute (too many → 1008). */
  faults = 0;
  faultWindowStart = 0;

  // This tick's DIFF for this client: the shared section buffers (the array is
  // reused tick after tick) and a running hash of which sections they are, so
  // clients watching the same changes find each other and share one frame.
  readonly tickParts: Uint8Array[] = [];
  tickBytes = 0;
  tickHash = 0;

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
