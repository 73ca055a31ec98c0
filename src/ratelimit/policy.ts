// A board's rate limits: its buckets (config `policy.buckets`), each a
// KeyedBuckets keyed by the session, the client IP or the tile written, and
// checked together so a request passes all of them or takes from none.
import type { BucketKey, BucketSpec } from './bucket-spec.js';
import { KeyedBuckets } from './keyed-buckets.js';

export interface RateSubject {
  session: string;
  ip: string;
  /** The writer's role ('user', 'moderator', 'admin'); absent: a guest. Buckets with `roles` count only those. */
  role?: string | undefined;
  /** A signed-in writer's account ("user:N"): its 'session' buckets count the account, on every device. */
  actor?: string | undefined;
  /** The tile written, e.g. "12:34"; only for tile writes. */
  tile?: string;
}

export interface RateDecision {
  allowed: boolean;
  /** 0 when allowed; Infinity when the request is larger than a bucket can ever hold. */
  retryAfterMs: number;
}

export interface Quota {
  available: number;
  capacity: number;
  nextInMs: number;
}

// Every allowed request gets this same object: the hot path allocates only
// for rejections. Frozen so no caller can change it for the others.
const ALLOWED: RateDecision = Object.freeze({ allowed: true, retryAfterMs: 0 });
// With no session or IP bucket nothing limits a client.
const UNLIMITED: Quota = Object.freeze({ available: Infinity, capacity: Infinity, nextInMs: 0 });

export class RatePolicy {
  // Parallel arrays, read in index order on every consume.
  private readonly stores: KeyedBuckets[];
  private readonly keys: BucketKey[];
  private readonly units: BucketSpec['unit'][];
  /** Per bucket: the roles it counts, or null for everyone. */
  private readonly roles: (readonly string[] | null)[];

  constructor(buckets: readonly BucketSpec[], options: { maxKeys?: number } = {}) {
    this.stores = buckets.map((spec) => new KeyedBuckets(spec, options));
    this.keys = buckets.map((spec) => spec.key);
    this.units = buckets.map((spec) => spec.unit);
    this.roles = buckets.map((spec) => spec.roles ?? null);
  }

  /**
   * Checks every bucket for a request of `pixels` pixels that makes the board
   * allocate `newChunks` chunks; if all allow it, takes from all, else takes
   * from none and returns the longest wait. Buckets keyed 'tile' are skipped
   * when subject.tile is undefined, 'chunk' buckets when nothing is allocated.
   */
  consume(subject: RateSubject, pixels: number, now: number, newChunks = 0): RateDecision {
    const { stores, keys, units, roles } = this;
    let retryAfterMs = 0;
    for (let i = 0; i < stores.length; i++) {
      const key = keyOf(subject, keys[i]!);
      const cost = costOf(units[i]!, pixels, newChunks);
      if (key === undefined || cost === 0 || !counts(roles[i]!, subject)) continue;
      const wait = stores[i]!.retryAfterMs(key, now, cost);
      if (wait > retryAfterMs) retryAfterMs = wait;
    }
    if (retryAfterMs > 0) return { allowed: false, retryAfterMs };
    // Every check passed at this same `now`, so every take succeeds.
    for (let i = 0; i < stores.length; i++) {
      const key = keyOf(subject, keys[i]!);
      const cost = costOf(units[i]!, pixels, newChunks);
      if (key !== undefined && cost > 0 && counts(roles[i]!, subject)) stores[i]!.take(key, now, cost);
    }
    return ALLOWED;
  }

  /**
   * The binding quota for a session and IP now (for QUOTA): the session or IP
   * bucket with the fewest whole tokens, its capacity, and the ms until it
   * gains one more (0 if full). Units are the bucket's: pixels or writes.
   */
  quota(subject: RateSubject, now: number): Quota {
    let binding = -1;
    let available = Infinity;
    let nextInMs = 0;
    for (let i = 0; i < this.stores.length; i++) {
      const kind = this.keys[i]!;
      // A tile's bucket is not the writer's; a chunk bucket limits where one writes, not how much.
      if (kind === 'tile' || this.units[i] === 'chunk' || !counts(this.roles[i]!, subject)) continue;
      const store = this.stores[i]!;
      const key = kind === 'session' ? subject.actor ?? subject.session : subject.ip;
      const whole = wholeTokens(store.available(key, now));
      const next = whole >= store.capacity ? 0 : store.retryAfterMs(key, now, whole + 1);
      // On a tie the bucket that refills more slowly binds for longer.
      if (whole < available || (whole === available && next > nextInMs)) {
        binding = i;
        available = whole;
        nextInMs = next;
      }
    }
    if (binding === -1) return UNLIMITED;
    return { available, capacity: this.stores[binding]!.capacity, nextInMs };
  }

  /** Forgets buckets that have refilled to full; call every few seconds. */
  sweep(now: number): void {
    for (const store of this.stores) store.sweep(now);
  }
}

function counts(roles: readonly string[] | null, subject: RateSubject): boolean {
  return roles === null || roles.includes(subject.role ?? 'guest');
}

function costOf(unit: BucketSpec['unit'], pixels: number, newChunks: number): number {
  return unit === 'pixel' ? pixels : unit === 'write' ? 1 : newChunks;
}

function keyOf(subject: RateSubject, key: BucketKey): string | undefined {
  return key === 'session' ? subject.actor ?? subject.session : key === 'ip' ? subject.ip : subject.tile;
}

// 2.9999999999 tokens after refill rounding are 3: the same tolerance that lets
// KeyedBuckets.take succeed for them.
function wholeTokens(tokens: number): number {
  return Math.floor(tokens + 1e-9);
}
