// How many DIFFs the broadcaster sends unshared (a subscription group with one recipient
// this tick gets a plain frame, never compressed), in-process, with the planner alone: 600 ticks of random pixels on
// `place` (100 chunks), subscribers watching the whole board, the canvas bench's 3 × 3
// viewports, or seeded random browser-like windows of 2–4 × 2–3 chunks.
//   node build/bench/canvas/diff-sharing.js
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChunkFrameCache } from '../../src/broadcast/chunk-frame-cache.js';
import type { BroadcastSink } from '../../src/broadcast/sink.js';
import { Subscriber } from '../../src/broadcast/subscriber.js';
import { SubscriptionIndex } from '../../src/broadcast/subscriptions.js';
import { TickPlanner } from '../../src/broadcast/tick-planner.js';
import { Board } from '../../src/canvas/board.js';
import { parseAppConfig } from '../../src/config/load.js';
import { PreparedMessage } from '../../src/websocket/prepared-message.js';
import { ROOT } from '../echo/children.js';

const app = parseAppConfig(JSON.parse(readFileSync(join(ROOT, 'bench/canvas/bench-config.json'), 'utf8')));
const { policy: _policy, ...definition } = app.boards[0]!;
const SINK: BroadcastSink = { bufferedAmount: 0, cork: (write) => write(), sendPrepared: () => {}, close: () => {} };
const NEVER_BEHIND = { slowClientHighWaterBytes: Infinity, slowClientHardLimitBytes: Infinity, slowClientDeadlineMs: Infinity };

let state = 7;
const random = (n: number) => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) % n;
};

/** A small unmasked frame's payload length (7-bit or 16-bit length: DIFFs here stay under 64 KiB). */
const payloadLength = (frame: Buffer) => ((frame[1]! & 0x7f) === 126 ? frame.readUInt16BE(2) : frame[1]! & 0x7f);

type Layout = 'whole board' | 'bench 3 × 3 viewports' | 'random 2–4 × 2–3 windows';

/** The chunks (of the 10 × 10) subscriber `i` watches. */
function watched(layout: Layout, i: number): number[] {
  if (layout === 'whole board') return Array.from({ length: 100 }, (_, c) => c);
  let w = 3, h = 3, x0 = (i * 7) % 8, y0 = ((i * 13) >>> 1) % 8; // bench/canvas/bot-generator.ts's viewportOf
  if (layout === 'random 2–4 × 2–3 windows') {
    w = 2 + random(3);
    h = 2 + random(2);
    x0 = random(11 - w);
    y0 = random(11 - h);
  }
  const chunks: number[] = [];
  for (let cy = y0; cy < y0 + h; cy++) for (let cx = x0; cx < x0 + w; cx++) chunks.push(cy * 10 + cx);
  return chunks;
}

console.log('| subscribers | watching | px per tick | DIFFs | unshared | of the DIFF bytes |');
console.log('|---:|---|---:|---:|---:|---:|');
const shapes: [number, Layout, number][] = [
  [1000, 'whole board', 200 / 60],
  [10_000, 'bench 3 × 3 viewports', 1000 / 20],
  [100, 'random 2–4 × 2–3 windows', 200 / 60],
  [1000, 'random 2–4 × 2–3 windows', 200 / 60],
  [10_000, 'random 2–4 × 2–3 windows', 1000 / 20],
];
for (const [count, layout, pixelsPerTick] of shapes) {
  const board = new Board(definition, 0);
  const subscriptions = new SubscriptionIndex([100]);
  const planner = new TickPlanner([board], NEVER_BEHIND, new ChunkFrameCache());
  for (let i = 0; i < count; i++) {
    const subscriber = new Subscriber(SINK, 1);
    for (const chunk of watched(layout, i)) subscriptions.add(subscriber, 0, chunk);
  }
  let owed = 0, diffs = 0, unshared = 0, bytes = 0, unsharedBytes = 0;
  for (let tick = 0; tick < 600; tick++) {
    for (owed += pixelsPerTick; owed >= 1; owed--) board.setPixel(random(1000), random(1000), random(16));
    const plan = planner.planTick([board.takeChanges()], subscriptions, () => 0, tick);
    for (const { outbox } of plan.recipients) {
      const diff = outbox.shared;
      if (diff === null) {
        outbox.clear();
        continue;
      }
      diffs++;
      const length = diff instanceof PreparedMessage ? diff.payload.length : payloadLength(diff);
      bytes += length;
      if (!(diff instanceof PreparedMessage)) {
        unshared++;
        unsharedBytes += length;
      }
      outbox.clear();
    }
  }
  const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(2)}%`;
  console.log(`| ${count.toLocaleString('en-US')} | ${layout} | ${pixelsPerTick.toFixed(1)} | ${diffs.toLocaleString('en-US')} | ${pct(unshared, diffs)} | ${pct(unsharedBytes, bytes)} |`);
}
