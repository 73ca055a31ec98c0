// Who watches which chunk: per board, an array indexed by chunk of the
// subscribed clients, so a tick finds a dirty chunk's audience in O(1).
import type { Subscriber } from './subscriber.js';
import { SubscriptionGroups, chunkHash } from './subscription-groups.js';

export class SubscriptionIndex {
  private readonly byBoard: (Set<Subscriber> | null)[][];
  /** Clients with at least one subscription on each board. */
  readonly watchers: Map<Subscriber, number>[];
  /**
   * Clients looking at each board (the "online" count): those whose latest
   * SUBSCRIBE named it, even with no chunk (a zoomed-out view of a huge board
   * holds none, yet someone is looking).
   */
  readonly viewers: number[];
  /** Subscribers that watch the same chunks, grouped (so that a tick plans one DIFF per group). */
  readonly groups = new SubscriptionGroups();

  constructor(chunkCounts: readonly number[]) {
    this.byBoard = chunkCounts.map((count) => new Array(count).fill(null));
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

  subscribersOf(board: number, chunk: number): Set<Subscriber> | null {
    return this.byBoard[board]![chunk] ?? null;
  }

  /** Adds the subscription; false if it already existed. */
  add(client: Subscriber, board: number, chunk: number): boolean {
    const mine = (client.subscriptions[board] ??= new Set());
    if (mine.has(chunk)) return false;
    mine.add(chunk);
    client.subscriptionCount++;
    client.subscriptionHash ^= chunkHash(board, chunk);
    this.groups.leave(client);
    const chunks = this.byBoard[board]!;
    (chunks[chunk] ??= new Set()).add(client);
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
    const chunks = this.byBoard[board]!;
    const audience = chunks[chunk]!;
    audience.delete(client);
    if (audience.size === 0) chunks[chunk] = null;
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
    this.groups.leave(client);
  }
}
