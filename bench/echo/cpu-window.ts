// CPU use over a measurement window, from /proc (Linux). Per-process times are exact
// (scaled to the scheduler's runtime); /proc/stat's machine totals are tick-sampled and
// badly biased by the generator's 1 ms timers, so "other" load is summed per process.
import { readdirSync, readFileSync } from 'node:fs';

const USER_HZ = 100; // unit of utime/stime in /proc/PID/stat on Linux

/** CPU time (user + system, all threads) used so far by `pid`, in seconds; NaN if it is gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ; // fields 14 and 15: utime, stime
  } catch {
    return NaN;
  }
}

function everyProcessCpu(): Map<number, number> {
  const times = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const seconds = processCpuSeconds(pid);
    if (!Number.isNaN(seconds)) times.set(pid, seconds);
  }
  return times;
}

/**
 * Follows a generator's measure-start / measure-end events and computes, over that window,
 * the server's CPU % and the CPU % of every other process except the generator and this
 * runner (processes that exit within the window are missed: a lower bound).
 */
export class CpuWindow {
  serverPercent = NaN;
  otherPercent = NaN;
  private wall0 = 0;
  private server0 = 0;
  private all0 = new Map<number, number>();

  constructor(private readonly serverPid: number) {}

  onEvent(event: string, generatorPid: number): void {
    if (event === 'measure-start') {
      this.all0 = everyProcessCpu();
      this.server0 = processCpuSeconds(this.serverPid);
      this.wall0 = performance.now();
    } else if (event === 'measure-end' && this.wall0 > 0) {
      const wallS = (performance.now() - this.wall0) / 1000;
      this.serverPercent = ((processCpuSeconds(this.serverPid) - this.server0) / wallS) * 100;
      const mine = new Set([this.serverPid, generatorPid, process.pid]);
      let other = 0;
      for (const [pid, seconds] of everyProcessCpu()) {
        if (!mine.has(pid)) other += seconds - (this.all0.get(pid) ?? 0);
      }
      this.otherPercent = (other / wallS) * 100;
    }
  }
}
