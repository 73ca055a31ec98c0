// What a test's process holds, measured after collecting garbage (gc is exposed here, once).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live heap + ArrayBuffer bytes, after a full collection. */
export function liveBytes(): number {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/**
 * The same, once freed backing stores are released too: that happens after the
 * collection, off the main thread, so collect twice, a turn apart.
 */
export async function settledMemory(): Promise<NodeJS.MemoryUsage> {
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return process.memoryUsage();
}
