// The placement quota of each board, as this client can best know it: QUOTA
// messages (and HELLO's quotas) give the binding bucket's whole tokens and the
// time to the next one; between them the client counts on by itself, at the
// refill rate of that bucket (found in the board's policy by its capacity), and
// subtracts what it has sent and not yet heard back about. With that estimate
// the client does not send what the server would refuse, and says why instead.
import type { BucketJson, QuotaJson } from '../../src/protocol/messages.js';

interface BoardQuota {
  /** Whole tokens when the QUOTA came, and performance.now() of the next one (0: none coming). */
  available: number;
  capacity: number;
  nextAt: number;
  /** Milliseconds per token of the binding bucket; 0 when unknown (then one token, then silence). */
  tokenMs: number;
  /** Tokens spent on writes still waiting for their answer. */
  inFlight: number;
  /** Tokens of writes answered since this QUOTA: the QUOTA that follows each answer counts them. */
  answered: number;
  unit: 'pixel' | 'write';
}

export class Cooldowns {
  private readonly quotas = new Map<number, BoardQuota>();
  private readonly policies = new Map<number, readonly BucketJson[]>();
  private readonly timers = new Map<number, number>();
  /** A board's countdown reached zero (notification, sound, status line). */
  onReady: (board: number) => void = () => {};

  /** The board's buckets (HELLO): their refill rates and units. */
  setPolicy(board: number, buckets: readonly BucketJson[]): void {
    this.policies.set(board, buckets.filter((b) => b.key !== 'tile'));
  }

  update(quota: QuotaJson): void {
    const now = performance.now();
    const binding = this.bindingBucket(quota.board, quota.capacity);
    const inFlight = this.quotas.get(quota.board)?.inFlight ?? 0;
    this.quotas.set(quota.board, {
      available: quota.available,
      capacity: quota.capacity,
      nextAt: quota.nextInMs > 0 ? now + quota.nextInMs : 0,
      tokenMs: binding ? 1000 / binding.refillPerSecond : 0,
      inFlight,
      answered: 0,
      unit: binding?.unit ?? this.unitOf(quota.board),
    });
    this.schedule(quota.board);
  }

  /** What a write costs in the board's tokens: one per pixel, or one per request. */
  costOf(board: number, pixels: number): number {
    return (this.quotas.get(board)?.unit ?? this.unitOf(board)) === 'write' ? 1 : pixels;
  }

  /** A write of this cost was sent. */
  spend(board: number, cost: number): void {
    const quota = this.quotas.get(board);
    if (quota !== undefined) quota.inFlight += cost;
  }

  /** A write's answer came (or never will): it stays counted until the QUOTA that follows the answer. */
  settle(board: number, cost: number): void {
    const quota = this.quotas.get(board);
    if (quota === undefined) return;
    quota.inFlight = Math.max(0, quota.inFlight - cost);
    quota.answered += cost;
  }

  /** Tokens this client may spend now; Infinity when the board's quota is not known. */
  available(board: number): number {
    const quota = this.quotas.get(board);
    if (quota === undefined) return Infinity;
    return Math.max(0, this.tokensAt(quota, performance.now()) - quota.inFlight - quota.answered);
  }

  /** Milliseconds until the next token (0 when the bucket is full or none is expected). */
  remainingMs(board: number): number {
    const quota = this.quotas.get(board);
    if (quota === undefined || quota.nextAt === 0) return 0;
    const now = performance.now();
    if (this.tokensAt(quota, now) >= quota.capacity) return 0;
    if (now < quota.nextAt) return quota.nextAt - now;
    if (quota.tokenMs === 0) return 0;
    return quota.tokenMs - ((now - quota.nextAt) % quota.tokenMs);
  }

  /** Nothing may be placed now, and a token is coming. */
  isWaiting(board: number): boolean {
    return this.quotas.has(board) && this.available(board) === 0 && this.remainingMs(board) > 0;
  }

  /** "Ready", "Ready · 12/20", "Wait 4.2 s", or "—" when unknown. */
  describe(board: number): string {
    const quota = this.quotas.get(board);
    if (quota === undefined) return '—';
    const available = this.available(board);
    if (available > 0) {
      // Counts only help when they are small enough to count down by hand.
      const count = quota.capacity > 1 && quota.capacity < 1000 ? ` · ${available}/${quota.capacity}` : '';
      return `Ready${count}`;
    }
    const remaining = this.remainingMs(board);
    return remaining > 0 ? `Wait ${(remaining / 1000).toFixed(1)} s` : 'Ready';
  }

  private tokensAt(quota: BoardQuota, now: number): number {
    if (quota.nextAt === 0 || now < quota.nextAt) return quota.available;
    const arrived = quota.tokenMs > 0 ? 1 + Math.floor((now - quota.nextAt) / quota.tokenMs) : 1;
    return Math.min(quota.capacity, quota.available + arrived);
  }

  /** The bucket a QUOTA speaks of: the slowest session or IP bucket of that capacity. */
  private bindingBucket(board: number, capacity: number): BucketJson | undefined {
    const matching = (this.policies.get(board) ?? []).filter((b) => b.capacity === capacity);
    return matching.sort((a, b) => a.refillPerSecond - b.refillPerSecond)[0];
  }

