// The HTTP/1.1 server on the wire: every limit answers with its status. The attacks
// (slowloris, smuggling, traversal, header floods) are in test/hostile/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gunzipSync } from 'node:zlib';
import type { Router } from '../src/net/router.js';
import { jsonResponse } from '../src/net/response.js';
import { exchange, openSocket, parseResponses, readResponses, readUntilClose } from './support/raw.js';
import { ManualClock } from './support/manual-clock.js';
import { startWithRoutes, startApp, type RunningServer } from './support/server.js';

let app: RunningServer;

function testRoutes(router: Router): void {
  router
    .http('POST', '/upload', (request) => jsonResponse(200, { bytes: request.body.length, text: request.body.toString() }), { maxBodyBytes: 1024 })
    .http('GET', '/items/:id', (request) => jsonResponse(200, { id: request.params.id, query: request.query }))
    .http('GET', '/tiles/:x/:y.png', (request) => jsonResponse(200, request.params))
    .http('GET', '/slow', () => new Promise((resolve) => setImmediate(() => resolve(jsonResponse(200, { slow: true })))))
    .http('GET', '/boom', () => {
      throw new Error('handler bug');
    });
}

test.before(async () => {
  app = await startWithRoutes(testRoutes, { publicDir: 'public' });
});
test.after(() => app.stop());

const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`;
const statusOf = async (request: string | Buffer) => parseResponses(await exchange(app.port, request))[0]?.status;
const closing = (request: string) => request.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n');

test('GET with a route parameter and query, then close', async () => {
  const [response] = parseResponses(await exchange(app.port, closing(get('/items/42?x=1'))));
  assert.is(response!.status, 200);
  assert.equal(JSON.parse(response!.body.toString()), { id: '42', query: 'x=1' });
  assert.is(response!.headers.get('connection'), 'close');
  assert.ok(response!.headers.get('date'));
});

test('a parameter with a literal suffix', async () => {
  const [response] = parseResponses(await exchange(app.port, closing(get('/tiles/3/4.png'))));
  assert.equal(JSON.parse(response!.body.toString()), { x: '3', y: '4' });
});

test('keep-alive: several requests on one connection, in order', async () => {
  const socket = await openSocket(app.port);
  socket.write(get('/items/1'));
  const [first] = await readResponses(socket, 1);
  socket.write(get('/items/2'));
  const [second] = await readResponses(socket, 1);
  assert.equal(JSON.parse(first!.body.toString()).id, '1');
  assert.equal(JSON.parse(second!.body.toString()).id, '2');
  socket.destroy();
});

test('pipelining: requests in one write are answered in order, async ones included', async () => {
  const request = get('/items/1') + get('/slow') + 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' + closing(get('/items/3'));
  const responses = parseResponses(await exchange(app.port, request));
  assert.equal(responses.map((r) => r.status), [200, 200, 200, 200]);
  assert.equal(responses.map((r) => JSON.parse(r.body.toString())), [{ id: '1', query: '' }, { slow: true }, { bytes: 5, text: 'hello' }, { id: '3', query: '' }]);
});

test('a request split into single bytes is still understood', async () => {
  const socket = await openSocket(app.port);
  const done = readUntilClose(socket);
  for (const byte of Buffer.from(closing(get('/items/7')))) socket.write(Buffer.from([byte]));
  const [response] = parseResponses(await done);
  assert.equal(JSON.parse(response!.body.toString()).id, '7');
});

test('chunked request bodies are decoded', async () => {
  const body = 'POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n';
  const [response] = parseResponses(await exchange(app.port, body));
  assert.equal(JSON.parse(response!.body.toString()), { bytes: 11, text: 'hello world' });
});

test('HEAD gets the headers of GET and no body', async () => {
  const raw = await exchange(app.port, closing(`HEAD /items/9 HTTP/1.1\r\nHost: x\r\n\r\n`));
  const [response] = parseResponses(raw, 1);
  assert.is(response!.status, 200);
  assert.ok(Number(response!.headers.get('content-length')) > 0);
  assert.ok(raw.endsWith('\r\n\r\n'), 'nothing after the head');
});

test('limits: a body over the route limit → 413, by Content-Length or by chunks', async () => {
  assert.is(await statusOf(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n`), 413);
  const chunk = `400\r\n${'a'.repeat(1024)}\r\n`;
  assert.is(await statusOf(`POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}`), 413);
});

test('identical repeated Content-Length is accepted', async () => {
  const [response] = parseResponses(await exchange(app.port, `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`));
  assert.is(response!.status, 200);
});

test('malformed messages → 400', async () => {
  const cases = [
    'GET /items/1 HTTP/1.1\nHost: x\n\n',                    // bare LF
    'GET /items/1 HTTP/1.1\r\nHost: x\rY\r\n\r\n',           // bare CR
    'GET /items/1 HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n  folded\r\n\r\n', // obsolete line folding
    'GET /items/1 HTTP/1.1\r\nHost : x\r\n\r\n',             // space before the colon
    'GET /items/1 HTTP/1.1\r\n\r\n',                          // no Host
    'GET /items/1 HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',   // two Hosts
    'GET  /items/1 HTTP/1.1\r\nHost: x\r\n\r\n',             // double space
    'GET /items/1\r\nHost: x\r\n\r\n',                        // no version
    'GET /it ems HTTP/1.1\r\nHost: x\r\n\r\n',               // space in the target
    'G(T / HTTP/1.1\r\nHost: x\r\n\r\n',                      // not a token
    'GET /items/1 HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n', // NUL in a value
  ];
  for (const request of cases) assert.is(await statusOf(request), 400, JSON.stringify(request));
});

