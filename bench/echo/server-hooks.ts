// Preloaded into every benchmarked server (`node --expose-gc --import …/server-hooks.js`),
// ours included, so they are all treated alike without any hook in their own code:
// - SIGUSR2 runs a full GC (twice) and acknowledges on stderr, before RSS is read;
// - its event-loop delay is measured (monitorEventLoopDelay): the line `loop-reset` on
//   stdin starts a window, `loop-delay` reports the window's p99 and max on stderr, with the
//   window's GC pauses (count, total and longest, from PerformanceObserver);
// - `profile-start` starts V8's CPU profiler (200 µs sampling), `profile-stop FILE` writes
//   the profile (.cpuprofile) to FILE: the measured window only, without waiting for exit;
// - the server exits when its stdin (a pipe from the runner) ends, i.e. the runner died.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { GC_ACK, LOOP_DELAY_REPORT } from './config.js';
import { onLines } from './lines.js';

const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
  process.stderr.write(`${GC_ACK} (${gc ? 'full gc' : 'no gc: --expose-gc missing'})\n`);
});

const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
const gcPauses = { count: 0, totalMs: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcPauses.count++;
    gcPauses.totalMs += entry.duration;
    gcPauses.maxMs = Math.max(gcPauses.maxMs, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

let profiler: Session | null = null;
function startProfile(): void {
  profiler = new Session();
  profiler.connect();
  profiler.post('Profiler.enable');
  profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  profiler.post('Profiler.start');
}
function stopProfile(file: string): void {
  const session = profiler;
  profiler = null;
  session?.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(file, JSON.stringify(result.profile));
    session.disconnect();
  });
}

onLines(process.stdin, (line) => {
  if (line === 'loop-reset') {
    loopDelay.reset();
    Object.assign(gcPauses, { count: 0, totalMs: 0, maxMs: 0 });
  }
  else if (line === 'profile-start') startProfile();
  else if (line.startsWith('profile-stop ')) stopProfile(line.slice('profile-stop '.length));
  else if (line === 'loop-delay') {
    const ms = (ns: number) => (loopDelay.count > 0 ? ns / 1e6 : null);
    process.stderr.write(`${LOOP_DELAY_REPORT}${JSON.stringify({ p99Ms: ms(loopDelay.percentile(99)), maxMs: ms(loopDelay.max), gc: gcPauses })}\n`);
  }
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
