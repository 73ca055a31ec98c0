// The wire inspector on the wire: /inspect/ws driven by the `ws` package's
// client, the canvas connections it shows by `ws` clients too, with and
// without permessage-deflate. Only a session's own connections are shown.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { newSessionId } from '../src/net/session.js';
import { encodePlace } from '../src/protocol/messages.js';
import type { FrameJson, InspectorRecord } from '../src/protocol/inspector-json.js';
import { smallConfig, TestCanvasClient } from './support/canvas-client.js';
import { exchange, parseResponses } from './support/raw.js';
import { UPGRADE_HEADERS } from './support/raw-websocket.js';
import { startApp, type RunningServer } from './support/server.js';
import { ManualClock } from './support/manual-clock.js';
import { clientFrame } from './support/raw-websocket.js';
import { Inspector } from '../src/app/inspect/inspector.js';
import type { WireTap } from '../src/websocket/wire-tap.js';
import type { WebSocketConnection } from '../src/websocket/connection.js';

const FREE = 1;

let app: RunningServer;
test.before(async () => {
  app = await startApp({}, smallConfig());
});
test.after(() => app.stop());

/** An inspector page's socket: every record it got, in order, and a way to wait for one. */
class InspectorClient {
  readonly records: InspectorRecord[] = [];
  private waiters: { predicate: (r: InspectorRecord) => boolean; resolve: (r: InspectorRecord) => void }[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const record = JSON.parse(data.toString()) as InspectorRecord;
      this.records.push(record);
      this.waiters = this.waiters.filter((w) => !(w.predicate(record) && (w.resolve(record), true)));
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async open(session: string): Promise<InspectorClient> {
    const ws = new WebSocket(`${app.wsUrl}/inspect/ws`, { headers: { Cookie: `tessera_session=${session}` } });
    const client = new InspectorClient(ws);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    await client.next((r) => r.kind === 'attached');
    return client;
  }

  next(predicate: (r: InspectorRecord) => boolean): Promise<InspectorRecord> {
    const found = this.records.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  /** The next frame record of a Tessera message named `name`, sent by `from`. */
  async frame(from: 'client' | 'server', name: string, where: (frame: FrameJson) => boolean = () => true): Promise<FrameJson> {
    const record = await this.next((r) => r.kind === 'frame' && r.from === from && r.frame.message?.tessera?.name === name && where(r.frame));
    return (record as Extract<InspectorRecord, { kind: 'frame' }>).frame;
  }

  close(): Promise<unknown> {
    this.ws.close();
    return this.closed;
  }
}

/** Waits, turn by turn, until the hub counts `count` inspectors (a page's close takes a moment to reach the server). */
async function untilAttached(count: number): Promise<void> {
  const giveUpAt = Date.now() + 5_000;
  while (app.inspectors!.count !== count) {
    if (Date.now() > giveUpAt) throw new Error(`${app.inspectors!.count} inspectors attached, not ${count}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const field = (frame: FrameJson, name: string) => frame.message!.tessera!.fields.find((f) => f.name === name)?.value;
const canvas = (session: string, options: WebSocket.ClientOptions = {}) =>
  TestCanvasClient.open(`${app.wsUrl}/ws`, { Cookie: `tessera_session=${session}` }, options);

test('a session sees its own connection from the handshake on, frame by frame, and never another session\'s', async () => {
  const mine = newSessionId();
  const theirs = newSessionId();
  const inspector = await InspectorClient.open(mine);
  const other = await canvas(theirs);
  await other.next('hello');
  other.send(encodePlace(900, FREE, 9, 11, 4));
  await other.next('ack', (ack) => ack.requestId === 900);

  const me = await canvas(mine);
  await me.next('hello');
  me.send(encodePlace(77, FREE, 5, 7, 3));
  await me.next('ack', (ack) => ack.requestId === 77);

  const open = (await inspector.next((r) => r.kind === 'open')) as Extract<InspectorRecord, { kind: 'open' }>;
  const { handshake } = open;
  assert.ok(handshake !== null, 'a connection opened while attached comes with its handshake');
  assert.match(handshake!.request, /^GET \/ws HTTP\/1\.1\r\n/);
  assert.match(handshake!.request, /\r\nCookie: tessera_session=…\r\n/, 'cookie values are hidden');
  assert.not.match(handshake!.request, mine);
  assert.match(handshake!.response, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.ok(handshake!.response.includes(`Sec-WebSocket-Accept: ${handshake!.accept!.accept}\r\n`), 'the accept steps end in the header sent');
  assert.is(handshake!.accept!.concatenated, handshake!.accept!.key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11');

  const place = await inspector.frame('client', 'PLACE');
  assert.equal([field(place, 'requestId'), field(place, 'x'), field(place, 'y'), field(place, 'color')], ['77', '5', '7', '3']);
  assert.ok(place.masked);
  assert.is(place.maskKey!.split(' ').length, 4, 'a 4-byte masking key');
  assert.is(place.header.split(' ').length, 6, '2 bytes + the masking key');
  assert.is(place.payloadLength, 11);
  // The payload on the wire is the message XOR the key; the unmasked bytes are the message.
  const key = place.maskKey!.split(' ').map((b) => parseInt(b, 16));
  const wire = place.payload.split(' ').map((b) => parseInt(b, 16));
  assert.equal(wire.map((b, i) => (b ^ key[i % 4]!).toString(16).padStart(2, '0')).join(' '), place.unmasked);
  assert.is(place.unmasked, Buffer.from(encodePlace(77, FREE, 5, 7, 3)).toString('hex').match(/../g)!.join(' '));
  const ack = await inspector.frame('server', 'ACK', (f) => field(f, 'requestId') === '77');
  assert.not.ok(ack.masked);
  assert.is(ack.header, '82 08', 'FIN + binary, unmasked, 7-bit length 8');

  // The other session's PLACE was answered before ours was sent: had it been shown, it would be here by now.
  const shown = inspector.records.filter((r) => r.kind === 'frame' && r.frame.message?.tessera?.name === 'PLACE');
  assert.is(shown.length, 1);
  assert.is(inspector.records.filter((r) => r.kind === 'open').length, 1);
  await Promise.all([me.close(), other.close(), inspector.close()]);
});

test('a connection already open is shown from its next frame, without a handshake; leaving the page detaches it', async () => {
  const session = newSessionId();
  const me = await canvas(session);
  await me.next('hello');
  const inspector = await InspectorClient.open(session);
  const open = (await inspector.next((r) => r.kind === 'open')) as Extract<InspectorRecord, { kind: 'open' }>;
  assert.is(open.handshake, null);
  me.send(encodePlace(5, FREE, 1, 2, 6));
  const place = await inspector.frame('client', 'PLACE');
  assert.is(field(place, 'color'), '6');
  await inspector.close();
  // Detached: the connection still works, and the hub holds nothing of it.
  me.send(encodePlace(6, FREE, 1, 3, 6));
  await me.next('ack', (a) => a.requestId === 6);
  await untilAttached(0);
  await me.close();
});

test('pings, pongs and the closing handshake show with their payloads, code and reason', async () => {
  const session = newSessionId();
  const inspector = await InspectorClient.open(session);
  const me = await canvas(session);
  await me.next('hello');
  me.ws.ping('are you there');
  const control = (from: 'client' | 'server', opcode: string) =>
    inspector.next((r) => r.kind === 'frame' && r.from === from && r.frame.opcodeName === opcode) as Promise<Extract<InspectorRecord, { kind: 'frame' }>>;
  const ping = (await control('client', 'ping')).frame;
  assert.is(Buffer.from(ping.unmasked!.replaceAll(' ', ''), 'hex').toString(), 'are you there');
  const pong = (await control('server', 'pong')).frame;
  assert.is(Buffer.from(pong.payload.replaceAll(' ', ''), 'hex').toString(), 'are you there', 'the pong echoes the ping (§5.5.2)');
  me.ws.close(4321, 'bye now');
  assert.equal((await control('client', 'close')).frame.close, { code: 4321, reason: 'bye now' });
  assert.equal((await control('server', 'close')).frame.close, { code: 4321, reason: '' }, 'the server echoes the code');
  const closed = (await inspector.next((r) => r.kind === 'closed')) as Extract<InspectorRecord, { kind: 'closed' }>;
  assert.equal([closed.code, closed.reason], [4321, 'bye now']);
  await inspector.close();
});

test('two inspectors of one session both see its connection; one leaving does not blind the other', async () => {
  const session = newSessionId();
  const first = await InspectorClient.open(session);
  const me = await canvas(session);
  await me.next('hello');
  const second = await InspectorClient.open(session); // attaches while the connection is open
  me.send(encodePlace(31, FREE, 2, 2, 1));
  assert.is(field(await first.frame('client', 'PLACE'), 'requestId'), '31');
  assert.is(field(await second.frame('client', 'PLACE'), 'requestId'), '31');
  await first.close();
  me.send(encodePlace(32, FREE, 2, 3, 1));
  assert.is(field(await second.frame('client', 'PLACE', (f) => field(f, 'requestId') === '32'), 'y'), '3');
  await Promise.all([me.close(), second.close()]);
});

test('permessage-deflate: compressed frames show the compressed bytes and the inflated message', async () => {
  const session = newSessionId();
  const inspector = await InspectorClient.open(session);
  const me = await canvas(session, { perMessageDeflate: { threshold: 0 } });
  await me.next('hello');
  me.send(encodePlace(8, FREE, 3, 4, 5));
  const place = await inspector.frame('client', 'PLACE');
  assert.ok(place.rsv1, 'RSV1: compressed');
  assert.ok(place.message!.compressed);
  assert.is(place.message!.length, 11);
  assert.ok(place.payloadLength !== 11, 'the wire carries the DEFLATE bytes');
  assert.equal([field(place, 'x'), field(place, 'y'), field(place, 'color')], ['3', '4', '5']);
  const hello = await inspector.frame('server', 'HELLO');
  assert.ok(hello.rsv1 && hello.message!.compressed, 'the HELLO (over 1 KiB) went compressed');
  assert.ok(hello.message!.length > hello.payloadLength);
  const open = (await inspector.next((r) => r.kind === 'open')) as Extract<InspectorRecord, { kind: 'open' }>;
  assert.match(open.compression!, /permessage-deflate/);
  await Promise.all([me.close(), inspector.close()]);
});

test('hostile: no session cookie → 403; a third inspector of a session → 429; an inspector that talks → 1003', async () => {
  const upgrade = (cookie: string) => exchange(app.port, `GET /inspect/ws HTTP/1.1\r\nHost: x\r\n${cookie}${UPGRADE_HEADERS}\r\n`);
  assert.is(parseResponses(await upgrade(''))[0]!.status, 403);
  assert.is(parseResponses(await upgrade('Cookie: tessera_session=not-a-session\r\n'))[0]!.status, 403);
  const session = newSessionId();
  const first = await InspectorClient.open(session);
  const second = await InspectorClient.open(session);
  const [third] = parseResponses(await upgrade(`Cookie: tessera_session=${session}\r\n`));
  assert.is(third!.status, 429);
  second.ws.send('hello?');
  assert.equal(await second.closed, { code: 1003, reason: 'the inspector only listens' });
  // A frame over 125 bytes fails the connection at its header: 1009.
  first.ws.send(Buffer.alloc(4096));
  assert.is((await first.closed).code, 1009);
  await untilAttached(0);
  // Another site's page may not attach (the server's own-origin rule).
  assert.is(parseResponses(await upgrade(`Cookie: tessera_session=${session}\r\nOrigin: http://evil.example\r\n`))[0]!.status, 403);
});

test('hostile: at most 32 inspectors server-wide, then 503 until one leaves', async () => {
  await untilAttached(0); // the pages of the tests before have gone
  const inspectors = await Promise.all(Array.from({ length: 32 }, () => InspectorClient.open(newSessionId())));
  const upgrade = () => exchange(app.port, `GET /inspect/ws HTTP/1.1\r\nHost: x\r\nCookie: tessera_session=${newSessionId()}\r\n${UPGRADE_HEADERS}\r\n`);
  assert.is(parseResponses(await upgrade())[0]!.status, 503);
  await inspectors.pop()!.close();
  await untilAttached(31);
  const again = await InspectorClient.open(newSessionId());
  await Promise.all([again, ...inspectors].map((inspector) => inspector.close()));
  await untilAttached(0);
});

test('a page that stops reading: records wait up to maxQueuedBytes, the oldest go, and the page hears how many', () => {
  // The page's socket, as the Inspector sees it: how much it holds, and what is sent through it.
  const page = { bufferedAmount: 1 << 20, sent: [] as string[], send(text: string) { this.sent.push(text); } };
  const limits = { maxConnections: 4, shownBytes: 256, maxMessageBytes: 65536, maxQueuedBytes: 4096 };
  const inspector = new Inspector('session', page as unknown as WebSocketConnection, limits, new ManualClock(0));
  // A connection, as the Inspector sees it: its compression, and where its tap goes.
  let tap: WireTap | null = null;
  const connection = { compression: null, addTap: (attached: WireTap) => (tap = attached), removeTap: () => (tap = null) };
  inspector.show(connection as unknown as WebSocketConnection, null);
  let peak = 0;
  for (let i = 0; i < 1000; i++) {
    tap!.received(clientFrame(0x82, Buffer.from(encodePlace(i, FREE, 1, 2, 3))));
    peak = Math.max(peak, inspector.queued);
  }
  assert.ok(peak <= limits.maxQueuedBytes, `at most ${limits.maxQueuedBytes} bytes wait (peak ${peak})`);
  assert.is(page.sent.length, 0);
  page.bufferedAmount = 0;
  inspector.flush();
  const records = page.sent.map((text) => JSON.parse(text) as InspectorRecord);
  const dropped = records[0] as Extract<InspectorRecord, { kind: 'dropped' }>;
  assert.is(dropped.kind, 'dropped');
  const placed = records.slice(1).map((r) => Number((r as Extract<InspectorRecord, { kind: 'frame' }>).frame.message!.tessera!.fields[1]!.value));
  assert.is(placed.at(-1), 999, 'the newest are kept');
  assert.is(dropped.count + placed.length, 1002, 'every record is either sent or counted ("attached" and "open" too)');
});

test('GET /inspect serves the page and sets the session cookie on a first visit', async () => {
  const [response] = parseResponses(await exchange(app.port, 'GET /inspect HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  assert.is(response!.status, 200);
  assert.match(response!.headers.get('content-type')!, /text\/html/);
  assert.match(response!.body.toString(), /wire inspector/);
  assert.match(response!.headers.get('set-cookie')!, /^tessera_session=/);
  // Its socket is for WebSockets only; the page takes nothing but GET.
  const [plain] = parseResponses(await exchange(app.port, 'GET /inspect/ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  assert.is(plain!.status, 400);
  const [post] = parseResponses(await exchange(app.port, 'POST /inspect HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi'));
  assert.is(post!.status, 405);
});

test.run();
