// The canvas on WebSocket /ws, end to end with the `ws` package's client.
import { Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeServerMessage, encodePing, encodePlace, encodePlaceBatch, encodeSubscribe, encodeUnsubscribe, RejectReason } from '../src/protocol/messages.js';
import { decodeChunkPixels } from '../src/protocol/chunk-encoding.js';
import { smallConfig, TestCanvasClient } from './support/canvas-client.js';
import { exchange, parseResponses } from './support/raw.js';
import { clientFrame, closePayload, rawWebSocket, UPGRADE_HEADERS } from './support/raw-websocket.js';
import { startApp, type RunningServer } from './support/server.js';

const STRICT = 0;
const FREE = 1;

let app: RunningServer;
test.before(async () => {
  app = await startApp({}, smallConfig());
});
test.after(() => app.stop());

const url = () => `${app.wsUrl}/ws`;
/** Broadcast ticks run so far, as /metrics counts them (the server runs in this process). */
const ticks = () => Number(/^tessera_ticks_total (\d+)$/m.exec(app.server.registry.render())![1]);

test('hello: protocol version, session, boards and quotas; the session cookie comes in the 101', async () => {
  const client = await TestCanvasClient.open(url());
  const hello = await client.next('hello');
  assert.is(hello.protocolVersion, 1);
  const json = JSON.parse(hello.json);
  assert.is(Buffer.from(hello.sessionId).toString('base64url'), json.sessionId);
  assert.equal(json.boards.map((b: { id: string }) => b.id), ['strict', 'free']);
  assert.is(json.boards[0].palette.length, 16);
  assert.equal(json.quotas[0], { board: 0, available: 1, capacity: 1, nextInMs: 0 });
  const online = await client.next('online');
  assert.is(online.entries.length, 2);
  await client.close();
  // A client that presents its cookie keeps its session.
  const again = await TestCanvasClient.open(url(), { Cookie: `tessera_session=${json.sessionId}` });
  assert.is(JSON.parse((await again.next('hello')).json).sessionId, json.sessionId);
  await again.close();
  // The 101 of a browser without the cookie sets it: HttpOnly, SameSite=Lax.
  const bye = clientFrame(0x88, closePayload(1000)).toString('latin1');
  const [response] = parseResponses(await exchange(app.port, `GET /ws HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n${bye}`));
  assert.is(response!.status, 101);
  assert.match(response!.headers.get('set-cookie')!, /^tessera_session=[A-Za-z0-9_-]{22}; .*HttpOnly.*SameSite=Lax/);
});

