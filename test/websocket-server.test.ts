// The WebSocket server on the wire, driven by the `ws` package's client (a
// peer nobody here wrote) and by raw frames for every failure path.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { TokenBucket } from '../src/ratelimit/token-bucket.js';
import type { BroadcastSink } from '../src/broadcast/sink.js';
import type { WebSocketConnection } from '../src/websocket/connection.js';
import type { WebSocketEndpoint } from '../src/websocket/endpoint.js';
import { exchange, parseResponses } from './support/raw.js';
import { clientFrame, closeCodeOf, closePayload, rawWebSocket, UPGRADE_HEADERS } from './support/raw-websocket.js';
import { startApp, startWithRoutes, type RunningServer } from './support/server.js';

// The broadcaster writes to connections through BroadcastSink; the WebSocket
// layer cannot import it (broadcast/ is above it), so this line checks the fit.
export const connectionIsASink = (connection: WebSocketConnection): BroadcastSink => connection;

let app: RunningServer;
test.before(async () => {
  app = await startApp({ echo: true });
});
test.after(() => app.stop());

function open(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: 32 * 1024 * 1024, ...options });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

test('ws client: text stays text and binary stays binary, 0 B to 16 MiB', async () => {
  const ws = await open(`${app.wsUrl}/echo`);
  for (const size of [0, 1, 125, 126, 127, 65535, 65536, 1024 * 1024, 16 * 1024 * 1024]) {
    const binary = Buffer.alloc(size, size % 251);
    const echoedBinary = nextMessage(ws);
    ws.send(binary);
    const reply = await echoedBinary;
    assert.ok(reply.isBinary, `binary ${size}`);
    assert.ok(reply.data.equals(binary), `binary ${size} content`);
    const text = 'é'.repeat(Math.floor(size / 2));
    const echoedText = nextMessage(ws);
    ws.send(text);
    const textReply = await echoedText;
    assert.not.ok(textReply.isBinary, `text ${size}`);
    assert.is(textReply.data.toString('utf8'), text);
  }
  ws.close();
  await closed(ws);
});

test('ws client: a message over 16 MiB closes with 1009', async () => {
  const ws = await open(`${app.wsUrl}/echo`);
  const result = closed(ws);
  ws.send(Buffer.alloc(16 * 1024 * 1024 + 1));
  assert.is((await result).code, 1009);
});

test('ws client: fragmented messages are reassembled', async () => {
  const ws = await open(`${app.wsUrl}/echo`);
  const echoed = nextMessage(ws);
  ws.send('frag', { fin: false });
  ws.send('men', { fin: false });
  ws.send('ted ✓', { fin: true });
  const reply = await echoed;
  assert.is(reply.data.toString(), 'fragmented ✓');
  assert.not.ok(reply.isBinary);
  ws.terminate();
});

test('ws client: pings are answered with pongs carrying the same payload', async () => {
  const ws = await open(`${app.wsUrl}/echo`);
  for (const payload of [Buffer.alloc(0), Buffer.from('latency probe'), Buffer.alloc(125, 7)]) {
    const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
    ws.ping(payload);
    assert.ok((await pong).equals(payload));
  }
  ws.terminate();
});

test('ws client: every valid close code is echoed back', async () => {
  const codes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
  for (const code of codes) {
    const ws = await open(`${app.wsUrl}/echo`);
    const result = closed(ws);
    ws.close(code, `bye ${code}`);
    const { code: echoed } = await result;
    assert.is(echoed, code, `close ${code}`);
  }
});

test("Node's own WebSocket client echoes text and binary", async () => {
  // Node 20 has a WHATWG WebSocket behind a flag; Node 22+ has it by default.
  const { spawn } = await import('node:child_process');
  const script = `
    const ws = new WebSocket(process.argv[1]);
    ws.binaryType = 'arraybuffer';
    const got = [];
    ws.onopen = () => { ws.send('hello ✓'); ws.send(new Uint8Array([1, 2, 3])); };
    ws.onmessage = (e) => {
      got.push(typeof e.data === 'string' ? e.data : [...new Uint8Array(e.data)]);
      if (got.length === 2) ws.close(1000, 'done');
    };
    ws.onclose = (e) => { console.log(JSON.stringify({ got, code: e.code })); };
    ws.onerror = (e) => { console.log(JSON.stringify({ error: String(e.message) })); };`;
  const child = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', '-e', script, `${app.wsUrl}/echo`]);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  await new Promise((resolve) => child.on('close', resolve));
  assert.equal(JSON.parse(output), { got: ['hello ✓', [1, 2, 3]], code: 1000 });
});

// Raw frames: each failure answers with its close code, then TCP closes.
async function closeCodeFor(...frames: Buffer[]): Promise<number> {
  const raw = await rawWebSocket(app.port);
  for (const frame of frames) raw.socket.write(frame);
  const reply = await raw.nextFrame();
  await raw.closed;
  return closeCodeOf(reply);
}

