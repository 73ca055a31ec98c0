// The tick loop with a manual clock, a manual scheduler and recording sinks:
// when ticks run, what reaches each sink (bytes, corks, closes), the tick rate
// under overload, and the metrics.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Broadcaster, type BroadcastSettings } from '../src/broadcast/broadcaster.js';
import { ChunkFrameCache } from '../src/broadcast/chunk-frame-cache.js';
import { Subscriber } from '../src/broadcast/subscriber.js';
import { Board } from '../src/canvas/board.js';
import { parseAppConfig } from '../src/config/load.js';
import { decodeChunkPixels } from '../src/protocol/chunk-encoding.js';
import { createCanvasMetrics } from '../src/telemetry/canvas-metrics.js';
import { Registry } from '../src/telemetry/metrics.js';
import { ManualClock } from './support/manual-clock.js';
import { ManualScheduler } from './support/manual-scheduler.js';
import { PreparedMessage } from '../src/websocket/prepared-message.js';
import { decodeFrame, isCompressed, RecordingSink, type SinkWrite } from './support/recording-sink.js';

const SETTINGS: BroadcastSettings = {
  tickRateHz: 50, // one tick per 20 ms
  slowClientHighWaterBytes: 64 * 1024,
  slowClientHardLimitBytes: 1024 * 1024,
  slowClientDeadlineMs: 1000,
};

function setup() {
  const palette = Array.from({ length: 16 }, (_, i) => '#' + (i * 0x0f0f0f).toString(16).padStart(6, '0').toUpperCase());
  const config = parseAppConfig({
    boards: [{
      id: 'b', title: 'B', width: 64, height: 64, chunkSize: 16, palette, background: 0,
      policy: { strokes: true, maxBatch: 1000, tileWrites: false, buckets: [{ key: 'ip', capacity: 1000, refillPerSecond: 1000, unit: 'pixel' }] },
    }],
  });
  const { policy, ...definition } = config.boards[0]!;
  const board = new Board(definition, 0);
  const registry = new Registry();
  const metrics = createCanvasMetrics(registry, { chunksAllocated: () => 0, canvasBytes: () => 0 });
  const clock = new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const broadcaster = new Broadcaster([board], SETTINGS, metrics, new ChunkFrameCache(), clock, scheduler);
  const attach = (sink: RecordingSink, chunks: number[]) => {
    const subscriber = new Subscriber(sink, 1);
    broadcaster.add(subscriber);
    broadcaster.subscriptions.view(subscriber, 0);
    for (const chunk of chunks) broadcaster.subscriptions.add(subscriber, 0, chunk);
    return { subscriber, sink };
  };
  const join = (...chunks: number[]) => attach(new RecordingSink(), chunks);
  /** A subscriber whose sink negotiated permessage-deflate. */
  const joinCompressing = (...chunks: number[]) => attach(new RecordingSink(true), chunks);
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(registry.render())?.[1] ?? NaN);
  return { board, clock, scheduler, broadcaster, join, joinCompressing, metric };
}

test('ticks run at the tick rate, only when the scheduler says; idle ticks write nothing', () => {
  const { board, scheduler, broadcaster, join } = setup();
  const { sink } = join(0);
  broadcaster.start();
  assert.is(scheduler.lastDelay, 20);
  scheduler.advance(19);
  assert.is(broadcaster.tickCount, 0);
  scheduler.advance(1);
  assert.is(broadcaster.tickCount, 1);
  scheduler.advance(100);
  assert.is(broadcaster.tickCount, 6);
  assert.is(sink.writes.length, 0, 'nothing changed: nothing sent');
  board.setPixel(1, 1, 5);
  scheduler.advance(20);
  const messages = sink.takeMessages();
  assert.is(messages.length, 1);
  assert.is(messages[0]!.type, 'diff');
  broadcaster.stop();
  assert.not.ok(scheduler.pending);
  scheduler.advance(1000);
  assert.is(broadcaster.tickCount, 7);
});

