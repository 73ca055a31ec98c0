// One viewer as the broadcaster sees it: where its bytes go (a BroadcastSink),
// the chunks it watches, whether it keeps up, and what it gets this tick.
import type { PreparedMessage } from '../websocket/prepared-message.js';
import type { BroadcastSink } from './sink.js';
import type { SubscriptionGroup } from './subscription-groups.js';

/**
 * What one subscriber gets in one tick, filled by the TickPlanner and written
 * (then emptied) by the TickWriter. One per subscriber, reused tick after tick
 * (the arrays keep their capacity), so planning allocates nothing per client.
 */
export class Outbox {
  /** Whole prepared messages, in order: this tick's CHUNKs, or a catch-up. */
  readonly frames: PreparedMessage[] = [];
  /**
   * The DIFF, the same object for every subscriber of the same chunks (its
   * SubscriptionGroup's): a PreparedMessage when more than one of them gets it
   * this tick (compressed once for all that negotiated permessage-deflate), a
   * plain frame when only this one does (never compressed: see tick-writer.ts);
   * null: none.
   */
  shared: PreparedMessage | Buffer | null = null;

  get isEmpty(): boolean {
    return this.frames.length === 0 && this.shared === null;
  }

  clear(): void {
    // Setting an array's length is a runtime call, not a store: skip it when already empty.
    if (this.frames.length !== 0) this.frames.length = 0;
    this.shared = null;
  }
}

export class Subscriber {
  /** Per board index: the chunks this subscriber watches (created on first use). */
  readonly subscriptions: (Set<number> | null)[];
  subscriptionCount = 0;
  /** The XOR of chunkHash over its subscriptions (SubscriptionIndex keeps it), to find its group. */
  subscriptionHash = 0;
  /** Those who watch the same chunks (null: not known since its subscriptions last changed). */
  group: SubscriptionGroup<Subscriber> | null = null;
  /** The board it looks at: the one its latest SUBSCRIBE named (-1: none yet). */
  viewing = -1;
  /** Whether it stopped keeping up, and since when (clock milliseconds). */
  behind = false;
  behindSince = 0;
  /** Per board index: chunks that changed while it was behind. */
  missed: (Set<number> | null)[] | null = null;
  /** The last tick in which the planner checked its backlog, and the last in which that backlog was not empty. */
  checkedTick = 0;
  backloggedTick = 0;
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
