// Subscribers that watch exactly the same chunks, as one group: at 10,000
// viewers of a whole board there is one group, so a tick works out one DIFF
// for it, not one per viewer (each viewer then only points at the group's
// frame). A subscriber's group is found when a tick needs it, by a hash of its
// chunks kept up to date as it subscribes (SubscriptionIndex), confirmed chunk
// by chunk; any change of its subscriptions makes it leave its group.
import type { PreparedMessage } from '../websocket/prepared-message.js';

/** What a group needs of a subscriber (Subscriber has it): what it watches, and its group. */
export interface GroupMember {
  readonly subscriptions: readonly (ReadonlySet<number> | null)[];
  readonly subscriptionCount: number;
  readonly subscriptionHash: number;
  group: SubscriptionGroup | null;
}

/** A 32-bit mix of (board, chunk) (murmur3's finaliser): the XOR of a subscriber's chunks' mixes is its hash. */
export function chunkHash(board: number, chunk: number): number {
  let h = Math.imul(board + 1, 0x9e3779b1) ^ chunk;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

export class SubscriptionGroup {
  /** Per board index, the chunks (a copy: the member it was made from may subscribe to more later). */
  readonly chunks: (ReadonlySet<number> | null)[];
  members = 0;
  /** The tick `recipients` counts, and how many of its recipients are members. */
  countedTick = 0;
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

export class SubscriptionGroups {
  private readonly byHash = new Map<number, SubscriptionGroup[]>();

  /** Groups with at least one member. */
  get size(): number {
    let n = 0;
    for (const list of this.byHash.values()) n += list.length;
    return n;
  }

  /** `subscriber`'s group, found or made (only after a change of its subscriptions: else it is kept). */
  of(subscriber: GroupMember): SubscriptionGroup {
    if (subscriber.group !== null) return subscriber.group;
    const hash = subscriber.subscriptionHash;
    let list = this.byHash.get(hash);
    let group = list?.find((g) => g.matches(subscriber));
    if (group === undefined) {
      group = new SubscriptionGroup(hash, subscriber.subscriptionCount, subscriber.subscriptions);
      if (list === undefined) this.byHash.set(hash, (list = []));
      list.push(group);
    }
    group.members++;
    subscriber.group = group;
    return group;
  }

  /** `subscriber`'s subscriptions change, or it is gone: it is no longer in its group. */
  leave(subscriber: GroupMember): void {
    const group = subscriber.group;
    if (group === null) return;
    subscriber.group = null;
    if (--group.members > 0) return;
    const list = this.byHash.get(group.hash)!;
    list.splice(list.indexOf(group), 1);
    if (list.length === 0) this.byHash.delete(group.hash);
  }
}
