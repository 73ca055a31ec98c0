// One viewer as the broadcaster sees it: where its bytes go (a BroadcastSink),
// the chunks it watches, whether it keeps up, and what it gets this tick.
import type { PreparedMessage } from '../websocket/prepared-message.js';
import type { BroadcastSink } from './sink.js';

/**
 * What one subscriber gets in one tick, filled by the TickPlanner and written
 * (then emptied) by the TickWriter. One per subscriber, reused tick after tick
 * (the arrays keep their capacity), so planning allocates nothing per client.
 */
export class Outbox {
  /** Whole prepared messages, in order: this tick's CHUNKs, or a catch-up. */
  readonly frames: PreparedMessage[] = [];
  /** The DIFF: DIFF_PREFIX then the shared section buffers, laid end to end (empty: no DIFF). */
  readonly parts: Uint8Array[] = [];
  bytes = 0;
  /** A running hash of which sections `parts` holds, so equal DIFFs find each other. */
  hash = 0;
  /** The DIFF as one message shared by every subscriber of the same sections; null: write `parts`. */
  shared: PreparedMessage | null = null;

  get isEmpty(): boolean {
    return this.frames.length === 0 && this.parts.length === 0;
  }

  clear(): void {
    // Setting an array's length is a runtime call, not a store: skip it when already empty.
    if (this.frames.length !== 0) this.frames.length = 0;
    if (this.parts.length !== 0) {
      this.parts.length = 0;
      this.bytes = 0;
      this.hash = 0;
      this.shared = null;
    }
  }
}

export class Subscriber {
  /** Per board index: the chunks this subscriber watches (created on first use). */
  readonly subscriptions: (Set<number> | null)[];
  subscriptionCount = 0;
  /** The board it looks at: the one its latest SUBSCRIBE named (-1: none yet). */
  viewing = -1;
  /** Whether it stopped keeping up, and since when (clock milliseconds). */
  behind = false;
  behindSince = 0;
  /** Per board index: chunks that changed while it was behind. */
  missed: (Set<number> | null)[] | null = null;
  /** The last tick in which the planner checked its backlog. */
  checkedTick = 0;
  /** The last tick in which the planner put it in the plan's recipients. */
  plannedTick = 0;
  readonly outbox = new Outbox();

  constructor(
    readonly connection: BroadcastSink,
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
