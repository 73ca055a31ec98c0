// Every write to a board goes through here, whether it came from a WebSocket
// or from POST/PUT: the same checks in the same order, the same rate limits,
// the same reasons for a refusal.
import { RatePolicy, type RateSubject } from '../ratelimit/policy.js';
import { RejectReason } from '../protocol/messages.js';
import type { CanvasMetrics } from '../telemetry/canvas-metrics.js';
import type { Board } from './board.js';

export type PlacementResult =
  | { ok: true; count: number; color: number }
  | { ok: false; reason: RejectReason; retryAfterMs: number };

export const REJECT_NAMES: Record<RejectReason, string> = {
  [RejectReason.RATE_LIMITED]: 'RATE_LIMITED',
  [RejectReason.INVALID_COORDS]: 'INVALID_COORDS',
  [RejectReason.INVALID_COLOR]: 'INVALID_COLOR',
  [RejectReason.LOCKED]: 'LOCKED',
  [RejectReason.BANNED]: 'BANNED',
  [RejectReason.NOT_ALLOWED]: 'NOT_ALLOWED',
};

export class Placements {
  private readonly policies: RatePolicy[];

  constructor(
    readonly boards: readonly Board[],
    private readonly metrics: CanvasMetrics,
  ) {
    this.policies = boards.map((board) => new RatePolicy(board.config.policy.buckets));
  }

  place(board: Board, who: RateSubject, x: number, y: number, color: number, now: number): PlacementResult {
    if (!board.isInside(x, y)) return this.reject(board, RejectReason.INVALID_COORDS);
    if (!board.isValidColor(color)) return this.reject(board, RejectReason.INVALID_COLOR);
    const limited = this.consume(board, who, 1, now);
    if (limited) return limited;
    board.setPixel(x, y, color);
    this.metrics.pixelsPlaced.inc({ board: board.config.id });
    return { ok: true, count: 1, color };
  }

  /** A stroke: `count` × (x u16, y u16, color u8) big-endian, all or nothing. */
  placeBatch(board: Board, who: RateSubject, pixels: Uint8Array, count: number, now: number): PlacementResult {
    const { policy } = board.config;
    if (count === 0 || count > policy.maxBatch || (count > 1 && !policy.strokes)) return this.reject(board, RejectReason.NOT_ALLOWED);
    for (let i = 0; i < count * 5; i += 5) {
      if (!board.isInside((pixels[i]! << 8) | pixels[i + 1]!, (pixels[i + 2]! << 8) | pixels[i + 3]!)) return this.reject(board, RejectReason.INVALID_COORDS);
      if (!board.isValidColor(pixels[i + 4]!)) return this.reject(board, RejectReason.INVALID_COLOR);
    }
    const limited = this.consume(board, who, count, now);
    if (limited) return limited;
    for (let i = 0; i < count * 5; i += 5) {
      board.setPixel((pixels[i]! << 8) | pixels[i + 1]!, (pixels[i + 2]! << 8) | pixels[i + 3]!, pixels[i + 4]!);
    }
    this.metrics.pixelsPlaced.inc({ board: board.config.id }, count);
    return { ok: true, count, color: pixels[count * 5 - 1]! };
  }

  /** A whole tile (mosaic): tileSize² colours, row-major. */
  writeTile(board: Board, who: RateSubject, tx: number, ty: number, colors: Uint8Array, now: number): PlacementResult {
    const { tileSize, policy } = board.config;
    if (!policy.tileWrites || tileSize === null) return this.reject(board, RejectReason.NOT_ALLOWED);
    if (!board.isValidTile(tx, ty)) return this.reject(board, RejectReason.INVALID_COORDS);
    if (colors.length !== tileSize * tileSize) return this.reject(board, RejectReason.NOT_ALLOWED);
    if (!board.areValidColors(colors)) return this.reject(board, RejectReason.INVALID_COLOR);
    const limited = this.consume(board, { session: who.session, ip: who.ip, tile: `${tx}:${ty}` }, colors.length, now);
    if (limited) return limited;
    const count = board.writeTile(tx, ty, colors);
    this.metrics.pixelsPlaced.inc({ board: board.config.id }, count);
    return { ok: true, count, color: colors[colors.length - 1]! };
  }

  quota(board: Board, who: RateSubject, now: number) {
    return this.policies[board.index]!.quota(who, now);
  }

  /** Forgets buckets that have refilled (they are the same as no bucket). */
  sweep(now: number): void {
    for (const policy of this.policies) policy.sweep(now);
  }

  private consume(board: Board, who: RateSubject, pixels: number, now: number): PlacementResult | null {
    const decision = this.policies[board.index]!.consume(who, pixels, now);
    if (decision.allowed) return null;
    // A request larger than a bucket can ever hold will never pass: not a rate problem.
    if (!Number.isFinite(decision.retryAfterMs)) return this.reject(board, RejectReason.NOT_ALLOWED);
    return this.reject(board, RejectReason.RATE_LIMITED, decision.retryAfterMs);
  }

  private reject(board: Board, reason: RejectReason, retryAfterMs = 0): PlacementResult {
    this.metrics.rejects.inc({ board: board.config.id, reason: REJECT_NAMES[reason] });
    return { ok: false, reason, retryAfterMs };
  }
}
