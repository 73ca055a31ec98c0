// The tick planner, sans I/O: changes, subscriptions, backlogs and time in;
// who gets what, and which slow subscribers change state, out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChunkFrameCache } from '../src/broadcast/chunk-frame-cache.js';
import { Subscriber } from '../src/broadcast/subscriber.js';
import { SubscriptionIndex } from '../src/broadcast/subscriptions.js';
import { TickPlanner, type Backlog, type SlowClientLimits } from '../src/broadcast/tick-planner.js';
import { Board } from '../src/canvas/board.js';
import { parseAppConfig } from '../src/config/load.js';
import { decodeChunkPixels } from '../src/protocol/chunk-encoding.js';
import { DIFF_PREFIX } from '../src/protocol/messages.js';
import { decodeFrame, RecordingSink } from './support/recording-sink.js';

const LIMITS: SlowClientLimits = { slowClientHighWaterBytes: 1000, slowClientHardLimitBytes: 10_000, slowClientDeadlineMs: 5000 };
const T0 = 1_700_000_000_000;

/** One 64×64 board of 16 colours in chunks of `chunkSize`. */
function makeBoard(chunkSize = 16): Board {
  const palette = Array.from({ length: 16 }, (_, i) => '#' + (i * 0x0f0f0f).toString(16).padStart(6, '0').toUpperCase());
  const config = parseAppConfig({
    boards: [{
      id: 'b', title: 'B', width: 64, height: 64, chunkSize, palette, background: 0,
      policy: { strokes: true, maxBatch: 1000, tileWrites: false, buckets: [{ key: 'ip', capacity: 1000, refillPerSecond: 1000, unit: 'pixel' }] },
    }],
  });
  const { policy, ...definition } = config.boards[0]!;
  return new Board(definition, 0);
}

function setup(chunkSize = 16) {
  const board = makeBoard(chunkSize);
  const subscriptions = new SubscriptionIndex([board.chunksX * board.chunksY]);
  const planner = new TickPlanner([board], LIMITS, new ChunkFrameCache());
  const backlogs = new Map<Subscriber, number>();
  const backlog: Backlog = (s) => backlogs.get(s) ?? 0;
  const subscriber = (...chunks: number[]) => {
    const s = new Subscriber(new RecordingSink(), 1);
    for (const chunk of chunks) subscriptions.add(s, 0, chunk);
    return s;
  };
  const plan = (now = T0) => planner.planTick([board.takeChanges()], subscriptions, backlog, now);
  return { board, subscriptions, planner, backlogs, subscriber, plan };
}

/** The outbox's DIFF payload as one buffer (its parts, or its shared frame's payload). */
function diffPayload(s: Subscriber): Buffer {
  const { outbox } = s;
  if (outbox.shared !== null) return outbox.shared.subarray(outbox.shared.length - outbox.bytes);
  return Buffer.concat(outbox.parts, outbox.bytes);
}

test('idle ticks plan nothing', () => {
  const { subscriber, plan } = setup();
  subscriber(0, 1);
  for (let i = 0; i < 3; i++) {
    const p = plan();
    assert.is(p.recipients.length, 0);
    assert.is(p.closing.length, 0);
    assert.is(p.diffMessages, 0);
  }
});

test('a dirty chunk is encoded once: its audience shares the section, and one frame past the first', () => {
  const { board, subscriber, plan } = setup();
  const a = subscriber(0);
  const b = subscriber(0);
  const c = subscriber(0);
  const nobody = subscriber(5);
  board.setPixel(1, 2, 7);
  board.setPixel(3, 4, 9);
  const p = plan();
  assert.equal(p.recipients, [a, b, c]);
  assert.is(p.diffMessages, 3);
  assert.ok(nobody.outbox.isEmpty);
  // One section buffer, the same object in every DIFF.
  assert.is(a.outbox.parts[0], DIFF_PREFIX);
  assert.is(a.outbox.parts[1], b.outbox.parts[1]);
  assert.is(a.outbox.parts[1], c.outbox.parts[1]);
  // The first writes its parts; the others share one frame holding the same bytes.
  assert.is(a.outbox.shared, null);
  assert.ok(b.outbox.shared !== null);
  assert.is(b.outbox.shared, c.outbox.shared);
  assert.ok(diffPayload(a).equals(diffPayload(b)));
  const diff = decodeFrame(b.outbox.shared!);
  assert.is(diff.type, 'diff');
  if (diff.type !== 'diff') return;
  assert.is(diff.sections.length, 1);
  const [section] = diff.sections;
  assert.equal([section!.cx, section!.cy, section!.fromVersion, section!.toVersion], [0, 0, 0, 2]);
  assert.equal([...section!.offsets], [2 * 16 + 1, 4 * 16 + 3]);
  assert.equal([...section!.colors], [7, 9]);
});