test('under overload the next tick starts at once: the rate falls instead of ticks piling up', () => {
  const { board, clock, scheduler, broadcaster, join, metric } = setup();
  const { sink } = join(0);
  broadcaster.start();
  scheduler.advance(20);
  assert.is(scheduler.lastDelay, 20, 'an instant tick: the full interval');
  sink.onWrite = () => clock.advance(5);
  board.setPixel(0, 0, 1);
  scheduler.advance(20);
  assert.is(scheduler.lastDelay, 15, 'a 5 ms tick: 15 ms to the next');
  sink.onWrite = () => clock.advance(50);
  board.setPixel(0, 0, 2);
  scheduler.advance(15);
  assert.is(scheduler.lastDelay, 0, 'a 50 ms tick: the next one right away, once');
  assert.is(metric('tessera_tick_duration_seconds'), 0.05);
  // Every tick takes 50 ms (and leaves a change for the next): a second holds
  // 20 of them, each started right after the last, not 50 run back to back.
  let color = 2;
  sink.onWrite = () => {
    clock.advance(50);
    board.setPixel(0, 0, (color++ % 15) + 1);
  };
  board.setPixel(0, 0, 1);
  const before = broadcaster.tickCount;
  scheduler.advance(999);
  assert.is(broadcaster.tickCount - before, 20);
  assert.ok(metric('tessera_tick_rate_hz') <= 21, `tick rate ${metric('tessera_tick_rate_hz')}`);
});

test('CHUNKs and the DIFF of one tick leave a sink under one cork; a DIFF alone needs none', () => {
  const { board, broadcaster, join } = setup();
  const { sink } = join(0, 1);
  for (let i = 0; i < 100; i++) board.setPixel(i % 16, Math.floor(i / 16), 2); // chunk 0: a CHUNK
  board.setPixel(17, 0, 3); // chunk 1: a DIFF
  broadcaster.tick();
  const writes = sink.take();
  assert.equal(writes.map((w) => w.cork), [1, 1]);
  assert.ok(writes[0]!.prepared !== null, 'the CHUNK');
  assert.ok(writes[1]!.prepared !== null, 'the DIFF, its group\'s shared frame');
  board.setPixel(17, 0, 4);
  broadcaster.tick();
  assert.equal(sink.take().map((w) => w.cork), [0]);
});

test('subscribers with the same changes get the same bytes, one message shared by all', () => {
  const { board, broadcaster, join, metric } = setup();
  const a = join(0);
  const b = join(0);
  const c = join(0);
  board.setPixel(3, 3, 9);
  broadcaster.tick();
  const [wa, wb, wc] = [a.sink.take(), b.sink.take(), c.sink.take()].map((w) => w[0]!);
  assert.ok(wa!.frame.equals(wb!.frame));
  assert.is(wa!.prepared, wb!.prepared, 'one message object');
  assert.is(wb!.prepared, wc!.prepared);
  assert.is(metric('tessera_diff_messages_total'), 3);
});

test('a slow sink falls behind, is skipped (and by ONLINE too), then caught up once drained', () => {
  const { board, broadcaster, join, metric } = setup();
  const slow = join(0, 1);
  const fast = join(0);
  slow.sink.bufferedAmount = 64 * 1024 + 1;
  board.setPixel(0, 0, 1);
  broadcaster.tick();
  assert.is(broadcaster.behindCount, 1);
  assert.is(metric('tessera_clients_behind'), 1);
  assert.is(slow.sink.writes.length, 0);
  assert.is(fast.sink.take().length, 1);
  broadcaster.sendToAll(Buffer.from([0x82, 0]));
  assert.is(slow.sink.writes.length, 0, 'behind: no ONLINE either');
  assert.is(fast.sink.take().length, 1);
  board.setPixel(20, 0, 2);
  board.setPixel(0, 0, 3);
  broadcaster.tick();
  assert.is(slow.sink.writes.length, 0);
  slow.sink.bufferedAmount = 16 * 1024; // a quarter of the high-water mark: drained
  broadcaster.tick();
  const catchUp = slow.sink.takeMessages();
  assert.equal(catchUp.map((m) => m.type === 'chunk' && [m.cx, m.cy, m.version]), [[0, 0, 2], [1, 0, 1]]);
  assert.is(broadcaster.behindCount, 0);
  assert.is(metric('tessera_clients_behind'), 0);
  assert.is(metric('tessera_catch_ups_total'), 1);
});

