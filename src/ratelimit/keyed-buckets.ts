// Token buckets by string key (session id, IP, tile) with bounded memory.
//
// A bucket that has refilled to full behaves exactly like a bucket that was
// never created, so only buckets with a deficit are stored and a missing key
// means "full". Each stored bucket is a slot in two Float64Arrays (tokens and
// the time they were counted) found through a Map<string, slot>: a small
// integer in the Map and plain doubles in the arrays, so a take allocates no
// object and no heap number, and a key costs its string and a Map entry.
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

export class KeyedBuckets {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly maxKeys: number;
  private readonly msPerToken: number;
  /** Key → slot; iteration order is least recently used first (see touch). */
  private readonly slots = new Map<string, number>();
  private tokens: Float64Array;
  private countedAt: Float64Array;
  private freeSlots: Int32Array;
  private freeCount = 0;
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
    // Arrays grow by doubling up to maxKeys, so an idle board costs little.
    const initial = Math.min(maxKeys, INITIAL_SLOTS);
    this.tokens = new Float64Array(initial);
    this.countedAt = new Float64Array(initial);
    this.freeSlots = new Int32Array(initial);
    // A sweep costs O(maxKeys). Forced by a full store it runs at most once per
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
      this.touch(key, slot);
    }
    this.tokens[slot] = left;
    // Never move the count back in time: a clock that steps backwards must not
    // make the refill since countedAt be counted twice.
    if (now > this.countedAt[slot]!) this.countedAt[slot] = now;
    return true;
  }

  /** Drops every bucket that has refilled to full; call every few seconds, not per request. */
  sweep(now: number): void {
    // Deleting the entry being visited is safe in a Map iteration.
    for (const [key, slot] of this.slots) {
      if (this.capacity - this.tokensAt(slot, now) <= TOKEN_EPSILON) this.release(key, slot);
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

  /** Moves `key` to the most recently used end of the Map's order. */
  private touch(key: string, slot: number): void {
    this.slots.delete(key);
    this.slots.set(key, slot);
  }

  private insert(key: string, now: number): number {
    if (this.slots.size >= this.maxKeys) this.makeRoom(now);
    let slot: number;
    if (this.freeCount > 0) {
      slot = this.freeSlots[--this.freeCount]!;
    } else {
      if (this.highWater === this.tokens.length) this.grow();
      slot = this.highWater++;
    }
    this.slots.set(key, slot);
    this.insertsSinceSweep++;
    this.countedAt[slot] = now;
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
    // owner at most the few tokens it still lacked. An attacker can only push
    // out buckets idle for longer than it takes to cycle through maxKeys keys.
    const oldest = this.slots.entries().next().value!;
    this.release(oldest[0], oldest[1]);
  }

  private release(key: string, slot: number): void {
    this.slots.delete(key);
    this.freeSlots[this.freeCount++] = slot;
  }

  private grow(): void {
    const length = Math.min(this.maxKeys, this.tokens.length * 2);
    const tokens = new Float64Array(length);
    tokens.set(this.tokens);
    const countedAt = new Float64Array(length);
    countedAt.set(this.countedAt);
    const freeSlots = new Int32Array(length);
    freeSlots.set(this.freeSlots.subarray(0, this.freeCount));
    this.tokens = tokens;
    this.countedAt = countedAt;
    this.freeSlots = freeSlots;
  }
}