test('one DIFF per subscriber per tick, with the sections of the chunks it watches', () => {
  const { board, subscriber, plan } = setup();
  const both = subscriber(0, 1);
  const first = subscriber(0);
  board.setPixel(0, 0, 1); // chunk 0
  board.setPixel(20, 0, 2); // chunk 1
  const p = plan();
  assert.equal(p.recipients, [both, first]);
  assert.is(both.outbox.parts.length, 3);
  assert.is(first.outbox.parts.length, 2);
  assert.is(both.outbox.parts[1], first.outbox.parts[1], 'chunk 0 was encoded once');
  assert.is(first.outbox.shared, null, 'different sections: nothing to share');
  assert.is(both.outbox.shared, null);
  assert.is(diffPayload(both).length, both.outbox.bytes);
});

test('a chunk changed by more than a third goes as one CHUNK frame, with the DIFF of the rest', () => {
  const { board, subscriber, plan } = setup();
  const a = subscriber(0, 1);
  const b = subscriber(0);
  for (let i = 0; i < 86; i++) board.setPixel(i % 16, Math.floor(i / 16), 3); // 86 of 256 > a third
  board.setPixel(20, 0, 2); // chunk 1: a diff
  const p = plan();
  assert.equal(p.recipients, [a, b]);
  assert.is(a.outbox.frames.length, 1);
  assert.is(a.outbox.frames[0], b.outbox.frames[0], 'one CHUNK frame for everyone');
  const chunk = decodeFrame(a.outbox.frames[0]!);
  assert.is(chunk.type, 'chunk');
  if (chunk.type !== 'chunk') return;
  assert.equal([chunk.cx, chunk.cy, chunk.version], [0, 0, 86]);
  assert.ok(Buffer.from(decodeChunkPixels(chunk.encoding, chunk.pixels, 16, 0)).equals(board.chunkData(0)!));
  assert.is(p.diffMessages, 1, 'only a gets a DIFF (chunk 1)');
  assert.is(b.outbox.parts.length, 0);
  // 85 pixels is exactly a third (rounded down): still a DIFF.
  for (let i = 0; i < 85; i++) board.setPixel(i % 16, Math.floor(i / 16), 4);
  const next = plan();
  assert.is(next.diffMessages, 2);
  assert.is(a.outbox.frames.length, 0);
});

test('a hash collision is confirmed part by part: each writes its own parts', () => {
  // Section ids 1 and 2 hash to 31·1 + 2 = 33, the hash of section id 33 alone.
  const { board, subscriber, plan } = setup(8); // 64 chunks
  const pair = subscriber(0, 1);
  subscriber(...Array.from({ length: 30 }, (_, i) => i + 2)); // gives chunks 2..31 an audience (ids 3..32)
  const lone = subscriber(32);
  for (let chunk = 0; chunk <= 32; chunk++) board.setPixel((chunk % 8) * 8, Math.floor(chunk / 8) * 8, 1);
  const p = plan();
  assert.is(pair.outbox.hash, lone.outbox.hash, 'the hashes collide');
  assert.is(p.diffMessages, 3);
  assert.is(lone.outbox.shared, null);
  assert.is(lone.outbox.parts.length, 2);
  assert.is(pair.outbox.parts.length, 3);
});