test('a sink behind past the deadline is closed with 1013; one past the hard limit at once', () => {
  const { board, clock, broadcaster, join, metric } = setup();
  const stuck = join(0);
  const huge = join(0);
  stuck.sink.bufferedAmount = 100 * 1024;
  huge.sink.bufferedAmount = 100 * 1024;
  board.setPixel(0, 0, 1);
  broadcaster.tick();
  assert.is(broadcaster.behindCount, 2);
  huge.sink.bufferedAmount = 1024 * 1024 + 1;
  clock.advance(1000);
  broadcaster.tick();
  assert.equal(huge.sink.closed, { code: 1013, reason: 'too slow to keep up' });
  assert.is(stuck.sink.closed, null, 'at the deadline, not past it');
  clock.advance(1);
  broadcaster.tick();
  assert.equal(stuck.sink.closed, { code: 1013, reason: 'too slow to keep up' });
  assert.is(metric('tessera_slow_clients_closed_total'), 2);
  assert.is(metric('tessera_clients_behind'), 0);
});

test('a client that leaves while behind stops counting', () => {
  const { board, broadcaster, join, metric } = setup();
  const slow = join(0);
  slow.sink.bufferedAmount = 100 * 1024;
  board.setPixel(0, 0, 1);
  broadcaster.tick();
  assert.is(metric('tessera_clients_behind'), 1);
  broadcaster.remove(slow.subscriber);
  assert.is(broadcaster.behindCount, 0);
  assert.is(metric('tessera_clients_behind'), 0);
  assert.is(broadcaster.clientCount, 0);
  assert.equal([...broadcaster.onlineCounts()], [0]);
});

test('paced catch-up: a SUBSCRIBE past the window is owed; each drain writes the next window under one cork; counted once caught up', () => {
  const { board, broadcaster, join, metric } = setup();
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) board.setPixel(x, y, ((x * 5 + y * 11) % 15) + 1);
  board.takeChanges();
  const { subscriber, sink } = join(...Array.from({ length: 16 }, (_, i) => i));
  sink.bufferedAmount = 64 * 1024 - 100; // no room for a whole chunk within the high-water mark
  for (let chunk = 0; chunk < 16; chunk++) broadcaster.sendChunk(subscriber, board, chunk);
  assert.is(sink.writes.length, 0, 'owed, not written');
  assert.is(broadcaster.behindCount, 1);
  assert.is(metric('tessera_clients_behind'), 1);
  // Drains with room for a few chunks at a time (the sink keeps what it was sent).
  const received: number[] = [];
  let drains = 0;
  while (broadcaster.behindCount > 0 && drains < 20) {
    sink.bufferedAmount = 64 * 1024 - 1000;
    broadcaster.drained(subscriber);
    drains++;
    const writes = sink.take();
    assert.ok(writes.length > 0 && writes.every((w) => w.cork === writes[0]!.cork && w.cork > 0), 'one window, one cork');
    assert.ok(writes.reduce((sum, w) => sum + w.frame.length, 0) <= 1000, 'within the window');
    for (const write of writes) {
      const m = decodeFrame(write.frame);
      if (m.type === 'chunk') received.push(m.cy * 4 + m.cx);
    }
  }
  assert.ok(drains > 1, `paced over ${drains} drains`);
  assert.equal(received.sort((a, b) => a - b), Array.from({ length: 16 }, (_, i) => i));
  assert.is(metric('tessera_catch_ups_total'), 1);
  assert.is(metric('tessera_clients_behind'), 0);
  broadcaster.drained(subscriber);
  assert.is(sink.writes.length, 0, 'a drain when caught up writes nothing');
  // With room, a SUBSCRIBE's chunk goes at once.
  sink.bufferedAmount = 0;
  broadcaster.sendChunk(subscriber, board, 3);
  assert.is(sink.takeMessages()[0]!.type, 'chunk');
});

