// Preloaded into every benchmarked server (`node --expose-gc --import …/server-hooks.js`),
// ours included, so they are all treated alike without any hook in their own code:
// - SIGUSR2 runs a full GC (twice) and acknowledges on stderr, before RSS is read;
// - the server exits when its stdin (a pipe from the runner) ends, i.e. the runner died.
import { GC_ACK } from './config.js';

const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  gc?.();
  gc?.();
  process.stderr.write(`${GC_ACK} (${gc ? 'full gc' : 'no gc: --expose-gc missing'})\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
