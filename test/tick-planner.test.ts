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
import { PreparedMessage } from '../src/websocket/prepared-message.js';
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

/** The chunks (cx, cy) of the outbox's DIFF, in order ([] for none). */
function diffChunks(s: Subscriber): [number, number][] {
  const { shared } = s.outbox;
  if (shared === null) return [];
  const diff = decodeFrame(shared);
  if (diff.type !== 'diff') throw new Error(`a ${diff.type}, not a DIFF`);
  return diff.sections.map((section) => [section.cx, section.cy]);
}

/** The outbox's DIFF as its plain frame (a shared message's, or its own). */
function diffFrame(s: Subscriber): Buffer {
  const { shared } = s.outbox;
  if (shared === null) throw new Error('no DIFF');
  return shared instanceof PreparedMessage ? shared.frame : shared;
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

test('a dirty chunk is encoded once: subscribers of the same chunks share one DIFF message', () => {
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
  assert.ok(a.outbox.shared instanceof PreparedMessage, 'shared by three: a PreparedMessage (one compression for all)');
  assert.is(a.outbox.shared, b.outbox.shared, 'one message, the same object for all three');
  assert.is(b.outbox.shared, c.outbox.shared);
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
  assert.equal(diffChunks(both), [[0, 0], [1, 0]]);
  assert.equal(diffChunks(first), [[0, 0]]);
  assert.is.not(both.outbox.shared, first.outbox.shared, 'different chunks watched: different frames');
  assert.ok(Buffer.isBuffer(first.outbox.shared) && Buffer.isBuffer(both.outbox.shared), 'each its own: a plain frame, no PreparedMessage');
  // Chunk 0's section is the same bytes in both (encoded once): the DIFFs start alike.
  const firstPayload = diffFrame(first).subarray(2); // a small frame: 2 header bytes
  assert.ok(diffFrame(both).subarray(2, 2 + firstPayload.length).equals(firstPayload));
  assert.is(firstPayload[0], DIFF_PREFIX[0]);
});

test('recipients are interleaved by group: every group\'s first member before any group\'s second, so each dirty chunk\'s first watcher is written early', () => {
  const { board, subscriber, plan } = setup();
  const a = [subscriber(0), subscriber(0), subscriber(0)];
  const both = subscriber(0, 1);
  const b = [subscriber(1), subscriber(1), subscriber(1)];
  board.setPixel(1, 1, 7); // chunk 0
  board.setPixel(17, 1, 7); // chunk 1
  const p = plan();
  // Found chunk by chunk they would be a0 a1 a2 both b0 b1 b2: chunk 1's first watcher fifth.
  assert.equal(p.recipients, [a[0], both, b[0], a[1], b[1], a[2], b[2]]);
  assert.is(p.diffMessages, 7);
  for (const s of [...a, ...b]) assert.is(diffChunks(s).length, 1);
  assert.equal(diffChunks(both), [[0, 0], [1, 0]]);
  // One group: the order found.
  const { board: whole, subscriber: watcher, plan: planWhole } = setup();
  const all = [watcher(0, 1), watcher(0, 1), watcher(0, 1)];
  whole.setPixel(17, 1, 7);
  whole.setPixel(1, 1, 7);
  assert.equal(planWhole().recipients, all);
});

test('recipients whose sinks still hold bytes are written after the others', () => {
  const { board, backlogs, subscriber, plan } = setup();
  const congested = subscriber(0);
  const a = subscriber(0);
  const b = subscriber(0);
  const other = subscriber(1);
  backlogs.set(congested, 500); // under the high-water mark: it still gets its DIFF, last
  board.setPixel(1, 1, 7);
  board.setPixel(17, 1, 7);
  assert.equal(plan().recipients, [other, a, b, congested]); // interleaved by group (congested, other, a, b), then the congested last
  backlogs.set(congested, 0);
  board.setPixel(1, 1, 8);
  assert.equal(plan().recipients, [congested, a, b], 'drained: back in its place');
});

test('subscribers are grouped by exactly the chunks they watch, whatever the order they subscribed in', () => {
  const { board, subscriptions, subscriber, plan } = setup(8); // 64 chunks
  const a = subscriber(1, 2, 3);
  const b = subscriber(3, 1, 2);
  const c = subscriber(1, 2);
  const d = subscriber(1, 2, 3, 4);
  for (let chunk = 1; chunk <= 4; chunk++) board.setPixel((chunk % 8) * 8, Math.floor(chunk / 8) * 8, 1);
  const p = plan();
  assert.is(p.diffMessages, 4);
  assert.is(subscriptions.groups.size, 3);
  assert.is(a.outbox.shared, b.outbox.shared);
  assert.is.not(a.outbox.shared, c.outbox.shared);
  assert.is.not(a.outbox.shared, d.outbox.shared);
  assert.equal(diffChunks(c), [[1, 0], [2, 0]]);
  assert.equal(diffChunks(d), [[1, 0], [2, 0], [3, 0], [4, 0]]);
  // c subscribes to chunk 3: it leaves its group for a and b's.
  subscriptions.add(c, 0, 3);
  subscriptions.remove(d, 0, 4);
  board.setPixel(8, 0, 2);
  board.setPixel(16, 0, 2);
  board.setPixel(24, 0, 2);
  plan();
  assert.is(subscriptions.groups.size, 1, 'all four watch chunks 1, 2, 3');
  assert.is(c.outbox.shared, a.outbox.shared);
  assert.is(d.outbox.shared, a.outbox.shared);
  for (const s of [a, b, c, d]) subscriptions.removeClient(s);
  assert.is(subscriptions.groups.size, 0, 'groups without members are dropped');
});

test('a chunk changed by more than a third goes as one CHUNK message, with the DIFF of the rest', () => {
  const { board, subscriber, plan } = setup();
  const a = subscriber(0, 1);
  const b = subscriber(0);
  for (let i = 0; i < 86; i++) board.setPixel(i % 16, Math.floor(i / 16), 3); // 86 of 256 > a third
  board.setPixel(20, 0, 2); // chunk 1: a diff
  const p = plan();
  assert.equal(p.recipients, [a, b]);
  assert.is(a.outbox.frames.length, 1);
  assert.is(a.outbox.frames[0], b.outbox.frames[0], 'one CHUNK message for everyone');
  const chunk = decodeFrame(a.outbox.frames[0]!);
  assert.is(chunk.type, 'chunk');
  if (chunk.type !== 'chunk') return;
  assert.equal([chunk.cx, chunk.cy, chunk.version], [0, 0, 86]);
  assert.ok(Buffer.from(decodeChunkPixels(chunk.encoding, chunk.pixels, 16, 0)).equals(board.chunkData(0)!));
  assert.is(p.diffMessages, 1, 'only a gets a DIFF (chunk 1)');
  assert.is(b.outbox.shared, null);
  // 85 pixels is exactly a third (rounded down): still a DIFF.
  for (let i = 0; i < 85; i++) board.setPixel(i % 16, Math.floor(i / 16), 4);
  const next = plan();
  assert.is(next.diffMessages, 2);
  assert.is(a.outbox.frames.length, 0);
});

test('a dirty chunk\'s audience is the groups that watch it: a member behind misses every dirty chunk its group watches', () => {
  const { board, subscriptions, backlogs, subscriber, plan } = setup(8); // 64 chunks
  const a = subscriber(1, 2, 3);
  const b = subscriber(1, 2, 3);
  const slow = subscriber(1, 2, 3);
  const other = subscriber(3);
  backlogs.set(slow, 1001);
  for (const chunk of [1, 2, 3]) board.setPixel(chunk * 8, 0, 1);
  const p = plan();
  assert.equal(p.recipients, [a, other, b], 'interleaved by group');
  assert.equal(p.fellBehind, [slow]);
  assert.equal([...slow.missed![0]!].sort(), [1, 2, 3]);
  assert.equal([...subscriptions.groups.watching(0, 3)!].map((g) => [...g.members]), [[a, b, slow], [other]]);
  assert.is(subscriptions.groups.watching(0, 4), null);
  // Subscribers are grouped before each tick, whether or not they get anything in it.
  const idle = subscriber(5);
  plan();
  assert.equal([...subscriptions.groups.watching(0, 5)!].map((g) => [...g.members]), [[idle]]);
  subscriptions.remove(idle, 0, 5);
  plan();
  assert.is(subscriptions.groups.watching(0, 5), null, 'no longer watched');
  assert.is(idle.group, null, 'watching nothing, in no group');
  assert.is(subscriptions.groups.size, 2);
});

test('groups whose hashes collide stay apart: each watches its own chunks', () => {
  const { board, subscriptions, subscriber, plan } = setup(8);
  const a = subscriber(1);
  const b = subscriber(2);
  // Make b's hash collide with a's: the hash only finds candidates, the chunks decide.
  subscriptions.groups.leave(b);
  b.subscriptionHash = a.subscriptionHash;
  board.setPixel(8, 0, 1);
  board.setPixel(16, 0, 1);
  plan();
  assert.is(subscriptions.groups.size, 2);
  assert.equal(diffChunks(a), [[1, 0]]);
  assert.equal(diffChunks(b), [[2, 0]]);
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
  assert.equal(plan(T0 + 400).recipients, [fast, slow], 'its sink still holds 250 bytes: after fast');
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

// Paced catch-ups (issue 9 F4): owed chunks go a window at a time, at most the
// high-water mark in the sink; the next window when the sink drains
// (planDrain) or at a tick once the backlog is down to a quarter.

/** Every pixel of the board set, so each chunk's CHUNK frame is dense (~270 bytes: 3 fit a 1000-byte window). */
function paint(board: Board, shift: number): void {
  for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) board.setPixel(x, y, ((x * 7 + y * 3 + shift) % 15) + 1);
}

/** The chunks in `frames` as [cx, cy, version]. */
function chunksOf(frames: readonly PreparedMessage[]): [number, number, number][] {
  return frames.map(decodeFrame).map((m) => (m.type === 'chunk' ? [m.cx, m.cy, m.version] : [-1, -1, -1]) as [number, number, number]);
}

const ALL = Array.from({ length: 16 }, (_, i) => i);

/** A subscriber of all 16 chunks, behind since T0, owed every chunk. */
function owedEverything() {
  const s = setup();
  const slow = s.subscriber(...ALL);
  s.backlogs.set(slow, 5000);
  paint(s.board, 0);
  s.plan(T0);
  assert.ok(slow.behind);
  paint(s.board, 1); // every chunk changes again while it is behind
  s.plan(T0 + 10);
  assert.equal([...slow.missed![0]!].sort((a, b) => a - b), ALL);
  return { ...s, slow };
}

test('a catch-up goes a window at a time: never past the high-water mark in the sink', () => {
  const { backlogs, slow, plan, planner } = owedEverything();
  backlogs.set(slow, 100);
  const p = plan(T0 + 20);
  const frames = slow.outbox.frames;
  const bytes = frames.reduce((sum, f) => sum + f.frame.length, 0);
  assert.ok(frames.length >= 2 && frames.length < 16, `a window of ${frames.length} chunks`);
  assert.ok(100 + bytes <= LIMITS.slowClientHighWaterBytes, `${bytes} bytes on top of 100 stay within the window`);
  assert.ok(100 + bytes + frames[0]!.frame.length > LIMITS.slowClientHighWaterBytes, 'the window is full: one more chunk would not fit');
  assert.equal(p.recipients, [slow]);
  assert.equal(p.caughtUp, [], 'not caught up: chunks still owed');
  assert.ok(slow.behind);
  assert.is(planner.behindCount, 1);
  assert.is(slow.missed![0]!.size, 16 - frames.length, 'what went is no longer owed');
});

test('the next window comes when the sink drains, or at a tick once the backlog is down to a quarter; each chunk once, current', () => {
  const { board, backlogs, slow, plan, planner } = owedEverything();
  const received: PreparedMessage[] = [];
  backlogs.set(slow, 0);
  plan(T0 + 20);
  received.push(...slow.outbox.frames);
  slow.outbox.clear(); // written
  // Its sink still holds the window: a tick over a quarter of the high-water mark sends nothing.
  backlogs.set(slow, 251);
  assert.equal(plan(T0 + 40).recipients, []);
  // Drained (between ticks): the next window, planned for writeOne.
  assert.is(planner.planDrain(slow, 0, T0 + 50), false);
  assert.ok(slow.outbox.frames.length > 0);
  received.push(...slow.outbox.frames);
  slow.outbox.clear();
  // A tick with a low backlog refills too, up to the window on top of what the sink holds.
  backlogs.set(slow, 250);
  for (let now = T0 + 60; slow.behind && now < T0 + 1000; now += 20) {
    const p = plan(now);
    if (!slow.behind) assert.equal(p.caughtUp, [slow]);
    else assert.equal(p.caughtUp, []);
    assert.ok(250 + slow.outbox.frames.reduce((sum, f) => sum + f.frame.length, 0) <= LIMITS.slowClientHighWaterBytes);
    received.push(...slow.outbox.frames);
    slow.outbox.clear();
  }
  assert.not.ok(slow.behind, 'caught up');
  assert.is(slow.missed, null);
  assert.is(planner.behindCount, 0);
  const got = chunksOf(received);
  assert.equal(got.map(([cx, cy]) => cy * 4 + cx).sort((a, b) => a - b), ALL, 'every chunk once');
  for (const [cx, cy, version] of got) assert.is(version, board.chunkVersion(cy * 4 + cx), `chunk (${cx}, ${cy}) as it is now`);
  // A drain after it caught up plans nothing.
  assert.is(planner.planDrain(slow, 0, T0 + 2000), false);
  assert.ok(slow.outbox.isEmpty);
});

test('while chunks are owed it gets no DIFF; a chunk that changes meanwhile comes whole, as it is then', () => {
  const { board, backlogs, slow, plan, subscriber } = owedEverything();
  const fast = subscriber(0);
  backlogs.set(slow, 0);
  plan(T0 + 20);
  const first = chunksOf(slow.outbox.frames);
  slow.outbox.clear();
  assert.equal(first[0]!.slice(0, 2), [0, 0], 'chunk (0, 0) went in the first window');
  board.setPixel(0, 0, 9); // a small change: a DIFF for those who keep up
  backlogs.set(slow, 900); // its sink holds the window: nothing more this tick
  const p = plan(T0 + 40);
  assert.equal(p.recipients, [fast]);
  assert.equal(diffChunks(fast), [[0, 0]], 'the one keeping up gets the DIFF');
  assert.is(slow.outbox.shared, null, 'no DIFF while owed');
  assert.ok(slow.missed![0]!.has(0), 'chunk (0, 0) is owed again, whole');
  const received: PreparedMessage[] = [];
  for (let now = T0 + 60; slow.behind && now < T0 + 1000; now += 20) {
    backlogs.set(slow, 0);
    plan(now);
    assert.is(slow.outbox.shared, null, 'catch-up frames only');
    received.push(...slow.outbox.frames);
    slow.outbox.clear();
  }
  assert.not.ok(slow.behind);
  const chunk0 = chunksOf(received).filter(([cx, cy]) => cx === 0 && cy === 0);
  assert.equal(chunk0, [[0, 0, board.chunkVersion(0)]], 'chunk (0, 0) again, once, at its current version');
  board.setPixel(0, 0, 10);
  assert.is(plan(T0 + 2000).recipients.includes(slow), true, 'caught up: DIFFs again');
  assert.equal(diffChunks(slow), [[0, 0]]);
});

test('each window restarts the deadline; without progress it runs out', () => {
  const { backlogs, slow, plan, planner } = owedEverything(); // behind since T0
  backlogs.set(slow, 0);
  plan(T0 + 4000); // a window: progress
  assert.is(slow.behindSince, T0 + 4000);
  slow.outbox.clear();
  backlogs.set(slow, 2000); // stuck (under the hard limit)
  assert.equal(plan(T0 + 9000).closing, [], 'past T0 + deadline, but a window went at T0 + 4000');
  assert.is(planner.planDrain(slow, 2000, T0 + 9000), false);
  assert.ok(slow.outbox.isEmpty, 'a drain with its sink still full sends nothing');
  assert.is(slow.behindSince, T0 + 4000, 'and is no progress: the deadline still runs from the last window');
  assert.equal(plan(T0 + 9001).closing, [slow], 'no progress for longer than the deadline: closed');
});

test('a SUBSCRIBE\'s chunk goes at once while the sink has room, else it is owed and paced', () => {
  const { board, planner, subscriber } = setup();
  paint(board, 0);
  board.takeChanges();
  const s = subscriber(0, 1, 2, 3);
  const message = planner.planSubscribe(s, board, 0, 0, T0);
  assert.ok(message !== null);
  assert.equal(chunksOf([message!]), [[0, 0, board.chunkVersion(0)]]);
  assert.not.ok(s.behind);
  // No room for another within the high-water mark: owed, and it is behind from now.
  assert.is(planner.planSubscribe(s, board, 1, 1000 - message!.frame.length + 1, T0 + 1), null);
  assert.ok(s.behind);
  assert.is(s.behindSince, T0 + 1);
  assert.is(planner.behindCount, 1);
  // Behind, what it subscribes to is owed even with room.
  assert.is(planner.planSubscribe(s, board, 2, 0, T0 + 2), null);
  assert.equal([...s.missed![0]!], [1, 2]);
  assert.is(planner.planDrain(s, 0, T0 + 3), true, 'both fit one window: caught up');
  assert.equal(chunksOf(s.outbox.frames).map(([cx]) => cx), [1, 2]);
  assert.not.ok(s.behind);
  assert.is(planner.behindCount, 0);
});

test('a chunk bigger than the window still goes, alone, into an empty sink', () => {
  const s = setup(32); // 32×32 chunks: ~1 KiB each, past the 1000-byte window
  paint(s.board, 0);
  s.board.takeChanges();
  const slow = s.subscriber(0, 1);
  assert.is(s.planner.planSubscribe(slow, s.board, 0, 0, T0), null, 'bigger than the window: owed');
  s.planner.planSubscribe(slow, s.board, 1, 0, T0);
  assert.is(s.planner.planDrain(slow, 0, T0 + 1), false);
  assert.is(slow.outbox.frames.length, 1, 'one, though it is bigger than the window');
  assert.ok(slow.outbox.frames[0]!.frame.length > LIMITS.slowClientHighWaterBytes);
  slow.outbox.clear();
  assert.is(s.planner.planDrain(slow, 0, T0 + 2), true);
  assert.is(slow.outbox.frames.length, 1);
});

test.run();
