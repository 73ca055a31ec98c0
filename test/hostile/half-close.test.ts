// Issue 9 F6: a client that sends its request and then FIN (`printf … | nc -N`) still gets
// its answer, on asynchronous routes too (static files, `/`, a chunk gzipped on demand);
// the server ends the connection after the last answer. A half-closed client that never
// reads is still bounded by the timeouts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseResponses } from '../support/raw.js';
import { startApp, type RunningServer } from '../support/server.js';
import { assertServed, responsesWithStatus, waitFor } from './support.js';

let app: RunningServer;
test.before(async () => {
  // Short timeouts, for the client that never reads.
  app = await startApp({ headerTimeoutMs: 300, wsCloseTimeoutMs: 300, keepAliveTimeoutMs: 300 });
});
test.after(() => app.stop());

/** Connects, sends `bytes`, half-closes (FIN), and resolves with all the server sent before its own FIN. */
function sendThenFin(bytes: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: '127.0.0.1', port: app.port, allowHalfOpen: true }, () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      socket.destroy();
      resolve(Buffer.concat(chunks));
    });
    socket.on('error', reject);
  });
}

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`;

test('F6: a request then FIN is answered on every asynchronous route, then the server ends the connection', async () => {
  // A chunk written just now: its gzip is not cached yet, so the answer comes from the thread pool.
  app.canvas!.byId.get('mosaic')!.setPixel(300, 5, 9);
  const cases: [string, string][] = [
    [get('/index.html'), 'text/html'],
    [get('/'), 'text/html'],
    [get('/api/boards/mosaic/chunks/1/0', 'Accept-Encoding: gzip\r\n'), 'application/octet-stream'],
    [get('/health'), 'application/json'],
  ];
  for (const [request, type] of cases) {
    const [response, ...more] = parseResponses(await sendThenFin(request));
    assert.is(response?.status, 200, request);
    assert.ok(response!.headers.get('content-type')!.startsWith(type), request);
    assert.is(more.length, 0);
  }
  await assertServed(app.port);
});

test('F6: pipelined requests then FIN: every one is answered, in order', async () => {
  const responses = parseResponses(await sendThenFin(get('/index.html') + get('/health') + get('/api/boards') + get('/')));
  assert.equal(responses.map((r) => r.status), [200, 200, 200, 200]);
  assert.ok(responses[0]!.headers.get('content-type')!.startsWith('text/html'));
  assert.ok(responses[2]!.body.toString().includes('"mosaic"'));
  await assertServed(app.port);
});

test('F6: FIN in the middle of a request: the connection ends without an answer to the unfinished request', async () => {
  const responses = parseResponses(await sendThenFin(get('/health') + 'GET /health HTTP/1.1\r\nHo'));
  assert.equal(responses.map((r) => r.status), [200]);
  await assertServed(app.port);
});

test('F6: a client that half-closes and never reads is dropped by the timeouts', async () => {
  await waitFor(() => app.server.connectionCount === 0, 2000, 'earlier connections closed');
  const served = () => responsesWithStatus(app.server.registry.render(), 200);
  const servedBefore = served();
  const socket = connect({ host: '127.0.0.1', port: app.port, allowHalfOpen: true });
  socket.pause();
  socket.on('error', () => {});
  socket.end(get('/api/boards/mosaic/overview/0/versions').repeat(40)); // ≈ 8 MB of answers it never reads
  await waitFor(() => served() > servedBefore, 2000, 'the server answering');
  const attackAt = performance.now();
  await waitFor(() => app.server.connectionCount === 0, 5000, 'the connection closed');
  // It was answered until its answers backed up, then dropped at the header timeout (300 ms here).
  assert.ok(performance.now() - attackAt >= 200, 'closed by the timeout, not at once');
  socket.destroy();
  await assertServed(app.port);
});

test.run();