test('a subscriber past the high-water mark falls behind, misses chunks, and is caught up with current contents', () => {
  const { board, backlogs, subscriber, plan } = setup();
  const slow = subscriber(0, 1, 2);
  const fast = subscriber(0);
  backlogs.set(slow, 1001);
  board.setPixel(0, 0, 1);
  let p = plan();
  assert.equal(p.fellBehind, [slow]);
  assert.ok(slow.behind);
  assert.equal(p.recipients, [fast], 'nothing for the slow one');
  board.setPixel(20, 0, 2); // chunk 1, while behind
  board.setPixel(0, 0, 3); // chunk 0 again
  p = plan(T0 + 100);
  assert.equal(p.recipients, [fast]);
  assert.equal(p.fellBehind, []);
  // A quarter of the high-water mark is not yet drained enough.
  backlogs.set(slow, 251);
  assert.is(plan(T0 + 200).recipients.length, 0);
  assert.ok(slow.behind);
  backlogs.set(slow, 250);
  p = plan(T0 + 300);
  assert.equal(p.caughtUp, [slow]);
  assert.not.ok(slow.behind);
  assert.equal(p.recipients, [slow]);
  // The catch-up: chunks 0 and 1 as they are now (not the backlog of diffs); chunk 2 never changed.
  const chunks = slow.outbox.frames.map(decodeFrame);
  assert.equal(chunks.map((m) => m.type === 'chunk' && [m.cx, m.cy, m.version]), [[0, 0, 2], [1, 0, 1]]);
  assert.is(slow.missed, null);
  // Caught up, it gets diffs again.
  board.setPixel(0, 0, 4);
  assert.equal(plan(T0 + 400).recipients, [slow, fast]);
});

test('a catch-up leaves out chunks unsubscribed while behind', () => {
  const { board, subscriptions, backlogs, subscriber, plan } = setup();
  const slow = subscriber(0, 1);
  backlogs.set(slow, 5000);
  board.setPixel(0, 0, 1);
  board.setPixel(20, 0, 1);
  plan();
  subscriptions.remove(slow, 0, 1);
  backlogs.set(slow, 0);
  const p = plan(T0 + 10);
  assert.equal(slow.outbox.frames.map(decodeFrame).map((m) => m.type === 'chunk' && m.cx), [0]);
  assert.equal(p.caughtUp, [slow]);
});

test('behind past the deadline: closed (1013 is the writer\'s), not before', () => {
  const { board, backlogs, subscriber, plan } = setup();
  const slow = subscriber(0);
  backlogs.set(slow, 2000);
  board.setPixel(0, 0, 1);
  plan(T0);
  assert.is(plan(T0 + 5000).closing.length, 0, 'at the deadline: still waiting');
  const p = plan(T0 + 5001);
  assert.equal(p.closing, [slow]);
  assert.is(plan(T0 + 6000).closing.length, 0, 'closed once');
});

test('behind past the hard limit: closed at once', () => {
  const { board, backlogs, subscriber, plan } = setup();
  const slow = subscriber(0);
  backlogs.set(slow, 2000);
  board.setPixel(0, 0, 1);
  assert.is(plan(T0).closing.length, 0);
  backlogs.set(slow, 10_001);
  assert.equal(plan(T0 + 1).closing, [slow]);
});

test('the backlog is asked once per tick per subscriber, and only of those with changes', () => {
  const { board, subscriptions, planner, subscriber } = setup();
  const asked: Subscriber[] = [];
  const backlog: Backlog = (s) => (asked.push(s), 0);
  const a = subscriber(0, 1, 2);
  subscriber(3);
  for (let chunk = 0; chunk < 3; chunk++) board.setPixel(chunk * 16, 0, 1);
  planner.planTick([board.takeChanges()], subscriptions, backlog, T0);
  assert.equal(asked, [a]);
  planner.planTick([board.takeChanges()], subscriptions, backlog, T0);
  assert.equal(asked, [a], 'an idle tick asks nobody');
});

test('a forgotten subscriber is no longer serviced', () => {
  const { board, planner, backlogs, subscriber, plan } = setup();
  const slow = subscriber(0);
  backlogs.set(slow, 2000);
  board.setPixel(0, 0, 1);
  plan();
  assert.is(planner.behindCount, 1);
  planner.forget(slow);
  assert.is(planner.behindCount, 0);
  assert.is(plan(T0 + 60_000).closing.length, 0);
});

test.run();
