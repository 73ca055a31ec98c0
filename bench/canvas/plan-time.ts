// How long TickPlanner.planTick takes for 10,000 subscribers of the whole `place` board
// (bench-config.json, 100 chunks), PIXELS changes per tick, in-process, sinks that do nothing;
// the outboxes are emptied between ticks as the writer would. No I/O: planning alone.
//   node build/bench/canvas/plan-time.js [pixelsPerTick=140] [subscribers=10000]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChunkFrameCache } from '../../src/broadcast/chunk-frame-cache.js';
import type { BroadcastSink } from '../../src/broadcast/sink.js';
import { Subscriber } from '../../src/broadcast/subscriber.js';
import { SubscriptionIndex } from '../../src/broadcast/subscriptions.js';
import { TickPlanner } from '../../src/broadcast/tick-planner.js';
import { Board } from '../../src/canvas/board.js';
import { parseAppConfig } from '../../src/config/load.js';
import { ROOT } from '../echo/children.js';

const perTick = Number(process.argv[2] ?? 140);
const count = Number(process.argv[3] ?? 10_000);
const bench = JSON.parse(readFileSync(join(ROOT, 'bench/canvas/bench-config.json'), 'utf8')) as { boards: unknown[] };
const { policy: _policy, ...definition } = parseAppConfig({ boards: [bench.boards[0]] }).boards[0]!;
const board = new Board(definition, 0);
const chunks = board.chunksX * board.chunksY;
const subscriptions = new SubscriptionIndex([chunks]);
const sink: BroadcastSink = { bufferedAmount: 0, cork: (write) => write(), sendPrepared: () => {}, close: () => {} };
for (let i = 0; i < count; i++) {
  const s = new Subscriber(sink, 1);
  for (let chunk = 0; chunk < chunks; chunk++) subscriptions.add(s, 0, chunk);
}
const planner = new TickPlanner([board], { slowClientHighWaterBytes: 262_144, slowClientHardLimitBytes: 4_194_304, slowClientDeadlineMs: 30_000 }, new ChunkFrameCache());
const pixels = board.config.width * board.config.height;
let seq = 0;
const times: number[] = [];
for (let tick = 0; tick < 60; tick++) {
  for (let k = 0; k < perTick; k++, seq++) {
    const p = (seq * 618_033) % pixels;
    board.setPixel(p % board.config.width, Math.floor(p / board.config.width), 1 + (seq % 15));
  }
  const started = performance.now();
  const plan = planner.planTick([board.takeChanges()], subscriptions, () => 0, Date.now());
  times.push(performance.now() - started);
  for (const s of plan.recipients) s.outbox.clear();
}
const measured = times.slice(10).sort((a, b) => a - b);
console.log(`planTick, ${perTick} px per tick, ${count} whole-board subscribers: median ${measured[measured.length >> 1]!.toFixed(1)} ms, ` +
  `max ${measured[measured.length - 1]!.toFixed(1)} ms over ${measured.length} ticks`);