const TEXT = 0x81;
const BINARY = 0x82;

test('protocol errors → 1002', async () => {
  assert.is(await closeCodeFor(clientFrame(TEXT, 'hi', { masked: false })), 1002, 'unmasked');
  assert.is(await closeCodeFor(clientFrame(0xc1, 'hi')), 1002, 'RSV1 without an extension');
  assert.is(await closeCodeFor(clientFrame(0xa1, 'hi')), 1002, 'RSV2');
  assert.is(await closeCodeFor(clientFrame(0x83, 'hi')), 1002, 'reserved data opcode 3');
  assert.is(await closeCodeFor(clientFrame(0x8b, 'hi')), 1002, 'reserved control opcode 0xB');
  assert.is(await closeCodeFor(clientFrame(0x89, Buffer.alloc(126))), 1002, 'ping over 125 bytes');
  assert.is(await closeCodeFor(clientFrame(0x09, 'hi')), 1002, 'fragmented ping');
  assert.is(await closeCodeFor(clientFrame(0x80, 'hi')), 1002, 'continuation with nothing to continue');
  assert.is(await closeCodeFor(clientFrame(0x01, 'a'), clientFrame(TEXT, 'b')), 1002, 'new message inside a fragmented one');
  assert.is(await closeCodeFor(clientFrame(0x88, Buffer.from([0x03]))), 1002, 'close with a 1-byte payload');
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) {
    assert.is(await closeCodeFor(clientFrame(0x88, closePayload(code))), 1002, `close code ${code}`);
  }
  const huge = Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
  assert.is(await closeCodeFor(huge), 1002, '64-bit length with the top bit set');
});

test('invalid UTF-8 → 1007, in text and in close reasons, failing fast', async () => {
  assert.is(await closeCodeFor(clientFrame(TEXT, Buffer.from([0xc0, 0xaf]))), 1007, 'overlong');
  assert.is(await closeCodeFor(clientFrame(TEXT, Buffer.from([0xed, 0xa0, 0x80]))), 1007, 'surrogate');
  assert.is(await closeCodeFor(clientFrame(0x88, Buffer.concat([closePayload(1000), Buffer.from([0xff])]))), 1007, 'close reason');
  // The first fragment is already invalid: the server must not wait for the rest.
  assert.is(await closeCodeFor(clientFrame(0x01, Buffer.from([0x61, 0xf5]))), 1007, 'first fragment');
  // A long frame whose first bytes are invalid fails before its end arrives.
  const long = clientFrame(TEXT, Buffer.concat([Buffer.from([0xff]), Buffer.alloc(100_000, 0x61)]));
  assert.is(await closeCodeFor(long.subarray(0, 1000)), 1007, 'mid-frame');
});

test('a close frame in the middle of a fragmented message is answered normally', async () => {
  assert.is(await closeCodeFor(clientFrame(0x01, 'part'), clientFrame(0x88, closePayload(1000))), 1000);
  assert.is(await closeCodeFor(clientFrame(0x88)), 1005, 'an empty close is answered with an empty close');
});

test('limits → 1009 before the payload arrives; message rate → 1008', async () => {
  const tight: WebSocketEndpoint = {
    protocols: ['tessera.v1', 'chat'],
    limits: { maxFrameSize: 1000, maxMessageSize: 1500, maxFragments: 4 },
    messageLimiter: (now) => new TokenBucket(5, 1, now),
    onMessage: (connection, data, binary) => connection.send(data, binary),
  };
  const server = await startWithRoutes((router, webSockets) => router.upgrade('/tight', webSockets.handler(tight)));
  const codeFor = async (...frames: Buffer[]) => {
    const raw = await rawWebSocket(server.port, '/tight');
    for (const frame of frames) raw.socket.write(frame);
    let reply = await raw.nextFrame();
    while (reply.opcode !== 0x8) reply = await raw.nextFrame(); // echoes allowed before the limit hit
    return closeCodeOf(reply);
  };
  try {
    // Only the header of a 1 MiB frame is sent: the answer cannot wait for the payload.
    assert.is(await codeFor(clientFrame(BINARY, Buffer.alloc(0), { length: 1024 * 1024 }).subarray(0, 14)), 1009, 'frame size');
    assert.is(await codeFor(clientFrame(0x02, Buffer.alloc(900)), clientFrame(0x00, Buffer.alloc(900))), 1009, 'message size');
    const fragments = [clientFrame(0x02, 'a'), ...Array.from({ length: 5 }, () => clientFrame(0x00, 'a'))];
    assert.is(await codeFor(...fragments), 1009, 'fragment count');
    assert.is(await codeFor(...Array.from({ length: 7 }, () => clientFrame(BINARY, 'x'))), 1008, 'message rate');
    // Subprotocol selection: the first of ours that the client offered.
    const raw = await exchange(server.port, `GET /tight HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}Sec-WebSocket-Protocol: chat, tessera.v1\r\n\r\n${clientFrame(0x88, closePayload(1000)).toString('latin1')}`);
    const [response] = parseResponses(raw);
    assert.is(response!.status, 101);
    assert.is(response!.headers.get('sec-websocket-protocol'), 'tessera.v1');
  } finally {
    await server.stop();
  }
});

