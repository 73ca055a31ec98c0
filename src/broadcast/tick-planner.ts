// The broadcaster's decisions, sans I/O: given this tick's changes, who
// subscribes to what, how far behind each subscriber's socket is, and the
// time, it says what each subscriber gets and which slow ones change state.
// It never writes; the TickWriter (tick-writer.ts) applies the plan.
//
// Each dirty chunk is encoded once, as a DIFF section shared by its whole
// audience; each subscriber gets at most one DIFF made of those sections, and
// subscribers that get the same sections share one PreparedMessage (so, with
// permessage-deflate, one compression: see tick-writer.ts). A chunk changed by
// more than a third goes as a CHUNK instead, shared the same way (and kept in
// the chunk cache). A subscriber whose backlog passes the high-water mark
// falls behind: it gets nothing more, and its missed
// chunks are remembered; once its backlog drains it gets their current
// contents (a catch-up, not the backlog), paced a window at a time by
// catch-up.ts; stuck past the hard limit or the deadline, it is closed with 1013.
import type { Board, ChunkChange } from '../canvas/board.js';
import { DIFF_PREFIX, encodeDiffSection } from '../protocol/messages.js';
import { Opcode } from '../websocket/opcodes.js';
import { PreparedMessage } from '../websocket/prepared-message.js';
import { takeOwedChunks } from './catch-up.js';
import type { ChunkFrameCache } from './chunk-frame-cache.js';
import type { Outbox, Subscriber } from './subscriber.js';
import type { SubscriptionIndex } from './subscriptions.js';

export interface SlowClientLimits {
  /** Past this backlog a subscriber falls behind; at a quarter of it, it catches up. */
  slowClientHighWaterBytes: number;
  /** Past this backlog a subscriber that is behind is closed with 1013. */
  slowClientHardLimitBytes: number;
  /** Behind for longer than this, it is closed with 1013. */
  slowClientDeadlineMs: number;
}

/** Bytes a subscriber's sink holds, not yet handed to the kernel (asked at most once per tick each). */
export type Backlog = (subscriber: Subscriber) => number;

/** What one tick sends, and to whom. Reused: valid until the next planTick. */
export interface TickPlan {
  /** The tick's number, from 1. */
  tick: number;
  /** Subscribers that get something, each once; what they get is in their `outbox` (until written). */
  readonly recipients: Subscriber[];
  /** Subscribers to close with 1013: behind past the hard limit or the deadline. */
  readonly closing: Subscriber[];
  /** Recipients that get a DIFF. */
  diffMessages: number;
  /** Subscribers that fell behind this tick. */
  readonly fellBehind: Subscriber[];
  /** Subscribers caught up this tick: the last of their owed chunks are in their outbox. */
  readonly caughtUp: Subscriber[];
}

