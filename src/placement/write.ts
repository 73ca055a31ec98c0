// A write to a board as the placement pipeline sees it, whichever way it came
// in (WebSocket PLACE, PLACE_BATCH, TILE_WRITE; HTTP POST pixels, PUT/DELETE
// tile): decoded, not yet judged.
import type { Board } from '../canvas/board.js';
import type { RejectReason } from '../protocol/types.js';

export type Write =
  | { kind: 'pixel'; x: number; y: number; color: number }
  /** A stroke: `count` × (x u16, y u16, color u8) big-endian, as PLACE_BATCH carries it; all or nothing. */
  | { kind: 'batch'; pixels: Uint8Array; count: number }
  /** A whole tile (mosaic): tileSize² palette indices, row-major. */
  | { kind: 'tile'; tx: number; ty: number; colors: Uint8Array };

/** Who writes: the guest session (or, later, the account) and the client IP. */
export interface Writer {
  readonly session: string;
  readonly ip: string;
  /** Named in the history as this ("user:N" for an account); absent: the guest session's digest (actor.ts). */
  readonly actor?: string;
  /** guestActor(session), computed once per connection or request so checks need not hash. */
  readonly guest?: string;
  /** The account's role ('user', 'moderator', 'admin'); absent: a guest. Rate buckets may count roles apart. */
  readonly role?: string | undefined;
}

export type WriteSource = 'ws' | 'http';

export interface WriteRequest {
  board: Board;
  writer: Writer;
  write: Write;
  source: WriteSource;
}

export type PlacementResult =
  | { ok: true; count: number; color: number }
  | { ok: false; reason: RejectReason; retryAfterMs: number };

/** Pixels a write changes. */
export function pixelCount(write: Write): number {
  if (write.kind === 'pixel') return 1;
  if (write.kind === 'batch') return write.count;
  return write.colors.length;
}

/** The colour the acknowledgement names: the last one written. */
export function lastColor(write: Write): number {
  if (write.kind === 'pixel') return write.color;
  if (write.kind === 'batch') return write.pixels[write.count * 5 - 1]!;
  return write.colors[write.colors.length - 1]!;
}