  private unitOf(board: number): 'pixel' | 'write' {
    const buckets = this.policies.get(board) ?? [];
    return buckets.length > 0 && buckets.every((b) => b.unit === 'write') ? 'write' : 'pixel';
  }

  /** A timer for the moment the countdown ends, so onReady fires then. */
  private schedule(board: number): void {
    const previous = this.timers.get(board);
    if (previous !== undefined) clearTimeout(previous);
    this.timers.delete(board);
    if (!this.isWaiting(board)) return;
    this.timers.set(board, window.setTimeout(() => {
      this.timers.delete(board);
      if (this.available(board) > 0) this.onReady(board);
      else this.schedule(board);
    }, Math.ceil(this.remainingMs(board))));
  }
}

/**
 * Per-tile cooldowns of boards with a 'tile' bucket: each tile's own tokens,
 * mirrored from this client's saves and refusals (another person's save of the
 * same tile shows up as a refusal, whose wait the server tells).
 */
export class TileCooldowns {
  private readonly buckets = new Map<number, BucketJson>();
  /** "board:tx:ty" → tokens at `at`. */
  private readonly tiles = new Map<string, { tokens: number; at: number }>();

  setPolicy(board: number, buckets: readonly BucketJson[]): void {
    const tile = buckets.find((b) => b.key === 'tile');
    if (tile) this.buckets.set(board, tile);
    else this.buckets.delete(board);
  }

  /** Milliseconds until tile (tx, ty) may be written again; 0 now. */
  waitMs(board: number, tx: number, ty: number): number {
    const bucket = this.buckets.get(board);
    const tile = this.tiles.get(`${board}:${tx}:${ty}`);
    if (bucket === undefined || tile === undefined) return 0;
    const tokens = this.tokens(bucket, tile, performance.now());
    return tokens >= 1 ? 0 : ((1 - tokens) * 1000) / bucket.refillPerSecond;
  }

  written(board: number, tx: number, ty: number): void {
    const bucket = this.buckets.get(board);
    if (bucket === undefined) return;
    const key = `${board}:${tx}:${ty}`;
    const now = performance.now();
    const previous = this.tiles.get(key);
    const tokens = previous ? this.tokens(bucket, previous, now) : bucket.capacity;
    this.tiles.set(key, { tokens: Math.max(0, tokens - 1), at: now });
  }

  refused(board: number, tx: number, ty: number, retryAfterMs: number): void {
    const bucket = this.buckets.get(board);
    if (bucket === undefined) return;
    // Whole again after retryAfterMs: that many tokens short of one now.
    const tokens = Math.max(0, 1 - (retryAfterMs / 1000) * bucket.refillPerSecond);
    this.tiles.set(`${board}:${tx}:${ty}`, { tokens, at: performance.now() });
  }

  private tokens(bucket: BucketJson, tile: { tokens: number; at: number }, now: number): number {
    return Math.min(bucket.capacity, tile.tokens + ((now - tile.at) / 1000) * bucket.refillPerSecond);
  }
}

/**
 * A board's rate limits in words, for the cooldown box: the buckets of one
 * person (their session's; else their address's), and the per-tile one.
 * "1 pixel every 5 s", "20 pixels at once, then 10 a second · each tile once every 5 s".
 * Limits too generous to matter (1,000 or more at once) are left out.
 */
export function rulesText(buckets: readonly BucketJson[]): string {
  const session = buckets.filter((b) => b.key === 'session');
  const person = session.length > 0 ? session : buckets.filter((b) => b.key === 'ip');
  const parts = person.filter((b) => b.capacity < 1000).map((b) => {
    const unit = b.unit === 'pixel' ? 'pixel' : 'write';
    if (b.capacity === 1) return `1 ${unit} every ${duration(1 / b.refillPerSecond)}`;
    return `${b.capacity} ${unit}s at once, then ${rate(b.refillPerSecond)}`;
  });
  const tile = buckets.find((b) => b.key === 'tile');
  if (tile) parts.push(tile.capacity === 1 ? `each tile once every ${duration(1 / tile.refillPerSecond)}` : `each tile ${tile.capacity} times, then ${rate(tile.refillPerSecond)}`);
  return parts.join(' · ');
}

/** "10 a second", "100 a minute" (whichever is a whole number, else the nearer one), "1 every 2 min". */
function rate(perSecond: number): string {
  const whole = (n: number) => Math.abs(n - Math.round(n)) < 0.01;
  if (perSecond >= 1 && whole(perSecond)) return `${Math.round(perSecond)} a second`;
  if (perSecond * 60 >= 1 && (whole(perSecond * 60) || perSecond < 1)) return `${+(perSecond * 60).toFixed(1)} a minute`;
  if (perSecond >= 1) return `${+perSecond.toFixed(1)} a second`;
  return `1 every ${duration(1 / perSecond)}`;
}

function duration(seconds: number): string {
  return seconds < 60 ? `${+seconds.toFixed(1)} s` : `${+(seconds / 60).toFixed(1)} min`;
}
