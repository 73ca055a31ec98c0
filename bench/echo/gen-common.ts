// Helpers for load generator children. They talk to the runner with one JSON object
// per stdout line ({"event": ...}); the runner may answer with lines on stdin.
export function emit(event: string, data: object = {}): void {
  process.stdout.write(JSON.stringify({ event, ...data }) + '\n');
}

/** The process's own CPU use (all threads) over a window, as % of one core. */
export class CpuMeter {
  private cpu = process.cpuUsage();
  private wall = process.hrtime.bigint();

  reset(): void {
    this.cpu = process.cpuUsage();
    this.wall = process.hrtime.bigint();
  }

  percent(): number {
    const used = process.cpuUsage(this.cpu);
    const wallUs = Number(process.hrtime.bigint() - this.wall) / 1000;
    return ((used.user + used.system) / wallUs) * 100;
  }
}

/** Resolves with the next stdin line equal to `command`. The process exits if stdin ends (runner gone). */
export function waitForCommand(command: string): Promise<void> {
  return new Promise((resolve) => {
    let pending = '';
    const onData = (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop()!;
      if (!lines.some((line) => line.trim() === command)) return;
      process.stdin.off('data', onData);
      resolve();
    };
    process.stdin.on('data', onData);
  });
}

/** Exit when the runner goes away (our stdin closes), so no generator outlives it. */
export function exitWithParent(): void {
  process.stdin.on('end', () => process.exit(2));
  process.stdin.resume();
}
