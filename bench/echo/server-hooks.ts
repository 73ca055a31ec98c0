// Preloaded into every benchmarked server (`node --expose-gc --import …/server-hooks.js`),
// ours included, so they are all treated alike without any hook in their own code:
// - SIGUSR2 runs a full GC (twice) and acknowledges on stderr, before RSS is read;
// - its event-loop delay is measured (monitorEventLoopDelay): the line `loop-reset` on
//   stdin starts a window, `loop-delay` reports the window's p99 and max on stderr;
// - the server exits when its stdin (a pipe from the runner) ends, i.e. the runner died.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GC_ACK, LOOP_DELAY_REPORT } from './config.js';

const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
  process.stderr.write(`${GC_ACK} (${gc ? 'full gc' : 'no gc: --expose-gc missing'})\n`);
});

const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  pending += chunk;
  const lines = pending.split('\n');
  pending = lines.pop()!;
  for (const line of lines) {
    if (line === 'loop-reset') loopDelay.reset();
    else if (line === 'loop-delay') {
      const ms = (ns: number) => (loopDelay.count > 0 ? ns / 1e6 : null);
      process.stderr.write(`${LOOP_DELAY_REPORT}${JSON.stringify({ p99Ms: ms(loopDelay.percentile(99)), maxMs: ms(loopDelay.max) })}\n`);
    }
  }
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
