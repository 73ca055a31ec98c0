// Streamed response bodies (net/chunked-body.ts) on the wire: chunk framing byte for byte,
// HEAD, keep-alive and pipelining after a stream, HTTP/1.0, a producer that fails, a client
// that leaves, and backpressure (a reader that does not read is not fed beyond the bound).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type Server, type Socket } from 'node:net';
import { ChunkedBodySender, STREAM_BUFFER_BYTES } from '../src/net/chunked-body.js';
import { jsonResponse, type StreamedBody } from '../src/net/response.js';
import type { Router } from '../src/net/router.js';
import { openSocket, readUntilClose } from './support/raw.js';
import { startWithRoutes, type RunningServer } from './support/server.js';

let app: RunningServer;
let headPulls = 0;
let failures = 0;
let leaving: { pulls: number; ended: Promise<void>; end: () => void } = newLeaving();

function newLeaving() {
  let end = () => {};
  const ended = new Promise<void>((resolve) => (end = resolve));
  return { pulls: 0, ended, end };
}

async function* pieces(...texts: string[]): AsyncGenerator<Uint8Array> {
  for (const text of texts) yield Buffer.from(text);
}

function routes(router: Router): void {
  router
    .http('GET', '/pieces', () => ({ status: 200, headers: { 'Content-Type': 'text/plain' }, body: pieces('hello', '', 'a'.repeat(300)) }))
    .http('GET', '/later', () => Promise.resolve({ status: 200, body: pieces('async ', 'handler') }))
    .http('GET', '/plain', () => jsonResponse(200, { plain: true }))
    .http('GET', '/counted', () => ({ status: 200, body: (async function* () { headPulls++; yield Buffer.from('x'); })() }))
    .http('GET', '/fails', () => ({
      status: 200,
      body: (async function* () {
        yield Buffer.from('first');
        failures++;
        throw new Error('producer broke');
      })(),
    }))
    .http('GET', '/endless', () => ({
      status: 200,
      body: (async function* () {
        try {
          for (;;) {
            leaving.pulls++;
            yield Buffer.alloc(1024, 0x61);
          }
        } finally {
          leaving.end();
        }
      })(),
    }));
}

