// One timer for every connection's deadlines instead of one timer each: an
// idle socket then costs a few numbers, not a Timeout object. Each tick reads
// the injected clock once and hands that time to everything it sweeps.
import type { Clock } from '../clock.js';

export class Sweeper {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly clock: Clock,
    resolutionMs: number,
    private readonly sweep: (now: number) => void,
  ) {
    this.timer = setInterval(() => this.tick(), resolutionMs);
    this.timer.unref();
  }

  tick(): void {
    this.sweep(this.clock.now());
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
