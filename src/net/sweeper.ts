// One timer for every connection's deadlines instead of one timer each: an
// idle socket then costs a few numbers, not a Timeout object. Each tick also
// refreshes a coarse clock that hot paths read instead of calling Date.now().

export interface Sweepable {
  sweep(now: number): void;
}

export class Sweeper {
  now = Date.now();
  readonly items = new Set<Sweepable>();
  private readonly timer: NodeJS.Timeout;

  constructor(resolutionMs: number) {
    this.timer = setInterval(() => this.tick(), resolutionMs);
    this.timer.unref();
  }

  tick(): void {
    this.now = Date.now();
    for (const item of this.items) item.sweep(this.now);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

// Fine enough for every timeout, coarse enough to cost nothing: a quarter of
// the shortest one, between 10 ms and 1 s.
export function sweepResolution(timeoutsMs: number[]): number {
  return Math.min(1000, Math.max(10, Math.floor(Math.min(...timeoutsMs) / 4)));
}
