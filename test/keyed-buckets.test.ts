// KeyedBuckets: token buckets by key, a missing key meaning "full", and a
// store that stays bounded however many keys arrive.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KeyedBuckets } from '../src/ratelimit/keyed-buckets.js';

test('a key never seen has a full bucket and costs no memory', () => {
  const buckets = new KeyedBuckets({ capacity: 10, refillPerSecond: 1 });
  assert.is(buckets.available('nobody', 0), 10);
  assert.is(buckets.retryAfterMs('nobody', 0, 10), 0);
  assert.is(buckets.size, 0);
  assert.ok(buckets.take('alice', 0, 3));
  assert.is(buckets.size, 1);
  assert.is(buckets.available('bob', 0), 10, 'other keys are unaffected');
});

test('tokens refill continuously at refillPerSecond, up to capacity', () => {
  const buckets = new KeyedBuckets({ capacity: 10, refillPerSecond: 2 });
  assert.ok(buckets.take('k', 1000, 10));
  assert.is(buckets.available('k', 1000), 0);
  assert.is(buckets.available('k', 1500), 1);
  assert.is(buckets.available('k', 1750), 1.5);
  assert.is(buckets.available('k', 3000), 4);
  assert.is(buckets.available('k', 6000), 10);
  assert.is(buckets.available('k', 60_000), 10, 'never above capacity');
  // A clock that steps back neither refills nor breaks anything.
  assert.is(buckets.available('k', 500), 0);
});

test('take is all or nothing', () => {
  const buckets = new KeyedBuckets({ capacity: 5, refillPerSecond: 1 });
  assert.ok(buckets.take('k', 0, 3));
  assert.not.ok(buckets.take('k', 0, 3));
  assert.is(buckets.available('k', 0), 2, 'the refused take took nothing');
  assert.ok(buckets.take('k', 0, 2));
  assert.is(buckets.available('k', 0), 0);
  assert.not.ok(buckets.take('fresh', 0, 6), 'more than capacity is never allowed');
  assert.is(buckets.size, 1, 'and a refused take on a new key stores nothing');
  assert.ok(buckets.take('fresh', 0, 0), 'taking nothing always succeeds');
  assert.is(buckets.size, 1);
});

test('retryAfterMs is the exact wait, and take succeeds right then', () => {
  const perFive = new KeyedBuckets({ capacity: 1, refillPerSecond: 0.2 });
  assert.ok(perFive.take('k', 0, 1));
  assert.is(perFive.retryAfterMs('k', 0, 1), 5000);
  assert.is(perFive.retryAfterMs('k', 1000, 1), 4000);
  assert.is(perFive.retryAfterMs('k', 4999, 1), 1);
  assert.not.ok(perFive.take('k', 4999, 1));
  assert.is(perFive.retryAfterMs('k', 5000, 1), 0);
  assert.ok(perFive.take('k', 5000, 1));
  assert.is(perFive.retryAfterMs('k', 5000, 2), Infinity, 'cost above capacity: never');

  // 100 per minute: 600 ms per token, which is not exact in binary.
  const perMinute = new KeyedBuckets({ capacity: 100, refillPerSecond: 100 / 60 });
  for (let i = 0; i < 100; i++) assert.ok(perMinute.take('k', 0, 1));
  assert.is(perMinute.retryAfterMs('k', 0, 1), 600);
  assert.is(perMinute.retryAfterMs('k', 0, 100), 60_000);
  assert.not.ok(perMinute.take('k', 599, 1));
  assert.ok(perMinute.take('k', 600, 1));

  // Fractional waits round up: 1 token at 3/s is 333.3 ms → 334.
  const third = new KeyedBuckets({ capacity: 3, refillPerSecond: 3 });
  assert.ok(third.take('k', 0, 3));
  assert.is(third.retryAfterMs('k', 0, 1), 334);
  assert.not.ok(third.take('k', 333, 1));
  assert.ok(third.take('k', 334, 1));
});

test('sweep forgets buckets that have refilled to full, and only those', () => {
  const buckets = new KeyedBuckets({ capacity: 10, refillPerSecond: 1 });
  for (let i = 0; i < 1000; i++) buckets.take(`light${i}`, 0, 5);
  buckets.take('heavy', 0, 10);
  assert.is(buckets.size, 1001);
  buckets.sweep(4999);
  assert.is(buckets.size, 1001, 'nothing is full yet');
  buckets.sweep(5000);
  assert.is(buckets.size, 1, 'the light ones are full again');
  assert.is(buckets.available('heavy', 5000), 5);
  buckets.sweep(10_000);
  assert.is(buckets.size, 0, 'after enough idle time the store is empty');
  assert.is(buckets.available('heavy', 10_000), 10);
  // Freed slots are reused.
  for (let i = 0; i < 1000; i++) buckets.take(`again${i}`, 10_000, 1);
  assert.is(buckets.size, 1000);
  assert.is(buckets.available('again999', 10_000), 9);
});

test('memory stays bounded: 1,000,000 distinct keys never store more than maxKeys', () => {
  // Refill so slow that no bucket is ever full: only eviction keeps the bound.
  const buckets = new KeyedBuckets({ capacity: 1, refillPerSecond: 0.001 }, { maxKeys: 10_000 });
  let largest = 0;
  for (let i = 0; i < 1_000_000; i++) {
    assert.ok(buckets.take(`attacker-${i}`, i, 1) || false);
    if (buckets.size > largest) largest = buckets.size;
  }
  assert.is(largest, 10_000);
  assert.is(buckets.available('attacker-999999', 1_000_000), 0.000001, 'the newest keys are still remembered');
  assert.is(buckets.available('attacker-0', 1_000_000), 1, 'the oldest were forgotten');
});

test('a full store first drops full buckets before evicting anything', () => {
  const buckets = new KeyedBuckets({ capacity: 10, refillPerSecond: 1 }, { maxKeys: 2 });
  buckets.take('deep', 0, 10); // full again at 10 000
  buckets.take('shallow', 1, 1); // full again at 1001, and more recently used
  buckets.take('newcomer', 2000, 1);
  assert.is(buckets.size, 2);
  assert.is(buckets.available('deep', 2000), 2, 'the least recently used bucket survived: it still had a deficit');
  assert.is(buckets.available('newcomer', 2000), 9);
});

test('with no full bucket to drop, the least recently used one is evicted', () => {
  const buckets = new KeyedBuckets({ capacity: 10, refillPerSecond: 1 }, { maxKeys: 3 });
  buckets.take('a', 0, 5);
  buckets.take('b', 0, 5);
  buckets.take('c', 0, 5);
  buckets.take('a', 10, 1); // a is now the most recently used; b is idle longest
  buckets.take('d', 20, 5);
  assert.is(buckets.size, 3);
  assert.is(buckets.available('b', 20), 10, 'b was evicted: it counts as full');
  assert.is(buckets.available('a', 20), 4.02);
  assert.is(buckets.available('c', 20), 5.02);
  assert.is(buckets.available('d', 20), 5);
  buckets.take('e', 30, 5);
  assert.is(buckets.available('c', 30), 10, 'then c, the next idle one');
  assert.is(buckets.size, 3);
});

test('rates that could never refill are refused', () => {
  assert.throws(() => new KeyedBuckets({ capacity: 1, refillPerSecond: 0 }), RangeError);
  assert.throws(() => new KeyedBuckets({ capacity: 0, refillPerSecond: 1 }), RangeError);
  assert.throws(() => new KeyedBuckets({ capacity: 1, refillPerSecond: 1 }, { maxKeys: 0 }), RangeError);
});

test.run();
