// A token bucket: `capacity` tokens, refilled continuously at `refillPerSecond`.
// Time is passed in (ms) so callers can use a coarse shared clock and tests
// can drive it without waiting.

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.refilledAt = now;
  }

  private refill(now: number): void {
    if (now > this.refilledAt) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.refillPerSecond) / 1000);
      this.refilledAt = now;
    }
  }

  /** Takes `count` tokens if there are that many; otherwise takes none. */
  take(now: number, count = 1): boolean {
    this.refill(now);
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }

  /** Milliseconds until `count` tokens will be available (0 if they are now). */
  retryAfterMs(now: number, count = 1): number {
    this.refill(now);
    if (this.tokens >= count) return 0;
    if (count > this.capacity || this.refillPerSecond <= 0) return Infinity;
    return Math.ceil(((count - this.tokens) * 1000) / this.refillPerSecond);
  }
}