test('handshake: RFC 6455 accept key, and each refusal with its status', async () => {
  // A close frame follows each request, so a successful upgrade ends at once too.
  const bye = clientFrame(0x88, closePayload(1000)).toString('latin1');
  const handshake = (headers: string, path = '/echo', method = 'GET') =>
    exchange(app.port, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n${bye}`).then((raw) => parseResponses(raw)[0]!);
  const upgrade = 'Upgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n';
  const key = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
  const version = 'Sec-WebSocket-Version: 13\r\n';
  const accepted = parseResponses(await exchange(app.port, `GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: WebSocket\r\nConnection: keep-alive, UPGRADE\r\n${key}${version}\r\n${bye}`))[0]!;
  assert.is(accepted.status, 101);
  assert.is(accepted.headers.get('sec-websocket-accept'), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='); // RFC 6455 §1.3
  const wrongVersion = await handshake(upgrade + key + 'Sec-WebSocket-Version: 8\r\n');
  assert.is(wrongVersion.status, 426);
  assert.is(wrongVersion.headers.get('sec-websocket-version'), '13');
  assert.is((await handshake(upgrade + key)).status, 426, 'no version');
  assert.is((await handshake(upgrade + 'Sec-WebSocket-Key: c2hvcnQ=\r\n' + version)).status, 400, 'key of 5 bytes');
  assert.is((await handshake(upgrade + version)).status, 400, 'no key');
  assert.is((await handshake(key + version)).status, 400, 'no Upgrade');
  assert.is((await handshake('Upgrade: websocket\r\n' + key + version)).status, 400, 'Connection without upgrade');
  assert.is((await handshake(upgrade + key + version, '/echo', 'POST')).status, 400, 'POST');
  assert.is((await handshake(upgrade + key + version + 'Origin: https://evil.example\r\n')).status, 403, 'foreign origin');
  assert.is((await handshake(upgrade + key + version + 'Origin: http://localhost:5173\r\n')).status, 403, 'localhost origin, another port');
  assert.is((await handshake(upgrade + key + version + 'Origin: http://127.0.0.1\r\n')).status, 101, 'same origin (as Host says)');
  assert.is((await handshake(upgrade + key + version, '/nowhere')).status, 404, 'no such endpoint');
});

test('keepalive: a silent peer is pinged, then dropped after the idle timeout', async () => {
  const server = await startApp({ echo: true, wsPingIntervalMs: 50, wsIdleTimeoutMs: 400 });
  try {
    const raw = await rawWebSocket(server.port);
    const ping = await raw.nextFrame();
    assert.is(ping.opcode, 0x9, 'a ping arrives');
    await raw.closed; // we never answer: the server drops us
  } finally {
    await server.stop();
  }
});

test('graceful shutdown closes WebSockets with 1001', async () => {
  const server = await startApp({ echo: true });
  const ws = await open(`${server.wsUrl}/echo`);
  const result = closed(ws);
  await server.stop();
  assert.is((await result).code, 1001);
});

test('open WebSockets are counted apart from HTTP connections, in /health and /metrics', async () => {
  const server = await startApp({ echo: true });
  try {
    const sockets = [await open(`${server.wsUrl}/echo`), await open(`${server.wsUrl}/echo`)];
    const health = parseResponses(await exchange(server.port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))[0]!;
    assert.equal(JSON.parse(health.body.toString()).connections, { http: 1, websocket: 2 });
    const results = sockets.map(closed);
    for (const ws of sockets) ws.close();
    await Promise.all(results);
    const metrics = parseResponses(await exchange(server.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))[0]!;
    assert.match(metrics.body.toString(), /tessera_websocket_connections 0\n/);
    assert.match(metrics.body.toString(), /tessera_http_connections 1\n/);
  } finally {
    await server.stop();
  }
});

test('metrics count handshakes, frames and close codes', async () => {
  const server = await startApp({ echo: true });
  try {
    const ws = await open(`${server.wsUrl}/echo`);
    const echoed = nextMessage(ws);
    ws.send('x');
    await echoed;
    const result = closed(ws);
    ws.close(4001);
    await result;
    await exchange(server.port, `GET /echo HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS.replace('13', '7')}\r\n`);
    const text = parseResponses(await exchange(server.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))[0]!.body.toString();
    assert.match(text, /tessera_websocket_handshakes_total\{result="accepted"\} 1/);
    assert.match(text, /tessera_websocket_handshakes_total\{result="426"\} 1/);
    assert.match(text, /tessera_websocket_closes_total\{code="4001"\} 1/);
    assert.match(text, /tessera_websocket_frames_received_total 2/);
  } finally {
    await server.stop();
  }
});

test.run();
