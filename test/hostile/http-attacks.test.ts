// Classic attacks on an HTTP/1.1 server, against the product's routes: slowloris, request
// smuggling, path traversal and header floods. Each gets its documented answer
// (docs/SERVER.md), and a normal client is served right after.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Socket } from 'node:net';
import { exchange, openSocket, parseResponses, readUntilClose } from '../support/raw.js';
import { startApp, type RunningServer } from '../support/server.js';
import { assertServed } from './support.js';

const HEADER_TIMEOUT_MS = 300;

let app: RunningServer;
test.before(async () => {
  app = await startApp({ headerTimeoutMs: HEADER_TIMEOUT_MS });
});
test.after(() => app.stop());

const statusesOf = async (request: string) => parseResponses(await exchange(app.port, request)).map((r) => r.status);

test('slowloris: 100 heads trickled a byte every 20 ms all get 408 at the header deadline, not at an idle timeout', async () => {
  const head = 'GET /health HTTP/1.1\r\nHost: a\r\nX-Padding: ' + 'p'.repeat(200); // never finished
  const sockets: Socket[] = await Promise.all(Array.from({ length: 100 }, () => openSocket(app.port)));
  const answers = sockets.map((socket) => readUntilClose(socket));
  let sent = 0;
  const trickle = setInterval(() => {
    for (const socket of sockets) if (socket.writable) socket.write(head[sent % head.length]!);
    sent++;
  }, 20);
  try {
    await assertServed(app.port); // during the attack
    // Bytes kept coming (the head would take 4.6 s), so only a deadline from the head's start ends them.
    const responses = (await Promise.all(answers)).map((raw) => parseResponses(raw));
    assert.ok(responses.every((r) => r.length === 1 && r[0]!.status === 408), 'every trickled head gets one 408');
  } finally {
    clearInterval(trickle);
    for (const socket of sockets) socket.destroy();
  }
  await assertServed(app.port);
});

test('smuggling: Content-Length with Transfer-Encoding, or two differing Content-Lengths, is 400 and the connection ends', async () => {
  const pixel = '{"x":1,"y":1,"color":1}';
  const hidden = 'GET /api/boards HTTP/1.1\r\nHost: a\r\n\r\n';
  // CL.TE: a front end believing Content-Length would forward `hidden` as part of this body; TE.CL the reverse.
  const clte = `POST /api/boards/place/pixels HTTP/1.1\r\nHost: a\r\nContent-Length: ${5 + hidden.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${hidden}`;
  const tecl = `POST /api/boards/place/pixels HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n${hidden.length.toString(16)}\r\n${hidden}\r\n0\r\n\r\n`;
  const doubleLength = `POST /api/boards/place/pixels HTTP/1.1\r\nHost: a\r\nContent-Length: ${pixel.length}\r\nContent-Length: 0\r\n\r\n${pixel}${hidden}`;
  const listedLength = `POST /api/boards/place/pixels HTTP/1.1\r\nHost: a\r\nContent-Length: ${pixel.length}, 0\r\n\r\n${pixel}${hidden}`;
  const obfuscatedCoding = `POST /api/boards/place/pixels HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${hidden}`;
  for (const request of [clte, tecl, doubleLength, listedLength]) {
    assert.equal(await statusesOf(request), [400], JSON.stringify(request.slice(0, 120))); // one answer: `hidden` is never run
  }
  assert.equal(await statusesOf(obfuscatedCoding), [501]);
  await assertServed(app.port);
});

test('traversal: no path reaches a file outside the static root', async () => {
  const attempts = ['/../package.json', '/%2e%2e/package.json', '/%2E%2E/%2E%2E/etc/passwd', '/.%2e/package.json', '/a/..%2f..%2fpackage.json',
    '/%2fetc%2fpasswd', '/..\\package.json', '/%5c..%5cpackage.json', '/index.html%00', '/%00', '//etc/passwd', '/../../../../etc/passwd',
    '/%252e%252e/package.json', '/..;/package.json', '/%c0%ae%c0%ae/package.json', 'http://a/../package.json'];
  for (const path of attempts) {
    const [response, ...more] = parseResponses(await exchange(app.port, `GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`));
    assert.ok(response!.status === 400 || response!.status === 404, `${path} → ${response!.status}`);
    assert.is(more.length, 0);
    const body = response!.body.toString();
    assert.not.ok(body.includes('"devDependencies"') || body.includes('root:'), path);
  }
  await assertServed(app.port);
});

test('header floods: over 100 fields or 16 KiB → 431; an endless head is cut off at 16 KiB', async () => {
  const fields = Array.from({ length: 101 }, (_, i) => `X-H${i}: v\r\n`).join('');
  assert.equal(await statusesOf(`GET /health HTTP/1.1\r\nHost: a\r\n${fields}\r\n`), [431]);
  assert.equal(await statusesOf(`GET /health HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`), [431]);
  assert.equal(await statusesOf(`GET /health HTTP/1.1\r\nHost: a\r\n${'X-A: b\r\n'.repeat(3000)}\r\n`), [431], 'many small fields');
  // A head that never ends: answered once it passes the limit, whatever else is still coming.
  const socket = await openSocket(app.port);
  const answer = readUntilClose(socket);
  socket.on('error', () => {});
  socket.write('GET /health HTTP/1.1\r\nHost: a\r\n');
  const line = Buffer.from(`X-${'f'.repeat(1000)}: 1\r\n`);
  for (let i = 0; i < 1024 && !socket.destroyed && socket.writable; i++) socket.write(line); // up to 1 MiB
  assert.equal(parseResponses(await answer).map((r) => r.status), [431]);
  socket.destroy();
  await assertServed(app.port);
});

test('header floods: 200 connections each sending a 15 KiB head at once are all answered, and /health stays fast', async () => {
  const head = `GET /health HTTP/1.1\r\nHost: a\r\nX-Fill: ${'y'.repeat(15 * 1024)}\r\nConnection: close\r\n\r\n`;
  const answers = await Promise.all(Array.from({ length: 200 }, () => exchange(app.port, head)));
  assert.ok(answers.every((raw) => parseResponses(raw)[0]?.status === 200));
  await assertServed(app.port);
});

test.run();
