// RatePolicy: a board's buckets checked together, for the three shapes of
// board Tessera ships (r/place, a Pixels-style stroke board, a tile mosaic).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BucketSpec } from '../src/ratelimit/bucket-spec.js';
import { RatePolicy } from '../src/ratelimit/policy.js';

// r/place: one pixel per 5 s per session, and 8 at 1.6/s per IP for households behind one NAT.
const PLACE: BucketSpec[] = [
  { key: 'session', capacity: 1, refillPerSecond: 0.2, unit: 'pixel' },
  { key: 'ip', capacity: 8, refillPerSecond: 1.6, unit: 'pixel' },
];
// Pixels-style strokes: 20-pixel bursts at 10/s, and at most 100 a minute.
const STROKES: BucketSpec[] = [
  { key: 'session', capacity: 20, refillPerSecond: 10, unit: 'pixel' },
  { key: 'session', capacity: 100, refillPerSecond: 100 / 60, unit: 'pixel' },
];
// Mosaic: 20 tile writes in a burst at 1/s per IP, and each tile rewritten at most once per 5 s.
const MOSAIC: BucketSpec[] = [
  { key: 'ip', capacity: 20, refillPerSecond: 1, unit: 'write' },
  { key: 'tile', capacity: 1, refillPerSecond: 0.2, unit: 'write' },
];

const IP = '203.0.113.7';

test('r/place: one placement, then rate limited until the session bucket refills', () => {
  const policy = new RatePolicy(PLACE);
  const me = { session: 's1', ip: IP };
  assert.equal(policy.consume(me, 1, 0), { allowed: true, retryAfterMs: 0 });
  assert.equal(policy.consume(me, 1, 0), { allowed: false, retryAfterMs: 5000 });
  assert.equal(policy.consume(me, 1, 1000), { allowed: false, retryAfterMs: 4000 });
  assert.equal(policy.consume(me, 1, 4999), { allowed: false, retryAfterMs: 1 });
  assert.ok(policy.consume(me, 1, 5000).allowed);
});

test('r/place: other sessions on the same IP place too, until the IP bucket is empty', () => {
  const policy = new RatePolicy(PLACE);
  for (let i = 1; i <= 8; i++) assert.ok(policy.consume({ session: `member${i}`, ip: IP }, 1, 0).allowed, `member ${i}`);
  assert.equal(policy.consume({ session: 'member9', ip: IP }, 1, 0), { allowed: false, retryAfterMs: 625 });
  assert.ok(policy.consume({ session: 'neighbour', ip: '198.51.100.1' }, 1, 0).allowed, 'other IPs are unaffected');
  assert.ok(policy.consume({ session: 'member9', ip: IP }, 1, 625).allowed);
});

test('r/place: a cookie-less bot with a new session per request is held to the IP rate', () => {
  const policy = new RatePolicy(PLACE);
  let allowed = 0;
  for (let now = 0; now < 10_000; now += 10) {
    if (policy.consume({ session: `bot-${now}`, ip: IP }, 1, now).allowed) allowed++;
  }
  assert.is(allowed, 8 + 16 - 1, 'the burst of 8, then 1.6/s (placements at 625 ms … 9375 ms)');
});

test('r/place: quota reports the binding bucket', () => {
  const policy = new RatePolicy(PLACE);
  const me = { session: 's1', ip: IP };
  assert.equal(policy.quota(me, 0), { available: 1, capacity: 1, nextInMs: 0 });
  policy.consume(me, 1, 0);
  assert.equal(policy.quota(me, 0), { available: 0, capacity: 1, nextInMs: 5000 });
  assert.equal(policy.quota(me, 2000), { available: 0, capacity: 1, nextInMs: 3000 });
  for (let i = 2; i <= 9; i++) policy.consume({ session: `s${i}`, ip: IP }, 1, 5000); // the IP bucket is full again at 5 s
  const other = { session: 'fresh', ip: IP };
  assert.equal(policy.quota(other, 5000), { available: 0, capacity: 8, nextInMs: 625 }, 'the IP bucket binds');
});

test('strokes: a 20-pixel stroke is allowed, the next is rejected with the burst refill time', () => {
  const policy = new RatePolicy(STROKES);
  const me = { session: 's1', ip: IP };
  assert.ok(policy.consume(me, 20, 0).allowed);
  assert.equal(policy.consume(me, 1, 0), { allowed: false, retryAfterMs: 100 });
  assert.equal(policy.consume(me, 20, 0), { allowed: false, retryAfterMs: 2000 });
  assert.equal(policy.consume(me, 21, 0), { allowed: false, retryAfterMs: Infinity }, 'larger than any burst: never');
  assert.ok(policy.consume(me, 20, 2000).allowed);
});

test('strokes: after 100 pixels the per-minute bucket binds', () => {
  const policy = new RatePolicy(STROKES);
  const me = { session: 's1', ip: IP };
  for (let now = 0; now <= 8000; now += 2000) assert.ok(policy.consume(me, 20, now).allowed, `stroke at ${now}`);
  // At 10 s the burst bucket is full again but the minute bucket holds 16.67.
  assert.equal(policy.consume(me, 20, 10_000), { allowed: false, retryAfterMs: 2000 });
  assert.equal(policy.quota(me, 10_000), { available: 16, capacity: 100, nextInMs: 200 });
  assert.ok(policy.consume(me, 16, 10_000).allowed);
  assert.equal(policy.quota(me, 10_000), { available: 0, capacity: 100, nextInMs: 200 });
});

