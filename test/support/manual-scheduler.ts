// A TickScheduler that runs its task only when a test moves time on.
import type { TickScheduler } from '../../src/broadcast/tick-scheduler.js';
import type { ManualClock } from './manual-clock.js';

export class ManualScheduler implements TickScheduler {
  private task: (() => void) | null = null;
  private readonly soonTasks: (() => void)[] = [];
  private due = 0;
  /** The delay asked for by the latest `after` (-1: none yet). */
  lastDelay = -1;

  constructor(private readonly clock: ManualClock) {}

  after(delayMs: number, task: () => void): void {
    this.task = task;
    this.due = this.clock.now() + delayMs;
    this.lastDelay = delayMs;
  }

  cancel(): void {
    this.task = null;
  }

  get pending(): boolean {
    return this.task !== null;
  }

  soon(task: () => void): void {
    this.soonTasks.push(task);
  }

  /** Tasks given to `soon` and not run yet. */
  get soonPending(): number {
    return this.soonTasks.length;
  }

  /** Runs the oldest task given to `soon` (it may give more); false if there was none. */
  runSoon(): boolean {
    const task = this.soonTasks.shift();
    task?.();
    return task !== undefined;
  }

  /** Runs the pending `after` task (moving the clock to when it is due), and not what it gives `soon`; false if there was none. */
  runTimer(): boolean {
    const task = this.task;
    if (task === null) return false;
    this.task = null;
    if (this.due > this.clock.now()) this.clock.advance(this.due - this.clock.now());
    task();
    return true;
  }

  /** Moves the clock on by `ms`, running the task each time it comes due (it may schedule the next). */
  advance(ms: number): void {
    while (this.runSoon());
    const end = this.clock.now() + ms;
    while (this.task !== null && this.due <= end) {
      const task = this.task;
      this.task = null;
      if (this.due > this.clock.now()) this.clock.advance(this.due - this.clock.now());
      task();
      while (this.runSoon());
    }
    if (end > this.clock.now()) this.clock.advance(end - this.clock.now());
  }
}
