// The versioned LRU cache behind chunk frames, chunk and board images and overview tiles.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VersionedLru, VersionedPromiseLru } from '../src/cache/versioned-lru.js';

/** A producer that counts its calls. */
function producer<V>(make: (call: number) => V): { produce: () => V; readonly calls: number } {
  let calls = 0;
  return {
    produce: () => make(++calls),
    get calls() {
      return calls;
    },
  };
}

test('a value is produced once per version; a newer version replaces it', () => {
  const cache = new VersionedLru<string, string>();
  const p = producer((call) => `render ${call}`);
  assert.is(cache.get('a', 1, p.produce), 'render 1');
  assert.is(cache.get('a', 1, p.produce), 'render 1');
  assert.is(p.calls, 1);
  assert.is(cache.get('a', 2, p.produce), 'render 2');
  assert.is(cache.size, 1, 'one version per key');
  assert.is(cache.get('a', 1, p.produce), 'render 3', 'an older version is produced again, not remembered');
});

test('over maxEntries the least recently used goes, and a hit makes a key recent', () => {
  const cache = new VersionedLru<string, string>({ maxEntries: 2 });
  const p = producer((call) => String(call));
  cache.get('a', 1, p.produce);
  cache.get('b', 1, p.produce);
  cache.get('a', 1, p.produce); // a is now more recent than b
  cache.get('c', 1, p.produce); // b goes
  assert.is(cache.size, 2);
  assert.is(p.calls, 3);
  cache.get('a', 1, p.produce);
  cache.get('c', 1, p.produce);
  assert.is(p.calls, 3, 'a and c are still there');
  cache.get('b', 1, p.produce);
  assert.is(p.calls, 4, 'b had gone');
});

test('over maxBytes the least recently used go until the rest fits; a value over the budget is not kept', () => {
  const cache = new VersionedLru<string, Uint8Array>({ maxBytes: 10, byteLength: (bytes) => bytes.length });
  cache.get('a', 1, () => new Uint8Array(4));
  cache.get('b', 1, () => new Uint8Array(4));
  assert.equal([cache.size, cache.byteSize], [2, 8]);
  cache.get('b', 2, () => new Uint8Array(2)); // replacing counts the new size only
  assert.equal([cache.size, cache.byteSize], [2, 6]);
  cache.get('c', 1, () => new Uint8Array(8)); // 14 bytes: a, the least recent, goes
  assert.equal([cache.size, cache.byteSize], [2, 10]);
  cache.get('d', 1, () => new Uint8Array(9)); // 19 bytes: b, then c go
  assert.equal([cache.size, cache.byteSize], [1, 9]);
  const huge = cache.get('e', 1, () => new Uint8Array(11));
  assert.is(huge.length, 11, 'returned all the same');
  assert.equal([cache.size, cache.byteSize], [0, 0]);
});

test('resize and delete act only on the entry that still holds the value', () => {
  const cache = new VersionedLru<string, { id: number }>({ maxBytes: 10 });
  const first = cache.get('a', 1, () => ({ id: 1 }));
  const second = cache.get('a', 2, () => ({ id: 2 }));
  cache.resize('a', first, 5); // a stale value: ignored
  assert.is(cache.byteSize, 0);
  cache.resize('a', second, 5);
  assert.is(cache.byteSize, 5);
  cache.resize('a', second, 11); // over the budget now: evicted
  assert.equal([cache.size, cache.byteSize], [0, 0]);
  const third = cache.get('a', 3, () => ({ id: 3 }));
  cache.delete('a', first);
  assert.is(cache.size, 1);
  cache.delete('a', third);
  assert.is(cache.size, 0);
  cache.get('b', 1, () => ({ id: 4 }));
  cache.delete('b');
  assert.is(cache.size, 0);
});

test('clear forgets every entry and byte', () => {
  const cache = new VersionedLru<number, Uint8Array>({ byteLength: (bytes) => bytes.length });
  cache.get(1, 1, () => new Uint8Array(3));
  cache.get(2, 1, () => new Uint8Array(3));
  cache.clear();
  assert.equal([cache.size, cache.byteSize], [0, 0]);
});

test('promises: concurrent requests share one; bytes count once it resolves; LRU by entries and bytes', async () => {
  const cache = new VersionedPromiseLru<string, Buffer>({ maxEntries: 2, maxBytes: 10, byteLength: (buffer) => buffer.length });
  let renders = 0;
  const render = (bytes: number) => () => {
    renders++;
    return Promise.resolve(Buffer.alloc(bytes));
  };
  const pending = cache.get('a', 1, render(4));
  assert.is(cache.byteSize, 0, 'pending: no bytes yet');
  const [a, b] = await Promise.all([pending, cache.get('a', 1, render(4))]);
  assert.is(a, b);
  assert.is(renders, 1);
  assert.is(cache.byteSize, 4);
  await cache.get('a', 2, render(4)); // a newer version replaces the entry
  assert.is(renders, 2);
  assert.equal([cache.size, cache.byteSize], [1, 4]);
  await cache.get('b', 1, render(4));
  await cache.get('a', 2, render(4)); // a is now the most recent
  await cache.get('c', 1, render(4)); // over 2 entries: b, the least recent, goes
  assert.is(renders, 4);
  assert.equal([cache.size, cache.byteSize], [2, 8]);
  await cache.get('a', 2, render(4));
  assert.is(renders, 4);
  await cache.get('d', 1, render(8)); // over 10 bytes: c, then a go
  assert.equal([cache.size, cache.byteSize], [1, 8]);
});

test('promises: a rejection is not kept, the next request tries again', async () => {
  const cache = new VersionedPromiseLru<string, Buffer>();
  const failed = cache.get('a', 1, () => Promise.reject(new Error('boom')));
  await failed.then(
    () => assert.unreachable('should reject'),
    (error: Error) => assert.is(error.message, 'boom'),
  );
  assert.is(cache.size, 0);
  const retried = await cache.get('a', 1, () => Promise.resolve(Buffer.from('ok')));
  assert.is(retried.toString(), 'ok');
  assert.is(cache.size, 1);
});

test('promises: a late resolution of a replaced version changes nothing', async () => {
  const cache = new VersionedPromiseLru<string, Buffer>({ byteLength: (buffer) => buffer.length });
  let finishOld!: (buffer: Buffer) => void;
  const old = cache.get('a', 1, () => new Promise<Buffer>((resolve) => (finishOld = resolve)));
  await cache.get('a', 2, () => Promise.resolve(Buffer.alloc(3)));
  finishOld(Buffer.alloc(100));
  await old;
  assert.equal([cache.size, cache.byteSize], [1, 3]);
});

test.run();
