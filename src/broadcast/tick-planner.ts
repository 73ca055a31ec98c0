// The broadcaster's decisions, sans I/O: given this tick's changes, who
// subscribes to what, how far behind each subscriber's socket is, and the
// time, it says what each subscriber gets and which slow ones change state.
// It never writes; the TickWriter (tick-writer.ts) applies the plan.
//
// Each dirty chunk is encoded once, as a DIFF section shared by its whole
// audience; each subscriber gets at most one DIFF made of those sections, and
// subscribers that watch the same chunks (a SubscriptionGroup) share one
// message, worked out once per group. A dirty chunk's audience is the groups
// that watch it: each member is visited once a tick, at its group's first
// visit, and the per-subscriber work of a tick is checking its backlog and
// pointing its outbox at the group's message. Shared by
// more than one recipient, it is a PreparedMessage (so, with permessage-deflate,
// one compression: see tick-writer.ts). A chunk changed by more than a third
// goes as a CHUNK instead, shared the same way (and kept in the chunk cache).
// Every board read (chunkData, a reused scratch copy for a sparse chunk) is
// encoded at once, in the tick's first turn. A subscriber whose backlog passes
// the high-water mark falls behind: it gets nothing more, and its missed
// chunks are remembered; once its backlog drains it gets their current
// contents (a catch-up, not the backlog), paced a window at a time by
// catch-up.ts; stuck past the hard limit or the deadline, it is closed with 1013.
import type { Board, ChunkChange } from '../canvas/board.js';
import { DIFF_PREFIX, encodeDiffSection } from '../protocol/messages.js';
import { prepareFrame } from '../websocket/frame-encoder.js';
import { Opcode } from '../websocket/opcodes.js';
import { PreparedMessage } from '../websocket/prepared-message.js';
import { takeOwedChunks } from './catch-up.js';
import type { ChunkFrameCache } from './chunk-frame-cache.js';
import type { Subscriber } from './subscriber.js';
import type { SubscriptionGroup } from './subscription-groups.js';
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

/** What this tick sends of one dirty chunk: a DIFF section, or (changed by more than a third) a whole CHUNK. */
interface DirtyChunk {
  board: number;
  chunk: number;
  section: Uint8Array | null;
  message: PreparedMessage | null;
}

