// Subscribers that watch exactly the same chunks, as one group: at 10,000
// viewers of a whole board there is one group, so a tick works out one DIFF
// for it, not one per viewer (each viewer then only points at the group's
// frame). A dirty chunk's audience is the groups that watch it, so a tick
// visits each group once per dirty chunk and each member once (at its group's
// first visit): 100 dirty chunks watched by 10,000 viewers are 100 group
// visits, not a million subscriber visits. A subscriber's group is found by
// a hash of its chunks kept up to date as it subscribes (SubscriptionIndex),
// confirmed chunk by chunk; any change of its subscriptions makes it leave its
// group, and it is grouped again before the next tick is planned (groupAll).
import type { PreparedMessage } from '../websocket/prepared-message.js';

/** What a group needs of a subscriber (Subscriber has it): what it watches, and its group. */
export interface GroupMember {
  readonly subscriptions: readonly (ReadonlySet<number> | null)[];
  readonly subscriptionCount: number;
  readonly subscriptionHash: number;
  group: SubscriptionGroup<this> | null;
}

/** A 32-bit mix of (board, chunk) (murmur3's finaliser): the XOR of a subscriber's chunks' mixes is its hash. */
export function chunkHash(board: number, chunk: number): number {
  let h = Math.imul(board + 1, 0x9e3779b1) ^ chunk;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

export class SubscriptionGroup<M extends GroupMember> {
  /** Per board index, the chunks (a copy: the member it was made from may subscribe to more later). */
  readonly chunks: (ReadonlySet<number> | null)[];
  readonly members = new Set<M>();
  /** The planner's: the tick of its first visit to the group, and the members that did not keep up then (they miss each dirty chunk). */
  visitedTick = 0;
  readonly missing: M[] = [];
  /** How many of this tick's recipients are members (counted at the planner's first visit). */
  recipients = 0;
  /** The tick whose frames and DIFF are below (filled once per tick, after the count). */
  plannedTick = 0;
  /** This tick's whole-chunk messages (CHUNKs for chunks changed by more than a third). */
  readonly frames: PreparedMessage[] = [];
  /** This tick's DIFF, one object for every member: shared by several recipients, a PreparedMessage, else a plain frame (null: none). */
  diff: PreparedMessage | Buffer | null = null;

  constructor(
    readonly hash: number,
    readonly count: number,
    subscriptions: readonly (ReadonlySet<number> | null)[],
  ) {
    this.chunks = subscriptions.map((chunks) => (chunks !== null && chunks.size > 0 ? new Set(chunks) : null));
  }

  /** Whether `subscriber` watches exactly these chunks. */
  matches(subscriber: GroupMember): boolean {
    if (subscriber.subscriptionCount !== this.count) return false;
    const theirs = subscriber.subscriptions;
    for (let board = 0; board < this.chunks.length; board++) {
      const mine = this.chunks[board];
      if (mine === null) {
        if ((theirs[board]?.size ?? 0) !== 0) return false;
        continue;
      }
      const other = theirs[board];
      if (!other || other.size !== mine.size) return false;
      for (const chunk of mine) if (!other.has(chunk)) return false;
    }
    return true;
  }
}

export class SubscriptionGroups<M extends GroupMember> {
  private readonly byHash = new Map<number, SubscriptionGroup<M>[]>();
  // Per board, per chunk: the groups that watch it.
  private readonly byChunk: (Set<SubscriptionGroup<M>> | null)[][];
  // Members whose subscriptions changed since they were last grouped.
  private readonly ungrouped = new Set<M>();

  constructor(chunkCounts: readonly number[]) {
    this.byChunk = chunkCounts.map((count) => new Array(count).fill(null));
  }

  /** Groups with at least one member. */
  get size(): number {
    let n = 0;
    for (const list of this.byHash.values()) n += list.length;
    return n;
  }

  /** The groups that watch (board, chunk), as of the last groupAll; null: none. */
  watching(board: number, chunk: number): ReadonlySet<SubscriptionGroup<M>> | null {
    return this.byChunk[board]![chunk] ?? null;
  }

  /** Puts every member whose subscriptions changed into its group (before a tick is planned). */
  groupAll(): void {
    if (this.ungrouped.size === 0) return;
    for (const member of this.ungrouped) if (member.subscriptionCount > 0) this.of(member);
    this.ungrouped.clear();
  }

  /** `member`'s group, found or made (only after a change of its subscriptions: else it is kept). */
  of(member: M): SubscriptionGroup<M> {
    if (member.group !== null) return member.group;
    const hash = member.subscriptionHash;
    let list = this.byHash.get(hash);
    let group = list?.find((g) => g.matches(member));
    if (group === undefined) {
      group = new SubscriptionGroup<M>(hash, member.subscriptionCount, member.subscriptions);
      if (list === undefined) this.byHash.set(hash, (list = []));
      list.push(group);
      this.index(group, true);
    }
    group.members.add(member);
    member.group = group;
    return group;
  }

  /** `member`'s subscriptions change: it is no longer in its group, and is grouped again by the next groupAll. */
  leave(member: M): void {
    this.ungrouped.add(member);
    this.drop(member);
  }

  /** `member` is gone. */
  forget(member: M): void {
    this.ungrouped.delete(member);
    this.drop(member);
  }

  private drop(member: M): void {
    const group = member.group;
    if (group === null) return;
    member.group = null;
    group.members.delete(member);
    if (group.members.size > 0) return;
    const list = this.byHash.get(group.hash)!;
    list.splice(list.indexOf(group), 1);
    if (list.length === 0) this.byHash.delete(group.hash);
    this.index(group, false);
  }

  private index(group: SubscriptionGroup<M>, add: boolean): void {
    group.chunks.forEach((chunks, board) => {
      if (chunks === null) return;
      const byChunk = this.byChunk[board]!;
      for (const chunk of chunks) {
        if (add) (byChunk[chunk] ??= new Set()).add(group);
        else {
          const groups = byChunk[chunk]!;
          groups.delete(group);
          if (groups.size === 0) byChunk[chunk] = null;
        }
      }
    });
  }
}
