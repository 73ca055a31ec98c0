// A clock that moves only when a test says so.
import type { Clock } from '../../src/clock.js';

export class ManualClock implements Clock {
  constructor(private time = 1_700_000_000_000) {}

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }
}
