// Who watches which chunk: each subscriber's chunks, kept with the hash that
// finds its group; a dirty chunk's audience is the groups that watch it
// (subscription-groups.ts), found in O(1). Also who watches and who looks at
// each board, for the online counts.
import type { Subscriber } from './subscriber.js';
import { SubscriptionGroups, chunkHash } from './subscription-groups.js';

export class SubscriptionIndex {
  /** Clients with at least one subscription on each board. */
  readonly watchers: Map<Subscriber, number>[];
  /**
   * Clients looking at each board (the "online" count): those whose latest
   * SUBSCRIBE named it, even with no chunk (a zoomed-out view of a huge board
   * holds none, yet someone is looking).
   */
  readonly viewers: number[];
  /** Subscribers that watch the same chunks, grouped (so that a tick plans one DIFF per group). */
  readonly groups: SubscriptionGroups<Subscriber>;

  constructor(chunkCounts: readonly number[]) {
    this.groups = new SubscriptionGroups(chunkCounts);
    this.watchers = chunkCounts.map(() => new Map());
    this.viewers = chunkCounts.map(() => 0);
  }

  /** The client looks at `board` now. */
  view(client: Subscriber, board: number): void {
    if (client.viewing === board) return;
    if (client.viewing >= 0) this.viewers[client.viewing]!--;
    client.viewing = board;
    this.viewers[board]!++;
  }

  /** Adds the subscription; false if it already existed. */
  add(client: Subscriber, board: number, chunk: number): boolean {
    const mine = (client.subscriptions[board] ??= new Set());
    if (mine.has(chunk)) return false;
    mine.add(chunk);
    client.subscriptionCount++;
    client.subscriptionHash ^= chunkHash(board, chunk);
    this.groups.leave(client);
    const watchers = this.watchers[board]!;
    watchers.set(client, (watchers.get(client) ?? 0) + 1);
    return true;
  }

  remove(client: Subscriber, board: number, chunk: number): void {
    const mine = client.subscriptions[board];
    if (!mine?.delete(chunk)) return;
    client.subscriptionCount--;
    client.subscriptionHash ^= chunkHash(board, chunk);
    this.groups.leave(client);
    const watchers = this.watchers[board]!;
    const left = watchers.get(client)! - 1;
    if (left === 0) watchers.delete(client);
    else watchers.set(client, left);
  }

  removeClient(client: Subscriber): void {
    client.subscriptions.forEach((chunks, board) => {
      if (chunks) for (const chunk of [...chunks]) this.remove(client, board, chunk);
    });
    if (client.viewing >= 0) this.viewers[client.viewing]!--;
    client.viewing = -1;
    this.groups.forget(client);
  }
}
