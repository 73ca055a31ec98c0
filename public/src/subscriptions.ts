// Which chunks of the current board this client is subscribed to, kept in step
// with what the viewport wants: SUBSCRIBE what came into view, UNSUBSCRIBE what
// left it (with a one-chunk margin of hysteresis, so hovering at a chunk border
// does not subscribe and unsubscribe on every frame).
import { encodeSubscribe, encodeUnsubscribe } from '../../src/protocol/messages.js';

/** SUBSCRIBE's n is u16, and the server allows 1,024 chunks per client anyway. */
const MAX_PER_MESSAGE = 1024;

export class Subscriptions {
  /** Chunk indices the server has been asked for (and not released). */
  readonly subscribed = new Set<number>();
  /** Counts of chunk subscriptions sent, for tests and the debug line. */
  sentSubscribes = 0;
  sentUnsubscribes = 0;
  private board = -1;
  private chunksX = 1;

  constructor(
    private readonly send: (bytes: Uint8Array) => boolean,
    /** Called for every chunk released, so its pixels can be dropped. */
    private readonly onRelease: (chunk: number) => void,
  ) {}

  /**
   * Switches boards: releases everything on the old one, and tells the server which
   * board we look at (a SUBSCRIBE of no chunk: a zoomed-out view holds none, yet it
   * counts as someone online there).
   */
  setBoard(board: number, chunksX: number): void {
    this.update(new Set(), new Set());
    this.board = board;
    this.chunksX = chunksX;
    this.send(encodeSubscribe(board, []));
  }

  /**
   * Subscribes every chunk of `wanted` not yet subscribed, and releases every
   * subscribed chunk that is not in `keep` (a superset of wanted).
   */
  update(wanted: ReadonlySet<number>, keep: ReadonlySet<number>): void {
    const added: number[] = [];
    const removed: number[] = [];
    for (const chunk of wanted) if (!this.subscribed.has(chunk)) added.push(chunk);
    for (const chunk of this.subscribed) if (!keep.has(chunk) && !wanted.has(chunk)) removed.push(chunk);
    for (const chunk of removed) {
      this.subscribed.delete(chunk);
      this.onRelease(chunk);
    }
    for (const chunk of added) this.subscribed.add(chunk);
    this.sendList(encodeUnsubscribe, removed);
    this.sendList(encodeSubscribe, added);
    this.sentUnsubscribes += removed.length;
    this.sentSubscribes += added.length;
  }

  /** A DIFF showed the chunk missed changes: ask again for a fresh CHUNK. */
  refresh(chunk: number): void {
    if (!this.subscribed.has(chunk)) return;
    this.sendList(encodeUnsubscribe, [chunk]);
    this.sendList(encodeSubscribe, [chunk]);
  }

  /** After a reconnect the server knows nothing of us: subscribe everything again. */
  resubscribeAll(): void {
    if (this.board >= 0) this.send(encodeSubscribe(this.board, []));
    this.sendList(encodeSubscribe, [...this.subscribed]);
  }

  private sendList(encode: (board: number, chunks: number[]) => Uint8Array, chunks: number[]): void {
    if (this.board < 0) return;
    for (let i = 0; i < chunks.length; i += MAX_PER_MESSAGE) {
      const pairs: number[] = [];
      for (const chunk of chunks.slice(i, i + MAX_PER_MESSAGE)) pairs.push(chunk % this.chunksX, Math.floor(chunk / this.chunksX));
      this.send(encode(this.board, pairs));
    }
  }
}
