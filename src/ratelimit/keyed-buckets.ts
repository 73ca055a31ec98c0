// Token buckets by string key (session id, IP, tile) with bounded memory.
//
// A bucket that has refilled to full behaves exactly like a bucket that was
// never created, so only buckets with a deficit are stored and a missing key
// means "full". Each stored bucket is a slot in typed arrays found through a
// Map<string, slot>: a small integer in the Map and plain doubles in the
// arrays, so a take allocates no object and no heap number, and a key costs
// its string, a Map entry and ~32 bytes.
//
// Same refill model as TokenBucket: `capacity` tokens, refilled continuously
// at `refillPerSecond`; time is passed in (ms).

export interface BucketRate {
  capacity: number;
  refillPerSecond: number;
}

export interface KeyedBucketsOptions {
  /** Most keys stored at once (default 100_000). */
  maxKeys?: number;
}

// Token counts are doubles: 0.2 tokens/s over 1000 ms is 0.2000…01, and so
// on. A shortfall below a billionth of a token is rounding, not a shortfall,
// so the wait computed by retryAfterMs is also the wait after which take
// succeeds.
const TOKEN_EPSILON = 1e-9;
// Rounding can likewise push an exact wait (4000 ms) to 4000.0000000000005;
// shaving a relative 1e-12 before the ceiling keeps it 4000.
const CEIL_SLACK = 1 - 1e-12;
const INITIAL_SLOTS = 1024;
const NONE = -1;

export class KeyedBuckets {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly maxKeys: number;
  private readonly msPerToken: number;
  private readonly slots = new Map<string, number>();
  // Per slot: the bucket's tokens, when they were counted, its key, and its
  // place in the recency list (least recently used at `oldest`). A list in
  // typed arrays rather than the Map's insertion order: V8 leaves deleted Map
  // entries as holes until it rehashes, so finding the oldest entry of a Map
  // used as a queue costs O(holes): 1,000,000 cycled keys took 10–40× longer.
  private tokens: Float64Array;
  private countedAt: Float64Array;
  private keyOf: (string | undefined)[] = [];
  private newer: Int32Array; // also links the free list
  private older: Int32Array;
  private oldest = NONE;
  private newest = NONE;
  private free = NONE;
  /** Slots below this have been handed out (stored or on the free list). */
  private highWater = 0;
  private insertsSinceSweep: number;
  private readonly insertsPerForcedSweep: number;