test.before(async () => {
  app = await startWithRoutes(routes);
});
test.after(() => app.stop());

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`;

/** Splits a byte string of responses (chunked or Content-Length) into heads and decoded bodies. */
function parseAll(raw: Buffer, headRequests: number[] = []): { head: string; body: string }[] {
  const out: { head: string; body: string }[] = [];
  let offset = 0;
  while (offset < raw.length) {
    const end = raw.indexOf('\r\n\r\n', offset);
    const head = raw.toString('latin1', offset, end);
    offset = end + 4;
    let body = '';
    if (headRequests.includes(out.length)) {
      // no body
    } else if (/transfer-encoding: chunked/i.test(head)) {
      for (;;) {
        const lineEnd = raw.indexOf('\r\n', offset);
        const size = parseInt(raw.toString('latin1', offset, lineEnd), 16);
        offset = lineEnd + 2;
        if (size === 0) {
          assert.is(raw.toString('latin1', offset, offset + 2), '\r\n', 'no trailers, CRLF after the last chunk');
          offset += 2;
          break;
        }
        body += raw.toString('latin1', offset, offset + size);
        assert.is(raw.toString('latin1', offset + size, offset + size + 2), '\r\n');
        offset += size + 2;
      }
    } else {
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      body = raw.toString('latin1', offset, offset + length);
      offset += length;
    }
    out.push({ head, body });
  }
  return out;
}

test('a streamed body is sent as chunks: hex size, CRLF, bytes, CRLF, then 0 CRLF CRLF', async () => {
  const socket = await openSocket(app.port);
  const done = readUntilClose(socket);
  socket.write(get('/pieces', 'Connection: close\r\n'));
  const raw = (await done).toString('latin1');
  const [head, body] = raw.split('\r\n\r\n', 2) as [string, string];
  assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(head, /\r\nTransfer-Encoding: chunked\r\n/);
  assert.match(head, /\r\nConnection: close$/);
  assert.not.match(head, /Content-Length/i);
  // The empty piece is skipped: a zero size would end the body.
  assert.is(raw.slice(head.length + 4), `5\r\nhello\r\n12c\r\n${'a'.repeat(300)}\r\n0\r\n\r\n`);
  assert.ok(body.startsWith('5\r\n'));
});

test('an HTTP client decodes it (fetch)', async () => {
  const response = await fetch(`${app.httpUrl}/pieces`);
  assert.is(response.status, 200);
  assert.is(await response.text(), `hello${'a'.repeat(300)}`);
});

test('keep-alive after a stream; pipelined requests wait for it and come in order; HEAD gets headers only', async () => {
  const socket = await openSocket(app.port);
  const done = readUntilClose(socket);
  const pullsBefore = headPulls;
  socket.write(get('/pieces') + get('/plain') + get('/later') + `HEAD /counted HTTP/1.1\r\nHost: x\r\n\r\n` + get('/pieces', 'Connection: close\r\n'));
  const responses = parseAll(await done, [3]);
  assert.equal(responses.map((r) => r.body), [`hello${'a'.repeat(300)}`, '{"plain":true}', 'async handler', '', `hello${'a'.repeat(300)}`]);
  assert.match(responses[3]!.head, /Transfer-Encoding: chunked/, 'HEAD describes what GET would send');
  assert.is(headPulls, pullsBefore, 'a HEAD answer never iterates the body');
});

test('HTTP/1.0: the body as it is, ended by closing the connection', async () => {
  const socket = await openSocket(app.port);
  const done = readUntilClose(socket);
  socket.write('GET /pieces HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
  const raw = (await done).toString('latin1');
  const [head] = raw.split('\r\n\r\n', 1) as [string];
  assert.not.match(head, /Transfer-Encoding/i);
  assert.match(head, /Connection: close/);
  assert.is(raw.slice(head.length + 4), `hello${'a'.repeat(300)}`);
});

test('a producer that fails mid-stream ends the connection without the last chunk', async () => {
  const socket = await openSocket(app.port);
  const done = readUntilClose(socket);
  socket.write(get('/fails') + get('/plain'));
  const raw = (await done).toString('latin1');
  assert.ok(raw.endsWith('5\r\nfirst\r\n'), raw);
  assert.not.match(raw, /plain/, 'the pipelined request is not answered');
  assert.is(failures, 1);
  // The server lives on.
  assert.is((await fetch(`${app.httpUrl}/plain`)).status, 200);
});

test('a client that leaves mid-stream stops the producer (its finally runs)', async () => {
  leaving = newLeaving();
  const socket = await openSocket(app.port);
  socket.write(get('/endless'));
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.destroy();
  await leaving.ended;
  assert.ok(leaving.pulls > 0);
});

// Backpressure, on a bare socket pair: the sender is the unit, the reader a real socket that reads nothing.
test('a reader that does not read: the producer is not pulled beyond the bound, and is again after drain', async () => {
  const PIECE = 16 * 1024;
  let pulls = 0;
  const body: StreamedBody = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        pulls++;
        return Promise.resolve({ done: false, value: new Uint8Array(PIECE) });
      },
      return: () => Promise.resolve({ done: true, value: undefined }),
    }),
  };
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as { port: number }).port;
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const reader = await openSocket(port);
  reader.pause(); // reads nothing
  const socket = await accepted;
  let blocked = () => {};
  let sender: ChunkedBodySender;
  const listener = { streamBlocked: () => blocked(), streamEnded: () => assert.unreachable('the body never ends') };
  try {
    const firstBlock = new Promise<void>((resolve) => (blocked = resolve));
    sender = new ChunkedBodySender(socket, body, true, listener);
    socket.on('drain', () => sender.onDrain());
    sender.start();
    await firstBlock;
    // Everything pulled either reached the kernel or waits in the socket, which holds at most the bound and one piece.
    const framed = PIECE + 8; // size line and CRLF
    const queued = socket.writableLength;
    assert.ok(queued >= STREAM_BUFFER_BYTES && queued < STREAM_BUFFER_BYTES + framed, `queued ${queued}`);
    assert.is(pulls * framed, socket.bytesWritten, 'every pulled piece was written, none is held elsewhere');
    const pullsWhenBlocked = pulls;
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.is(pulls, pullsWhenBlocked, 'not pulled while blocked');
    // The reader reads: the socket drains and the producer is pulled again, until it blocks again.
    const secondBlock = new Promise<void>((resolve) => (blocked = resolve));
    reader.on('data', () => {});
    reader.resume();
    await new Promise<void>((resolve) => socket.once('drain', () => resolve()));
    reader.pause();
    await secondBlock;
    assert.ok(pulls > pullsWhenBlocked);
  } finally {
    sender!.abort();
    reader.destroy();
    socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

test.run();