test('a saturated tick is written in slices of the event loop: the next slice soon, the next tick once all is written', () => {
  const { board, clock, scheduler, broadcaster, join, metric } = setup();
  const viewers = Array.from({ length: 10 }, () => join(0));
  const stuck = join(0);
  stuck.sink.bufferedAmount = 100 * 1024;
  board.setPixel(0, 0, 1);
  broadcaster.tick(); // behind
  clock.advance(1);
  for (const { sink } of viewers) {
    sink.take();
    sink.onWrite = () => clock.advance(3); // each write takes 3 ms: 3 of them fill an 8 ms slice
  }
  broadcaster.start();
  board.setPixel(1, 0, 2);
  scheduler.advance(20); // runs the tick, and every slice the scheduler has by then
  assert.ok(viewers.every(({ sink }) => sink.writes.length === 1), 'all written once the slices ran');
  for (const { sink } of viewers) sink.take();

  // The same, one slice at a time.
  const ticks = broadcaster.tickCount;
  stuck.sink.bufferedAmount = 1024 * 1024 + 1; // past the hard limit: closed at this tick
  board.setPixel(2, 0, 3);
  const tickStarted = clock.now();
  broadcaster.tick();
  const written = () => viewers.filter(({ sink }) => sink.writes.length > 0).length;
  assert.is(written(), 3, 'the first slice: as many as fit in 8 ms');
  assert.is(scheduler.soonPending, 1, 'the next slice is deferred');
  assert.is(stuck.sink.closed, null, 'closes come after the last recipient');
  assert.is(metric('tessera_ticks_total'), ticks, 'not recorded until written');
  scheduler.runSoon();
  assert.is(written(), 6, 'a later turn: a whole slice');
  scheduler.runSoon();
  assert.is(written(), 9);
  assert.is(stuck.sink.closed, null);
  scheduler.runSoon();
  assert.is(written(), 10);
  assert.equal(stuck.sink.closed, { code: 1013, reason: 'too slow to keep up' }, 'closed in the slice of the last recipient');
  assert.is(scheduler.soonPending, 0);
  assert.is(metric('tessera_ticks_total'), ticks + 1);
  assert.ok(metric('tessera_tick_duration_seconds') >= 0.030, 'the tick lasted until its last write');
  assert.is(scheduler.lastDelay, 0, `overran its 20 ms (${clock.now() - tickStarted} ms): the next tick at once`);
  const frames = viewers.map(({ sink }) => sink.take()[0]!.prepared);
  assert.ok(frames.every((f) => f !== null && f === frames[0]), 'every slice wrote the one shared frame');
});

test('the tick\'s timer queues the tick behind the I/O that is ready: it is planned in the check phase, one slice per turn', () => {
  const { board, clock, scheduler, broadcaster, join } = setup();
  const viewers = Array.from({ length: 4 }, () => join(0));
  for (const { sink } of viewers) sink.onWrite = () => clock.advance(5); // 2 writes fill an 8 ms slice
  broadcaster.start();
  board.setPixel(0, 0, 1);
  scheduler.runTimer(); // the timers phase of a turn
  assert.is(broadcaster.tickCount, 0, 'not planned in the timer');
  assert.is(scheduler.soonPending, 1, 'queued for the check phase');
  scheduler.runSoon(); // that turn's check phase, after its reads
  assert.is(broadcaster.tickCount, 1);
  assert.is(viewers.filter(({ sink }) => sink.writes.length > 0).length, 2, 'the first slice');
  board.setPixel(0, 0, 2);
  scheduler.runSoon(); // the next turn's check phase: the last slice; the tick is late, so the next is due at once
  assert.ok(viewers.every(({ sink }) => sink.writes.length === 1));
  assert.is(scheduler.lastDelay, 0);
  assert.is(scheduler.soonPending, 0, 'the next tick waits for the next turn\'s timer, so that its reads come first');
  scheduler.runTimer();
  assert.is(broadcaster.tickCount, 1);
  scheduler.runSoon();
  assert.is(broadcaster.tickCount, 2);
});

