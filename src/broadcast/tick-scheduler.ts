// When the next tick runs: timers in production, a hand-moved scheduler in
// tests (test/support/manual-scheduler.ts), so tick timing is testable
// without waiting.

export interface TickScheduler {
  /** Runs `task` once, `delayMs` from now; replaces a task still pending. */
  after(delayMs: number, task: () => void): void;
  /** Drops the pending task, if any. */
  cancel(): void;
  /** Runs `task` once, after the I/O that is ready now (setImmediate): a tick, or the next slice of its writing. */
  soon(task: () => void): void;
}

export function timerScheduler(): TickScheduler {
  let timer: NodeJS.Timeout | null = null;
  return {
    after(delayMs, task) {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        task();
      }, delayMs);
    },
    cancel() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
    soon(task) {
      setImmediate(task);
    },
  };
}
