// The received-bytes queue both parsers read from: views where the bytes
// lie in one chunk, copies only across chunks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ByteQueue } from '../src/net/byte-queue.js';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');

function queueOf(...chunks: string[]): ByteQueue {
  const queue = new ByteQueue();
  for (const chunk of chunks) queue.push(b(chunk));
  return queue;
}

test('length, peek across chunks, consume across chunks', () => {
  const queue = queueOf('ab', '', 'cde', 'f');
  assert.is(queue.length, 6, 'empty chunks are not kept');
  assert.equal([0, 1, 2, 5].map((i) => String.fromCharCode(queue.peek(i)!)), ['a', 'b', 'c', 'f']);
  assert.is(queue.peek(6), undefined);
  queue.consume(3);
  assert.is(queue.length, 3);
  assert.is(queue.frontLength, 2);
  assert.is(String.fromCharCode(queue.front![queue.offset]!), 'd');
});

test('take and read hand out views of the chunk; read copies only across chunks', () => {
  const first = b('hello');
  const queue = new ByteQueue();
  queue.push(first);
  queue.push(b(' world'));
  const view = queue.take(100);
  assert.is(view.toString(), 'hello', 'take stops at the end of the front chunk');
  assert.is(view.buffer, first.buffer, 'a view, not a copy');
  queue.push(b('!'));
  const across = queue.read(7);
  assert.is(across.toString(), ' world!');
  assert.is(queue.length, 0);
  assert.is(queue.read(0).length, 0);
});

test('copyTo copies across chunks into place', () => {
  const queue = queueOf('ab', 'cd', 'ef');
  const target = Buffer.alloc(6, '.');
  queue.copyTo(target, 1, 4);
  assert.is(target.toString(), '.abcd.');
  assert.is(queue.takeAll().toString(), 'ef');
});

test('join makes the front one chunk and appends to its own buffer when more arrives', () => {
  const queue = queueOf('GET / HT', 'TP/1.1\r');
  queue.join(64);
  assert.is(queue.frontLength, queue.length, 'one chunk');
  assert.is(queue.front!.toString(), 'GET / HTTP/1.1\r');
  const space = queue.front!.buffer;
  queue.push(b('\nHost'));
  queue.join(64);
  assert.is(queue.front!.toString(), 'GET / HTTP/1.1\r\nHost');
  assert.is(queue.front!.buffer, space, 'appended in place, not copied again');
  queue.push(b(': x\r\n\r\nNEXT'));
  queue.join(24);
  assert.is(queue.front!.toString(), 'GET / HTTP/1.1\r\nHost: x\r', 'at most maxBytes are joined');
  assert.is(queue.takeAll().toString(), 'GET / HTTP/1.1\r\nHost: x\r\n\r\nNEXT', 'the rest stays queued behind');
});

test('takeAll and clear empty it', () => {
  const queue = queueOf('abc', 'def');
  queue.consume(1);
  assert.is(queue.takeAll().toString(), 'bcdef');
  assert.is(queue.length, 0);
  assert.is(queue.front, undefined);
  queue.push(b('x'));
  queue.clear();
  assert.is(queue.length, 0);
  assert.is(queue.takeAll().length, 0);
});

test.run();