function sameParts(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class TickPlanner {
  private readonly plan: TickPlan = { tick: 0, recipients: [], closing: [], diffMessages: 0, fellBehind: [], caughtUp: [] };
  private readonly behind = new Set<Subscriber>();
  // Per tick, the first subscriber of each DIFF hash (cleared, not reallocated).
  private readonly groups = new Map<number, Subscriber>();
  private tick = 0;
  private sectionCount = 0;
  // This tick's Backlog (planTick's argument).
  private backlog: Backlog = () => 0;
  // The subscriber whose catch-up takeOwedChunks is filling, and whether as
  // part of a tick's plan; one callback made once, not a closure per catch-up.
  private catching: Subscriber | null = null;
  private catchingInTick = false;
  private readonly takeFrame = (message: PreparedMessage): void => {
    const subscriber = this.catching!;
    if (this.catchingInTick) this.addRecipient(subscriber);
    subscriber.outbox.frames.push(message);
  };

  constructor(
    private readonly boards: readonly Board[],
    private readonly limits: SlowClientLimits,
    private readonly chunkFrames: ChunkFrameCache,
  ) {}

  /** Subscribers currently behind. */
  get behindCount(): number {
    return this.behind.size;
  }

  /** The subscriber is gone: forget it. */
  forget(subscriber: Subscriber): void {
    this.behind.delete(subscriber);
  }

  /**
   * A chunk `subscriber` just subscribed to, between ticks: its CHUNK, to send
   * now, if its sink holding `backlog` bytes has room for it within the
   * high-water mark; else null, and the chunk is owed and goes with its paced
   * catch-up (a resubscribing client may ask for 1,024 whole chunks at once).
   */
  planSubscribe(subscriber: Subscriber, board: Board, chunk: number, backlog: number, now: number): PreparedMessage | null {
    if (!subscriber.behind) {
      const message = this.chunkFrames.message(board, chunk);
      if (backlog + message.frame.length <= this.limits.slowClientHighWaterBytes) return message;
      this.fallBehind(subscriber, now);
    }
    subscriber.markMissed(board.index, chunk);
    return null;
  }

  /**
   * `subscriber`'s sink drained (it holds `backlog` bytes), between ticks: if
   * it is catching up, its next window goes into its outbox, for the
   * TickWriter's writeOne. Returns true if it caught up (nothing owed any more).
   */
  planDrain(subscriber: Subscriber, backlog: number, now: number): boolean {
    if (!subscriber.behind) return false;
    subscriber.outbox.clear();
    return this.catchUp(subscriber, backlog, now, false);
  }

  /**
   * Plans one tick. `changes[b]` are board b's changes since the last tick
   * (Board.takeChanges); `now` is the clock's time.
   */
  planTick(changes: readonly (readonly ChunkChange[])[], subscriptions: SubscriptionIndex, backlog: Backlog, now: number): TickPlan {
    const plan = this.reset();
    this.backlog = backlog;
    for (let b = 0; b < changes.length; b++) {
      const board = this.boards[b]!;
      for (const change of changes[b]!) {
        const audience = subscriptions.subscribersOf(b, change.chunk);
        if (audience === null) continue;
        // Past a third of the chunk, its full contents are smaller than a diff
        // (3 bytes per changed pixel against 1 per pixel): send a CHUNK instead.
        if (change.offsets.length * 3 > board.config.chunkSize ** 2) this.planChunk(board, change, audience, now);
        else this.planSection(board, change, audience, now);
      }
    }
    this.shareDiffs();
    if (this.behind.size > 0) this.serviceSlowClients(now);
    return plan;
  }

  /** Clears the last plan's lists and counts (each outbox is emptied when written, or when next planned). */
  private reset(): TickPlan {
    const plan = this.plan;
    plan.recipients.length = 0;
    if (plan.closing.length !== 0) plan.closing.length = 0;
    plan.diffMessages = 0;
    if (plan.fellBehind.length !== 0) plan.fellBehind.length = 0;
    if (plan.caughtUp.length !== 0) plan.caughtUp.length = 0;
    plan.tick = ++this.tick;
    return plan;
  }

  private planChunk(board: Board, change: ChunkChange, audience: ReadonlySet<Subscriber>, now: number): void {
    const message = this.chunkFrames.message(board, change.chunk);
    for (const subscriber of audience) {
      if (!this.keepsUp(subscriber, now)) {
        subscriber.markMissed(board.index, change.chunk);
        continue;
      }
      this.addRecipient(subscriber);
      subscriber.outbox.frames.push(message);
    }
  }

  private planSection(board: Board, change: ChunkChange, audience: ReadonlySet<Subscriber>, now: number): void {
    const section = encodeDiffSection(board.index, change.cx, change.cy, change.fromVersion, change.toVersion, change.offsets,
      board.chunkData(change.chunk), board.config.background);
    const sectionId = ++this.sectionCount;
    for (const subscriber of audience) {
      if (!this.keepsUp(subscriber, now)) {
        subscriber.markMissed(board.index, change.chunk);
        continue;
      }
      this.addRecipient(subscriber);
      const outbox = subscriber.outbox;
      if (outbox.parts.length === 0) {
        outbox.parts.push(DIFF_PREFIX);
        outbox.bytes = 1;
      }
      outbox.parts.push(section);
      outbox.bytes += section.length;
      outbox.hash = (Math.imul(outbox.hash, 31) + sectionId) | 0;
    }
  }

  private addRecipient(subscriber: Subscriber): void {
    if (subscriber.plannedTick === this.tick) return;
    subscriber.plannedTick = this.tick;
    subscriber.outbox.clear(); // left over if a plan went unwritten (already empty otherwise)
    this.plan.recipients.push(subscriber);
  }

  /**
   * Subscribers whose DIFFs are the same sections (found by the running hash,
   * confirmed part by part) share one message, made when the second is found;
   * a DIFF nobody shares goes as its parts (uncompressed: see tick-writer.ts).
   */
  private shareDiffs(): void {
    const groups = this.groups;
    let diffs = 0;
    // Subscribers of the same chunks tend to come one after another: try the last group first.
    let last: Outbox | null = null;
    for (const subscriber of this.plan.recipients) {
      const outbox = subscriber.outbox;
      if (outbox.parts.length === 0) continue;
      diffs++;
      let group: Outbox | null = last !== null && last.hash === outbox.hash ? last : null;
      if (group === null) {
        const first = groups.get(outbox.hash);
        if (first === undefined) {
          groups.set(outbox.hash, subscriber);
          last = outbox;
          continue;
        }
        group = first.outbox;
      }
      if (!sameParts(group.parts, outbox.parts)) continue; // a hash collision: it writes its own parts
      group.shared ??= new PreparedMessage(Opcode.Binary, Buffer.concat(group.parts, group.bytes));
      outbox.shared = group.shared;
      last = group;
    }
    groups.clear();
    this.plan.diffMessages = diffs;
  }

  /** Whether `subscriber` gets this tick's changes: its backlog is checked once per tick, at its first change. */
  private keepsUp(subscriber: Subscriber, now: number): boolean {
    if (subscriber.behind) return false;
    if (subscriber.checkedTick !== this.tick) {
      subscriber.checkedTick = this.tick;
      if (this.backlog(subscriber) > this.limits.slowClientHighWaterBytes) {
        this.fallBehind(subscriber, now);
        this.plan.fellBehind.push(subscriber);
        return false;
      }
    }
    return true;
  }

  private fallBehind(subscriber: Subscriber, now: number): void {
    subscriber.behind = true;
    subscriber.behindSince = now;
    this.behind.add(subscriber);
  }

  /**
   * Catches up those that drained (a window each: the rest at their next
   * drain, or at a tick once their backlog is low again); closes those stuck
   * past the hard limit or the deadline.
   */
  private serviceSlowClients(now: number): void {
    const { slowClientHighWaterBytes, slowClientHardLimitBytes, slowClientDeadlineMs } = this.limits;
    for (const subscriber of this.behind) {
      const buffered = this.backlog(subscriber);
      if (buffered <= slowClientHighWaterBytes / 4) {
        if (this.catchUp(subscriber, buffered, now, true)) this.plan.caughtUp.push(subscriber);
      } else if (buffered > slowClientHardLimitBytes || now - subscriber.behindSince > slowClientDeadlineMs) {
        this.behind.delete(subscriber);
        this.plan.closing.push(subscriber);
      }
    }
  }

  /**
   * The current contents of every watched chunk that changed meanwhile (not
   * the backlog), a window at a time (catch-up.ts): at most the high-water
   * mark in its sink. A window is progress, so the deadline starts again;
   * it gets DIFFs again once nothing is owed. Returns true then.
   */
  private catchUp(subscriber: Subscriber, backlog: number, now: number, inTick: boolean): boolean {
    const sent = subscriber.outbox.frames.length;
    this.catching = subscriber;
    this.catchingInTick = inTick;
    const done = takeOwedChunks(subscriber, this.boards, this.chunkFrames, backlog, this.limits.slowClientHighWaterBytes, this.takeFrame);
    this.catching = null;
    if (!done) {
      if (subscriber.outbox.frames.length > sent) subscriber.behindSince = now; // no window, no progress
      return false;
    }
    this.behind.delete(subscriber);
    subscriber.behind = false;
    return true;
  }
}