test('mosaic: the same tile twice is rejected for 5 s; another tile is fine', () => {
  const policy = new RatePolicy(MOSAIC);
  const at = (tile: string) => ({ session: 's1', ip: IP, tile });
  assert.ok(policy.consume(at('12:34'), 64, 0).allowed, 'a write costs 1 token however many pixels');
  assert.equal(policy.consume(at('12:34'), 64, 0), { allowed: false, retryAfterMs: 5000 });
  assert.ok(policy.consume(at('12:35'), 64, 0).allowed);
  assert.equal(policy.consume({ session: 's2', ip: '198.51.100.1', tile: '12:34' }, 64, 100), { allowed: false, retryAfterMs: 4900 },
    'the tile bucket is the tile\'s, whoever writes');
  assert.ok(policy.consume(at('12:34'), 64, 5000).allowed);
  assert.ok(policy.consume({ session: 's1', ip: IP }, 1, 5000).allowed, 'no tile: the tile bucket is skipped');
  assert.equal(policy.quota({ session: 's1', ip: IP }, 5000), { available: 18, capacity: 20, nextInMs: 1000 }, 'quota ignores tiles');
});

test('a rejection takes nothing from the other buckets', () => {
  // The IP bucket passes and the tile bucket refuses: the IP bucket keeps its token.
  const mosaic = new RatePolicy(MOSAIC);
  assert.ok(mosaic.consume({ session: 's1', ip: IP, tile: '0:0' }, 1, 0).allowed);
  for (let i = 0; i < 50; i++) assert.not.ok(mosaic.consume({ session: 's1', ip: IP, tile: '0:0' }, 1, 0).allowed);
  let written = 0;
  for (let x = 1; x <= 25; x++) if (mosaic.consume({ session: 's1', ip: IP, tile: `${x}:0` }, 1, 0).allowed) written++;
  assert.is(written, 19, 'the 50 refused writes cost nothing');

  // The session bucket refuses and the IP bucket would pass: the household keeps its 7.
  const place = new RatePolicy(PLACE);
  assert.ok(place.consume({ session: 'eager', ip: IP }, 1, 0).allowed);
  for (let i = 0; i < 50; i++) assert.not.ok(place.consume({ session: 'eager', ip: IP }, 1, 0).allowed);
  for (let i = 0; i < 7; i++) assert.ok(place.consume({ session: `member${i}`, ip: IP }, 1, 0).allowed);
});

test('when several buckets refuse, the longest wait is returned; sweep forgets idle subjects', () => {
  const policy = new RatePolicy(PLACE);
  assert.ok(policy.consume({ session: 'a', ip: IP }, 1, 0).allowed);
  for (let i = 0; i < 7; i++) policy.consume({ session: `other${i}`, ip: IP }, 1, 0);
  assert.equal(policy.consume({ session: 'a', ip: IP }, 1, 0), { allowed: false, retryAfterMs: 5000 }, 'session 5000 beats IP 625');
  assert.equal(policy.consume({ session: 'b', ip: IP }, 1, 0), { allowed: false, retryAfterMs: 625 }, 'only the IP bucket refuses');
  policy.sweep(5000);
  assert.equal(policy.quota({ session: 'a', ip: IP }, 5000), { available: 1, capacity: 1, nextInMs: 0 });
  assert.ok(policy.consume({ session: 'a', ip: IP }, 1, 5000).allowed);
});

test('a policy with no session or IP bucket reports an unlimited quota', () => {
  const policy = new RatePolicy([{ key: 'tile', capacity: 1, refillPerSecond: 0.2, unit: 'write' }]);
  assert.equal(policy.quota({ session: 's', ip: IP }, 0), { available: Infinity, capacity: Infinity, nextInMs: 0 });
  assert.ok(policy.consume({ session: 's', ip: IP }, 5, 0).allowed);
});

test("a 'chunk' bucket charges what a write allocates, nothing for writes where pixels are; QUOTA ignores it", () => {
  const policy = new RatePolicy([
    { key: 'ip', capacity: 20, refillPerSecond: 1, unit: 'write' },
    { key: 'ip', capacity: 32, refillPerSecond: 0.2, unit: 'chunk' },
  ]);
  const me = { session: 's1', ip: IP };
  assert.equal(policy.consume(me, 1024, 0, 16), { allowed: true, retryAfterMs: 0 });
  assert.equal(policy.consume(me, 1024, 0, 16), { allowed: true, retryAfterMs: 0 });
  assert.equal(policy.consume(me, 1024, 0, 1), { allowed: false, retryAfterMs: 5000 }, 'no chunk token left');
  assert.equal(policy.consume(me, 1024, 0, 0), { allowed: true, retryAfterMs: 0 }, 'allocating nothing costs no chunk token');
  assert.equal(policy.consume(me, 1024, 0, 33), { allowed: false, retryAfterMs: Infinity }, 'more than the bucket holds never passes');
  assert.equal(policy.quota(me, 0), { available: 17, capacity: 20, nextInMs: 1000 }, 'the write bucket binds the quota');
});

test.run();