test('unsupported method → 501; unknown version → 505; wrong method on a route → 405', async () => {
  assert.is(await statusOf('BREW /items/1 HTTP/1.1\r\nHost: x\r\n\r\n'), 501);
  assert.is(await statusOf('GET /items/1 HTTP/2.0\r\nHost: x\r\n\r\n'), 505);
  const [response] = parseResponses(await exchange(app.port, closing('DELETE /items/1 HTTP/1.1\r\nHost: x\r\n\r\n')));
  assert.is(response!.status, 405);
  assert.is(response!.headers.get('allow'), 'GET, HEAD');
});

test('a handler that throws → 500 and the server lives on', async () => {
  assert.is(await statusOf(get('/boom')), 500);
  assert.is(await statusOf(closing(get('/items/1'))), 200);
});

test('static files: index, MIME type, ETag → 304, gzip', async () => {
  const [page] = parseResponses(await exchange(app.port, closing(get('/'))));
  assert.is(page!.status, 200);
  assert.is(page!.headers.get('content-type'), 'text/html; charset=utf-8');
  const etag = page!.headers.get('etag')!;
  assert.ok(etag);
  const [cached] = parseResponses(await exchange(app.port, closing(get('/', `If-None-Match: ${etag}\r\n`))));
  assert.is(cached!.status, 304);
  assert.is(cached!.body.length, 0);
  const [zipped] = parseResponses(await exchange(app.port, closing(get('/index.html', 'Accept-Encoding: br, gzip\r\n'))));
  assert.is(zipped!.headers.get('content-encoding'), 'gzip');
  assert.equal(gunzipSync(zipped!.body), page!.body);
});

test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
  const server = await startWithRoutes(testRoutes, { keepAliveTimeoutMs: 100 });
  try {
    const socket = await openSocket(server.port);
    const done = readUntilClose(socket);
    socket.write(get('/items/1'));
    const responses = parseResponses(await done);
    assert.is(responses.length, 1, 'one response, then the idle close (no 408)');
    assert.is(responses[0]!.status, 200);
  } finally {
    await server.stop();
  }
});

test('connection limits: total and per IP → 503 and close', async () => {
  const server = await startWithRoutes(testRoutes, { maxConnections: 3, maxConnectionsPerIp: 2 });
  try {
    const a = await openSocket(server.port, '127.0.0.1');
    const b = await openSocket(server.port, '127.0.0.1');
    const refusedPerIp = parseResponses(await readUntilClose(await openSocket(server.port, '127.0.0.1')));
    assert.is(refusedPerIp[0]!.status, 503);
    const c = await openSocket(server.port, '127.0.0.2');
    const refusedTotal = parseResponses(await readUntilClose(await openSocket(server.port, '127.0.0.3')));
    assert.is(refusedTotal[0]!.status, 503);
    a.destroy();
    await new Promise<void>((resolve) => a.once('close', () => resolve()));
    for (const s of [b, c]) s.destroy();
  } finally {
    await server.stop();
  }
});

test('connection attempts per IP: a burst, then 503 with Retry-After until the bucket refills', async () => {
  const server = await startWithRoutes(testRoutes, { connectionBurstPerIp: 2, connectionRatePerIp: 0.5 });
  try {
    for (let i = 0; i < 2; i++) assert.is(parseResponses(await exchange(server.port, closing(get('/items/1'))))[0]!.status, 200);
    const [refused] = parseResponses(await exchange(server.port, closing(get('/items/1'))));
    assert.is(refused!.status, 503);
    assert.is(refused!.headers.get('retry-after'), '2');
    // Another address has its own bucket.
    const other = await openSocket(server.port, '127.0.0.2');
    const answer = readUntilClose(other);
    other.write(closing(get('/items/1')));
    assert.is(parseResponses(await answer)[0]!.status, 200);
  } finally {
    await server.stop();
  }
});

test('the product: /health and /metrics', async () => {
  const product = await startApp();
  try {
    const [health] = parseResponses(await exchange(product.port, closing(get('/health'))));
    const body = JSON.parse(health!.body.toString());
    assert.is(health!.headers.get('content-type'), 'application/json');
    assert.is(body.status, 'ok');
    assert.type(body.uptimeSeconds, 'number');
    assert.equal(body.connections, { http: 1, websocket: 0 });
    const [metrics] = parseResponses(await exchange(product.port, closing(get('/metrics'))));
    assert.is(metrics!.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = metrics!.body.toString();
    assert.match(text, /# TYPE tessera_http_responses_total counter/);
    assert.match(text, /tessera_http_responses_total\{status="200"\} 1/);
    assert.match(text, /tessera_http_connections 1/);
  } finally {
    await product.stop();
  }
});

test('the injected clock dates responses, times uptime, and runs the deadlines', async () => {
  const clock = new ManualClock(); // November 2023: no real clock says that
  // A short ping interval only makes the one sweep fine-grained (10 ms); the keep-alive
  // deadline is a minute of the manual clock, which real time never reaches here.
  const server = await startApp({ keepAliveTimeoutMs: 60_000, wsPingIntervalMs: 40 }, undefined, clock);
  try {
    clock.advance(12_340);
    const socket = await openSocket(server.port);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(get('/health'));
    const [health] = await readResponses(socket, 1);
    assert.is(health!.headers.get('date'), new Date(clock.now()).toUTCString());
    assert.is(JSON.parse(health!.body.toString()).uptimeSeconds, 12.34);
    clock.advance(60_000); // the idle keep-alive connection's deadline passes
    await closed;
  } finally {
    await server.stop();
  }
});

test.run();