  constructor(rate: BucketRate, options: KeyedBucketsOptions = {}) {
    const { capacity, refillPerSecond } = rate;
    const maxKeys = options.maxKeys ?? 100_000;
    // A bucket that never refills would never become "full", and forgetting it
    // (eviction) would hand its owner a fresh one: keyed buckets must refill.
    if (!(capacity > 0) || !Number.isFinite(capacity)) throw new RangeError(`bucket capacity must be a positive number, got ${capacity}`);
    if (!(refillPerSecond > 0) || !Number.isFinite(refillPerSecond)) {
      throw new RangeError(`bucket refillPerSecond must be a positive number, got ${refillPerSecond}`);
    }
    if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys must be a positive integer, got ${maxKeys}`);
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this.maxKeys = maxKeys;
    this.msPerToken = 1000 / refillPerSecond;
    // Arrays grow by doubling up to maxKeys, so a quiet board costs little.
    const initial = Math.min(maxKeys, INITIAL_SLOTS);
    this.tokens = new Float64Array(initial);
    this.countedAt = new Float64Array(initial);
    this.newer = new Int32Array(initial);
    this.older = new Int32Array(initial);
    // A sweep costs O(size). Forced by a full store it runs at most once per
    // maxKeys/8 inserts, so an attacker who keeps every bucket in deficit
    // costs O(8) per new key, not O(maxKeys). The first one may run at once.
    this.insertsPerForcedSweep = Math.max(1, maxKeys >>> 3);
    this.insertsSinceSweep = this.insertsPerForcedSweep;
  }

  /** Buckets stored (the ones not full). */
  get size(): number {
    return this.slots.size;
  }

  /** Tokens in `key`'s bucket now (a key not stored has a full bucket). */
  available(key: string, now: number): number {
    const slot = this.slots.get(key);
    return slot === undefined ? this.capacity : this.tokensAt(slot, now);
  }

  /** Milliseconds until `cost` tokens are available: 0 if they are now, Infinity if cost > capacity. */
  retryAfterMs(key: string, now: number, cost: number): number {
    if (!(cost <= this.capacity)) return Infinity; // NaN too
    const shortfall = cost - this.available(key, now);
    if (shortfall <= TOKEN_EPSILON) return 0;
    return Math.max(1, Math.ceil(shortfall * this.msPerToken * CEIL_SLACK));
  }

  /** Takes `cost` tokens if there are that many, otherwise none. */
  take(key: string, now: number, cost: number): boolean {
    if (!(cost <= this.capacity)) return false;
    if (cost <= 0) return true;
    let slot = this.slots.get(key);
    const tokens = slot === undefined ? this.capacity : this.tokensAt(slot, now);
    if (cost - tokens > TOKEN_EPSILON) return false;
    const left = Math.max(0, tokens - cost);
    if (slot === undefined) {
      if (this.capacity - left <= TOKEN_EPSILON) return true; // still full: nothing to remember
      slot = this.insert(key, now);
    } else {
      this.unlink(slot);
      this.append(slot);
    }
    this.tokens[slot] = left;
    // Never move the count back in time: after a clock step backwards the
    // refill since countedAt must not be counted twice.
    if (now > this.countedAt[slot]!) this.countedAt[slot] = now;
    return true;
  }

  /** Forgets every bucket that has refilled to full; call every few seconds, not per request. */
  sweep(now: number): void {
    for (let slot = this.oldest; slot !== NONE; ) {
      const next = this.newer[slot]!;
      if (this.capacity - this.tokensAt(slot, now) <= TOKEN_EPSILON) this.release(slot);
      slot = next;
    }
    this.insertsSinceSweep = 0;
  }

  private tokensAt(slot: number, now: number): number {
    const elapsed = now - this.countedAt[slot]!;
    const tokens = this.tokens[slot]!;
    if (elapsed <= 0) return tokens;
    const refilled = tokens + (elapsed * this.refillPerSecond) / 1000;
    return refilled < this.capacity ? refilled : this.capacity;
  }

  private insert(key: string, now: number): number {
    if (this.slots.size >= this.maxKeys) this.makeRoom(now);
    let slot = this.free;
    if (slot !== NONE) {
      this.free = this.newer[slot]!;
    } else {
      if (this.highWater === this.tokens.length) this.grow();
      slot = this.highWater++;
    }
    this.slots.set(key, slot);
    this.keyOf[slot] = key;
    this.countedAt[slot] = now;
    this.append(slot);
    this.insertsSinceSweep++;
    return slot;
  }

  private makeRoom(now: number): void {
    if (this.insertsSinceSweep >= this.insertsPerForcedSweep) {
      this.sweep(now);
      if (this.slots.size < this.maxKeys) return;
    }
    // Still full of buckets in deficit: forget the least recently used one.
    // That is safe enough: it is the bucket idle the longest, so it has been
    // refilling the longest and is nearly full anyway; forgetting it hands its
    // owner at most the few tokens it still lacked. An attacker cycling keys
    // only pushes out buckets idle longer than its cycle through maxKeys keys.
    this.release(this.oldest);
  }

  private release(slot: number): void {
    this.slots.delete(this.keyOf[slot]!);
    this.keyOf[slot] = undefined;
    this.unlink(slot);
    this.newer[slot] = this.free;
    this.free = slot;
  }

  private append(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = NONE;
    if (this.newest === NONE) this.oldest = slot;
    else this.newer[this.newest] = slot;
    this.newest = slot;
  }

  private unlink(slot: number): void {
    const older = this.older[slot]!;
    const newer = this.newer[slot]!;
    if (older === NONE) this.oldest = newer;
    else this.newer[older] = newer;
    if (newer === NONE) this.newest = older;
    else this.older[newer] = older;
  }

  private grow(): void {
    const length = Math.min(this.maxKeys, this.tokens.length * 2);
    this.tokens = grown(this.tokens, new Float64Array(length));
    this.countedAt = grown(this.countedAt, new Float64Array(length));
    this.newer = grown(this.newer, new Int32Array(length));
    this.older = grown(this.older, new Int32Array(length));
  }
}

function grown<T extends Float64Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