export class TickPlanner {
  private readonly plan: TickPlan = { tick: 0, recipients: [], closing: [], diffMessages: 0, fellBehind: [], caughtUp: [] };
  private readonly behind = new Set<Subscriber>();
  // This tick's dirty chunks that someone watches (entries reused tick after tick), and how many.
  private readonly dirty: DirtyChunk[] = [];
  private dirtyCount = 0;
  // Scratch for joining a group's DIFF.
  private readonly diffParts: Uint8Array[] = [];
  // Scratch for interleaving the recipients of several groups (interleaveGroups).
  private ranks = new Uint32Array(0);
  private rankStarts = new Uint32Array(0);
  private readonly ordered: (Subscriber | null)[] = [];
  // This tick's subscribers whose sinks still held bytes when asked (backloggedLast).
  private backlogged = 0;
  private tick = 0;
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
    this.dirtyCount = 0;
    const { groups } = subscriptions;
    groups.groupAll();
    for (let b = 0; b < changes.length; b++) {
      const board = this.boards[b]!;
      for (const change of changes[b]!) {
        const audience = groups.watching(b, change.chunk);
        if (audience === null) continue;
        this.encode(board, change);
        for (const group of audience) this.visitGroup(group, b, change.chunk, now);
      }
    }
    this.fillOutboxes();
    if (this.behind.size > 0) this.serviceSlowClients(now);
    return plan;
  }

  /**
   * Encodes a dirty chunk once for everyone: past a third of the chunk, its
   * full contents are smaller than a diff (3 bytes per changed pixel against
   * 1 per pixel), so a CHUNK (from the chunk cache, which later SUBSCRIBEs
   * share); else a DIFF section.
   */
  private encode(board: Board, change: ChunkChange): void {
    const entry = this.dirty[this.dirtyCount] ??= { board: 0, chunk: 0, section: null, message: null };
    this.dirtyCount++;
    entry.board = board.index;
    entry.chunk = change.chunk;
    if (change.offsets.length * 3 > board.config.chunkSize ** 2) {
      entry.message = this.chunkFrames.message(board, change.chunk);
      entry.section = null;
    } else {
      entry.section = encodeDiffSection(board.index, change.cx, change.cy, change.fromVersion, change.toVersion, change.offsets,
        board.chunkData(change.chunk), board.config.background);
      entry.message = null;
    }
  }

  /**
   * A group that watches a dirty chunk: at its first visit in a tick, those of
   * its members that keep up become recipients (each member is visited once
   * a tick); the others owe this chunk, and every later one the group watches.
   */
  private visitGroup(group: SubscriptionGroup<Subscriber>, board: number, chunk: number, now: number): void {
    const { missing } = group;
    if (group.visitedTick !== this.tick) {
      group.visitedTick = this.tick;
      group.recipients = 0;
      if (missing.length !== 0) missing.length = 0;
      for (const member of group.members) {
        if (!this.keepsUp(member, now)) missing.push(member);
        else {
          this.addRecipient(member);
          group.recipients++;
        }
      }
    }
    for (let i = 0; i < missing.length; i++) missing[i]!.markMissed(board, chunk);
  }

  /**
   * Each recipient gets its group's CHUNKs and DIFF, worked out once per
   * group, now that it is known how many of this tick's recipients share them.
   */
  private fillOutboxes(): void {
    const { recipients } = this.plan;
    const tick = this.tick;
    // So far every recipient came from its group's one visit, a group's members side by side.
    const ranks = this.ranksFor(recipients.length);
    let groups = 0;
    let largest = 0;
    for (let i = 0; i < recipients.length; i++) {
      const sameGroup = i > 0 && recipients[i]!.group === recipients[i - 1]!.group;
      ranks[i] = sameGroup ? ranks[i - 1]! + 1 : 0;
      if (!sameGroup) groups++;
      if (ranks[i]! + 1 > largest) largest = ranks[i]! + 1;
    }
    if (groups > 1 && largest > 1) this.interleaveGroups(ranks, largest);
    if (this.backlogged > 0) this.backloggedLast();
    let diffs = 0;
    for (let i = 0; i < recipients.length; i++) {
      const subscriber = recipients[i]!;
      const group = subscriber.group!;
      if (group.plannedTick !== tick) this.planGroup(group);
      const outbox = subscriber.outbox;
      for (let f = 0; f < group.frames.length; f++) outbox.frames.push(group.frames[f]!);
      if (group.diff !== null) {
        outbox.shared = group.diff;
        diffs++;
      }
    }
    this.plan.diffMessages = diffs;
  }

  /**
   * Reorders the recipients by their rank in their group (`ranks[i]`: how many
   * of its group came before recipient i), keeping the order within a rank:
   * every group's first recipient, then every group's second, and so on. Found
   * chunk by chunk, the watchers of the tick's last dirty chunk came last, and
   * a placement there reached its first watcher only once nearly everyone else
   * was written; interleaved, each group's first member is in the first slice.
   * A counting sort: no comparison, no allocation once the scratch has grown.
   */
  private interleaveGroups(ranks: Uint32Array, largest: number): void {
    const { recipients } = this.plan;
    const n = recipients.length;
    const starts = (this.rankStarts = this.rankStarts.length > largest ? this.rankStarts : new Uint32Array(largest * 2 + 1));
    starts.fill(0, 0, largest + 1);
    for (let i = 0; i < n; i++) starts[ranks[i]! + 1]!++;
    for (let r = 1; r <= largest; r++) starts[r]! += starts[r - 1]!;
    const ordered = this.ordered;
    ordered.length = n;
    for (let i = 0; i < n; i++) ordered[starts[ranks[i]!]!++] = recipients[i]!;
    for (let i = 0; i < n; i++) recipients[i] = ordered[i]!;
    ordered.fill(null);
  }

  /**
   * Moves the recipients whose sinks still hold bytes (the kernel took no
   * more) after the others, keeping the order within each part: their DIFF
   * would only queue behind what they have not read, and a write to a
   * congested socket costs more (a stalling viewer's kernel buffers are
   * filling); written first, they delayed everyone else's.
   */
  private backloggedLast(): void {
    const { recipients } = this.plan;
    const n = recipients.length;
    const tick = this.tick;
    const ordered = this.ordered;
    ordered.length = n;
    let k = 0;
    for (let i = 0; i < n; i++) if (recipients[i]!.backloggedTick !== tick) ordered[k++] = recipients[i]!;
    for (let i = 0; i < n; i++) if (recipients[i]!.backloggedTick === tick) ordered[k++] = recipients[i]!;
    for (let i = 0; i < n; i++) recipients[i] = ordered[i]!;
    ordered.fill(null);
  }

  /** Scratch for one rank per recipient (grown, never shrunk). */
  private ranksFor(n: number): Uint32Array {
    if (this.ranks.length < n) this.ranks = new Uint32Array(Math.max(n, this.ranks.length * 2));
    return this.ranks;
  }

  /**
   * What every member of `group` gets this tick: the dirty chunks it watches,
   * as CHUNKs and one DIFF, a PreparedMessage if more than one recipient shares
   * it, else a plain frame (never compressed: see tick-writer.ts).
   */
  private planGroup(group: SubscriptionGroup<Subscriber>): void {
    group.plannedTick = this.tick;
    if (group.frames.length !== 0) group.frames.length = 0;
    const parts = this.diffParts;
    parts.push(DIFF_PREFIX);
    let bytes = DIFF_PREFIX.length;
    for (let i = 0; i < this.dirtyCount; i++) {
      const entry = this.dirty[i]!;
      if (!group.chunks[entry.board]?.has(entry.chunk)) continue;
      if (entry.message !== null) group.frames.push(entry.message);
      else {
        parts.push(entry.section!);
        bytes += entry.section!.length;
      }
    }
    if (parts.length === 1) group.diff = null;
    else {
      const payload = Buffer.concat(parts, bytes);
      group.diff = group.recipients > 1 ? new PreparedMessage(Opcode.Binary, payload) : prepareFrame(Opcode.Binary, payload);
    }
    parts.length = 0;
  }

  /** Clears the last plan's lists and counts (each outbox is emptied when written, or when next planned). */
  private reset(): TickPlan {
    const plan = this.plan;
    plan.recipients.length = 0;
    if (plan.closing.length !== 0) plan.closing.length = 0;
    plan.diffMessages = 0;
    this.backlogged = 0;
    if (plan.fellBehind.length !== 0) plan.fellBehind.length = 0;
    if (plan.caughtUp.length !== 0) plan.caughtUp.length = 0;
    plan.tick = ++this.tick;
    return plan;
  }

  private addRecipient(subscriber: Subscriber): void {
    if (subscriber.plannedTick === this.tick) return;
    subscriber.plannedTick = this.tick;
    subscriber.outbox.clear(); // left over if a plan went unwritten (already empty otherwise)
    this.plan.recipients.push(subscriber);
  }

  /** Whether `subscriber` gets this tick's changes: its backlog is checked once per tick, at its first change. */
  private keepsUp(subscriber: Subscriber, now: number): boolean {
    if (subscriber.behind) return false;
    if (subscriber.checkedTick !== this.tick) {
      subscriber.checkedTick = this.tick;
      const backlog = this.backlog(subscriber);
      if (backlog > this.limits.slowClientHighWaterBytes) {
        this.fallBehind(subscriber, now);
        this.plan.fellBehind.push(subscriber);
        return false;
      }
      if (backlog > 0) {
        subscriber.backloggedTick = this.tick;
        this.backlogged++;
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
