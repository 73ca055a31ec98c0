// What compressing DIFFs yields, in-process: a whole DIFF deflated at once (what a shared
// DIFF costs, once per tick) against its sections deflated one by one and laid end to end
// (what sharing the compression of a section between different DIFFs would send: each
// section a sync-flushed DEFLATE stream of its own, which concatenate into a valid one).
//   node build/bench/canvas/diff-compression.js
// DIFFs of N random pixels of `place` (1000×1000 in 100 chunks of 100×100, 16 colours),
// seeded, so the byte counts are the same every run; the times are medians of 15 samples.
import { DIFF_PREFIX, encodeDiffSection } from '../../src/protocol/messages.js';
import { deflateMessage } from '../../src/websocket/permessage-deflate.js';

let state = 14;
const random = (n: number) => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return Math.floor(((state >>> 0) / 4294967296) * n);
};
const colours = new Uint8Array(10_000).map(() => random(16));

/** A DIFF of `pixels` random pixels, as the broadcaster builds it: DIFF_PREFIX, then one section per chunk. */
function diff(pixels: number): Uint8Array[] {
  const byChunk = new Map<number, Set<number>>();
  for (let i = 0; i < pixels; i++) {
    const chunk = random(100);
    if (!byChunk.has(chunk)) byChunk.set(chunk, new Set());
    byChunk.get(chunk)!.add(random(10_000));
  }
  const parts: Uint8Array[] = [DIFF_PREFIX];
  for (const [chunk, offsets] of [...byChunk].sort((a, b) => a[0] - b[0])) {
    const sorted = Uint16Array.from([...offsets].sort((a, b) => a - b));
    parts.push(encodeDiffSection(0, chunk % 10, Math.floor(chunk / 10), 5000 + chunk, 5000 + chunk + sorted.length, sorted, colours, 0));
  }
  return parts;
}

/** Median µs of `f` over 15 samples of `runs` calls each. */
function micros(f: () => void, runs: number): number {
  for (let i = 0; i < runs; i++) f();
  const samples: number[] = [];
  for (let s = 0; s < 15; s++) {
    const started = performance.now();
    for (let i = 0; i < runs; i++) f();
    samples.push(((performance.now() - started) * 1000) / runs);
  }
  return samples.sort((a, b) => a - b)[7]!;
}

for (let i = 0; i < 2000; i++) deflateMessage(colours.subarray(0, 100 + (i % 400)), 15); // warms zlib and the JIT

console.log('| pixels | sections | DIFF bytes | deflated whole | µs | sections deflated one by one | µs |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
for (const pixels of [3, 10, 50, 200, 1000]) {
  const parts = diff(pixels);
  const payload = Buffer.concat(parts);
  const whole = deflateMessage(payload, 15).length;
  // Every section but the last keeps its 00 00 ff ff: only a message's final one is left off.
  const oneByOne = parts.reduce((sum, part) => sum + deflateMessage(part, 15).length + 4, 0) - 4;
  const wholeUs = micros(() => deflateMessage(payload, 15), 50);
  const oneByOneUs = micros(() => parts.forEach((part) => deflateMessage(part, 15)), 5);
  console.log(`| ${pixels} | ${parts.length - 1} | ${payload.length} | ${whole} | ${wholeUs.toFixed(0)} | ${oneByOne} | ${oneByOneUs.toFixed(0)} |`);
}