test('the first page load sets the session cookie; a returning browser keeps its own', async () => {
  const [first] = parseResponses(await exchange(app.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  assert.is(first!.status, 200);
  const cookie = first!.headers.get('set-cookie')!;
  assert.match(cookie, /^tessera_session=[A-Za-z0-9_-]{22}; .*HttpOnly.*SameSite=Lax/);
  const session = cookie.split(';')[0]!;
  const [again] = parseResponses(await exchange(app.port, `GET / HTTP/1.1\r\nHost: x\r\nCookie: ${session}\r\nConnection: close\r\n\r\n`));
  assert.is(again!.headers.get('set-cookie'), undefined);
});

test('a pixel reaches a subscribed client within two ticks, and not an unsubscribed one', async () => {
  const painter = await TestCanvasClient.open(url());
  const watcher = await TestCanvasClient.open(url());
  const bystander = await TestCanvasClient.open(url());
  watcher.send(encodeSubscribe(FREE, [1, 2]));
  const snapshot = await watcher.next('chunk', (m) => m.cx === 1 && m.cy === 2);
  bystander.send(encodeSubscribe(FREE, [0, 0]));
  await bystander.next('chunk');
  const placedAtTick = ticks();
  painter.send(encodePlace(7, FREE, 20, 40, 5)); // chunk (1, 2), offset (40-32)·16 + (20-16) = 132
  const ack = await painter.next('ack');
  assert.equal({ count: ack.count, color: ack.color }, { count: 1, color: 5 });
  const diff = await watcher.next('diff');
  const ticksTaken = ticks() - placedAtTick;
  const section = diff.sections[0]!;
  assert.equal([section.board, section.cx, section.cy], [FREE, 1, 2]);
  assert.equal([...section.offsets], [132]);
  assert.equal([...section.colors], [5]);
  assert.is(section.fromVersion, snapshot.version);
  assert.is(section.toVersion, snapshot.version + 1);
  // The tick after the PLACE arrived sent it; one more may have run before the PLACE was read.
  assert.ok(ticksTaken >= 1 && ticksTaken <= 2, `delivered after ${ticksTaken} ticks`);
  // Whatever the bystander would have got in that tick was written before this pong.
  bystander.send(encodePing(1));
  await bystander.next('pong');
  assert.not.ok(bystander.messages.some((m) => m.type === 'diff'), 'no diff for a chunk it does not watch');
  // After unsubscribing, the watcher gets nothing more for that chunk. It
  // still watches (0, 0): a pixel placed there afterwards arrives in the same
  // tick or a later one, so a diff for (1, 2) would have come first.
  watcher.send(encodeUnsubscribe(FREE, [1, 2]));
  watcher.send(encodeSubscribe(FREE, [0, 0]));
  await watcher.next('chunk', (m) => m.cx === 0 && m.cy === 0);
  painter.send(encodePlace(8, FREE, 21, 40, 6));
  await painter.next('ack');
  painter.send(encodePlace(9, FREE, 1, 1, 6));
  await painter.next('ack');
  const marker = await watcher.next('diff', (m) => m.sections.some((s) => s.cx === 0 && s.cy === 0));
  assert.not.ok(marker.sections.some((s) => s.cx === 1 && s.cy === 2), 'no section for (1, 2) in the marker tick');
  assert.not.ok(watcher.messages.some((m) => m.type === 'diff'), 'and no diff before it');
  for (const c of [painter, watcher, bystander]) await c.close();
});

test('pixels changed twice in a tick are sent once, with their final colour', async () => {
  const painter = await TestCanvasClient.open(url());
  const watcher = await TestCanvasClient.open(url());
  watcher.send(encodeSubscribe(FREE, [3, 3]));
  await watcher.next('chunk');
  // One batch writes the same pixel three times: the diff carries its last colour.
  painter.send(encodePlaceBatch(1, FREE, [50, 50, 1, 50, 50, 2, 50, 50, 3, 51, 50, 4]));
  await painter.next('ack');
  const diff = await watcher.next('diff');
  const section = diff.sections[0]!;
  assert.equal([...section.offsets], [2 * 16 + 2, 2 * 16 + 3]);
  assert.equal([...section.colors], [3, 4]);
  assert.is(section.toVersion - section.fromVersion, 4, 'versions count writes');
  await painter.close();
  await watcher.close();
});

test('limits: cooldown with retry-after, then coordinates, colours and batches', async () => {
  const client = await TestCanvasClient.open(url());
  client.send(encodePlace(1, STRICT, 1, 1, 3));
  assert.is((await client.next('ack')).count, 1);
  const quota = await client.next('quota');
  assert.equal({ available: quota.available, capacity: quota.capacity }, { available: 0, capacity: 1 });
  assert.ok(quota.nextInMs > 4000 && quota.nextInMs <= 5000, `next in ${quota.nextInMs}`);
  client.send(encodePlace(2, STRICT, 2, 2, 3));
  const limited = await client.next('reject', (m) => m.requestId === 2);
  assert.is(limited.reason, RejectReason.RATE_LIMITED);
  assert.ok(limited.retryAfterMs > 4000 && limited.retryAfterMs <= 5000, `retry after ${limited.retryAfterMs}`);
  client.send(encodePlace(3, STRICT, 64, 0, 3));
  assert.is((await client.next('reject', (m) => m.requestId === 3)).reason, RejectReason.INVALID_COORDS);
  client.send(encodePlace(4, STRICT, 0, 0, 16));
  assert.is((await client.next('reject', (m) => m.requestId === 4)).reason, RejectReason.INVALID_COLOR);
  client.send(encodePlaceBatch(5, STRICT, [0, 0, 1, 1, 0, 1]));
  assert.is((await client.next('reject', (m) => m.requestId === 5)).reason, RejectReason.NOT_ALLOWED);
  await client.close();
});

test('a client that drops its cookie still meets the IP bucket', async () => {
  // The strict board's IP bucket holds 2: two fresh sessions may place, the third may not.
  const server = await startApp({}, smallConfig());
  try {
    const results = [];
    for (let i = 0; i < 3; i++) {
      const bot = await TestCanvasClient.open(`${server.wsUrl}/ws`);
      bot.send(encodePlace(i, STRICT, i, 0, 1));
      const answer = await Promise.race([bot.next('ack'), bot.next('reject')]);
      results.push(answer.type === 'ack' ? 'ack' : answer.reason);
      await bot.close();
    }
    assert.equal(results, ['ack', 'ack', RejectReason.RATE_LIMITED]);
  } finally {
    await server.stop();
  }
});

test('garbage gets protocol errors, and a client that keeps sending it is closed with 1008', async () => {
  const client = await TestCanvasClient.open(url());
  client.send(new Uint8Array([0x7f]));
  assert.is((await client.next('protocol-error')).code, 1);
  client.send(new Uint8Array([0x12, 0, 0]));
  assert.is((await client.next('protocol-error')).code, 2);
  client.ws.send('text');
  assert.is((await client.next('protocol-error')).code, 5);
  client.send(encodeSubscribe(9, [0, 0]));
  assert.is((await client.next('protocol-error')).code, 3);
  const closed = new Promise<number>((resolve) => client.ws.once('close', resolve));
  for (let i = 0; i < 20; i++) client.send(new Uint8Array([0x7f]));
  assert.is(await closed, 1008);
});

test('a chunk snapshot decodes to the board contents', async () => {
  const painter = await TestCanvasClient.open(url());
  painter.send(encodePlaceBatch(1, FREE, [0, 63, 7, 15, 63, 8]));
  await painter.next('ack');
  const viewer = await TestCanvasClient.open(url());
  viewer.send(encodeSubscribe(FREE, [0, 3]));
  const chunk = await viewer.next('chunk');
  const pixels = decodeChunkPixels(chunk.encoding, chunk.pixels, 16, 0);
  assert.is(pixels[15 * 16 + 0], 7);
  assert.is(pixels[15 * 16 + 15], 8);
  await painter.close();
  await viewer.close();
});

test('the answers to the PLACEs one group commit settles leave in one write', async () => {
  const raw = await rawWebSocket(app.port, '/ws', 'Sec-WebSocket-Protocol: tessera.v1\r\n');
  // Everything the server sent before is in once a ping's pong is (TCP keeps order).
  raw.socket.write(clientFrame(0x89, 'before'));
  while ((await raw.nextFrame()).opcode !== 0xa);
  // The server runs in this process: count the writes on its end of this connection.
  const clientPort = raw.socket.localPort;
  const write = Socket.prototype.write;
  let serverWrites = 0;
  Socket.prototype.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    if (this.remotePort === clientPort) serverWrites++;
    return write.apply(this, args);
  } as Socket['write'];
  try {
    const places = Array.from({ length: 10 }, (_, i) => clientFrame(0x82, Buffer.from(encodePlace(100 + i, FREE, i, 7, 3))));
    raw.socket.write(Buffer.concat(places)); // one read on the server: one group commit
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(decodeServerMessage(new Uint8Array((await raw.nextFrame()).payload)));
    assert.equal(answers.filter((message) => message.type === 'ack').map((ack) => 'requestId' in ack && ack.requestId), Array.from({ length: 10 }, (_, i) => 100 + i));
    assert.is(answers.filter((message) => message.type === 'quota').length, 10);
    assert.is(serverWrites, 1, 'ten ACKs and ten QUOTAs in one write');
  } finally {
    Socket.prototype.write = write;
    raw.socket.destroy();
  }
});

test.run();