test('a tick run while the last is still being written finishes the last first', () => {
  const { board, clock, scheduler, broadcaster, join } = setup();
  const viewers = Array.from({ length: 4 }, () => join(0));
  for (const { sink } of viewers) sink.onWrite = () => clock.advance(10);
  board.setPixel(0, 0, 1);
  broadcaster.tick();
  assert.is(scheduler.soonPending, 1);
  board.setPixel(0, 0, 2);
  broadcaster.tick();
  while (scheduler.runSoon());
  for (const { sink } of viewers) {
    const versions = sink.takeMessages().map((m) => (m.type === 'diff' ? m.sections[0]!.toVersion : -1));
    assert.equal(versions, [1, 2], 'each tick\'s DIFF, once, in order');
  }
});

test('planning and the first slice share one turn\'s budget', () => {
  const { board, clock, scheduler, broadcaster, join } = setup();
  const viewers = Array.from({ length: 6 }, () => join(0));
  for (const { sink } of viewers) sink.onWrite = () => clock.advance(1);
  // Asking the first viewer's backlog takes 7 ms of the tick's 8: planning is slow.
  Object.defineProperty(viewers[0]!.sink, 'bufferedAmount', { get: () => (clock.advance(7), 0) });
  board.setPixel(0, 0, 1);
  broadcaster.tick();
  assert.is(viewers.filter(({ sink }) => sink.writes.length > 0).length, 1, 'one write fits in what planning left');
  assert.is(scheduler.soonPending, 1);
  while (scheduler.runSoon());
  assert.ok(viewers.every(({ sink }) => sink.writes.length === 1));
});

// permessage-deflate (issue 14 §2): what is shared is compressed once, for
// every sink that negotiated it, and only if one did.

/**
 * Watches PreparedMessage.compressedFrame (which compresses on its first
 * call, then returns the same frame): the messages it was asked of.
 */
function watchCompressions() {
  const original = PreparedMessage.prototype.compressedFrame;
  const asked = new Set<PreparedMessage>();
  PreparedMessage.prototype.compressedFrame = function (this: PreparedMessage) {
    asked.add(this);
    return original.call(this);
  };
  return { asked, restore: () => void (PreparedMessage.prototype.compressedFrame = original) };
}

/** Each sink's one write of the tick. */
function onlyWrites(...clients: { sink: RecordingSink }[]): SinkWrite[] {
  return clients.map(({ sink }) => {
    const writes = sink.take();
    assert.is(writes.length, 1);
    return writes[0]!;
  });
}

test('permessage-deflate: a shared DIFF is compressed once per tick, the same frame to every sink that negotiated it; the others get it plain', () => {
  const { board, broadcaster, join, joinCompressing } = setup();
  const deflating = [joinCompressing(0, 1), joinCompressing(0, 1), joinCompressing(0, 1)];
  const plain = [join(0, 1), join(0, 1)];
  const watch = watchCompressions();
  try {
    for (let tick = 1; tick <= 2; tick++) {
      // 12 pixels in each of chunks 0 and 1: a DIFF of two sections, 103 bytes.
      for (let i = 0; i < 12; i++) {
        board.setPixel(i, tick, tick + 1);
        board.setPixel(16 + i, tick, tick + 1);
      }
      broadcaster.tick();
      const writes = onlyWrites(...deflating, ...plain);
      const message = writes[0]!.prepared;
      assert.ok(message instanceof PreparedMessage);
      for (const write of writes) assert.is(write.prepared, message, 'one message for all five');
      const compressed = writes[0]!.frame;
      assert.ok(isCompressed(compressed));
      assert.ok(compressed.length < message.frame.length, `${compressed.length} < ${message.frame.length} bytes`);
      for (const write of writes.slice(0, 3)) assert.is(write.frame, compressed, 'the same compressed Buffer');
      for (const write of writes.slice(3)) assert.is(write.frame, message.frame, 'the plain frame');
      assert.equal(watch.asked.size, tick, 'compressed once per tick');
      const diff = decodeFrame(compressed);
      assert.equal(diff, decodeFrame(message.frame));
      if (diff.type !== 'diff') return assert.unreachable('a DIFF');
      assert.equal(diff.sections.map((s) => [s.cx, s.offsets.length, new Set(s.colors)]), [[0, 12, new Set([tick + 1])], [1, 12, new Set([tick + 1])]]);
    }
  } finally {
    watch.restore();
  }
});

test('permessage-deflate: nothing is compressed when no sink negotiated it; a DIFF nobody shares goes as a plain frame', () => {
  const { board, broadcaster, join, joinCompressing } = setup();
  const plain = [join(0, 1), join(0, 1)];
  const lone = joinCompressing(2); // nobody else watches chunk 2
  const watch = watchCompressions();
  try {
    for (let i = 0; i < 12; i++) for (const x of [0, 16, 32]) board.setPixel(x + i, 5, 7);
    broadcaster.tick();
    const [a, b] = onlyWrites(...plain);
    assert.ok(a!.prepared instanceof PreparedMessage);
    assert.is(a!.prepared, b!.prepared);
    assert.is(a!.frame, a!.prepared.frame);
    const [own] = onlyWrites(lone);
    assert.ok(Buffer.isBuffer(own!.prepared), 'its own DIFF: a plain frame, not a PreparedMessage');
    assert.is(own!.frame, own!.prepared);
    assert.not.ok(isCompressed(own!.frame));
    assert.is(watch.asked.size, 0, 'no compression: nobody takes it');
  } finally {
    watch.restore();
  }
});

test('permessage-deflate: a CHUNK is compressed once, for the tick and for later SUBSCRIBEs alike', () => {
  const { board, broadcaster, join, joinCompressing } = setup();
  const deflating = [joinCompressing(0), joinCompressing(0)];
  const plain = join(0);
  const watch = watchCompressions();
  try {
    for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) board.setPixel(x, y, ((x * 5 + y * 11) % 15) + 1);
    broadcaster.tick();
    const writes = onlyWrites(...deflating, plain);
    const message = writes[0]!.prepared;
    assert.ok(message instanceof PreparedMessage);
    const compressed = writes[0]!.frame;
    assert.ok(isCompressed(compressed));
    assert.is(writes[1]!.frame, compressed);
    assert.is(writes[2]!.frame, message.frame);
    const chunk = decodeFrame(compressed);
    if (chunk.type !== 'chunk') return assert.unreachable('a CHUNK');
    assert.ok(Buffer.from(decodeChunkPixels(chunk.encoding, chunk.pixels, 16, 0)).equals(board.chunkData(0)!));
    // A viewer arriving later gets the same compressed frame, from the cache.
    const late = joinCompressing(0);
    broadcaster.sendChunk(late.subscriber, board, 0);
    assert.is(onlyWrites(late)[0]!.frame, compressed);
    assert.is(watch.asked.size, 1, 'one compression in all');
  } finally {
    watch.restore();
  }
});

test('permessage-deflate: a group\'s DIFF written over several slices is compressed once, the same frame in every slice', () => {
  const { board, clock, scheduler, broadcaster, joinCompressing } = setup();
  const viewers = Array.from({ length: 6 }, () => joinCompressing(0, 1));
  for (const { sink } of viewers) sink.onWrite = () => clock.advance(3); // 3 writes fill an 8 ms slice
  const watch = watchCompressions();
  try {
    for (let i = 0; i < 12; i++) {
      board.setPixel(i, 1, 2);
      board.setPixel(16 + i, 1, 2);
    }
    broadcaster.tick();
    assert.is(viewers.filter(({ sink }) => sink.writes.length > 0).length, 3, 'the first slice');
    assert.is(scheduler.soonPending, 1, 'the rest in later slices');
    while (scheduler.runSoon());
    const writes = onlyWrites(...viewers);
    const message = writes[0]!.prepared;
    assert.ok(message instanceof PreparedMessage);
    assert.ok(isCompressed(writes[0]!.frame));
    for (const write of writes) {
      assert.is(write.prepared, message, 'the group\'s one message');
      assert.is(write.frame, writes[0]!.frame, 'the same compressed Buffer');
    }
    assert.is(watch.asked.size, 1, 'compressed once');
  } finally {
    watch.restore();
  }
});

test.run();
