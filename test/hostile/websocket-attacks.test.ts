// The canvas WebSocket (/ws) attacked as an unfriendly client would: malformed frames and
// messages, batches out of bounds, more subscriptions than allowed, message and ping floods.
// Each gets its documented answer (docs/SERVER.md, docs/PROTOCOL.md), and afterwards a
// normal client is served within SERVED_WITHIN_MS.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePlaceBatch, encodeSubscribe, ProtocolErrorCode, RejectReason } from '../../src/protocol/messages.js';
import { decodeServerMessage } from '../../src/protocol/messages.js';
import { clientFrame, closeCodeOf, rawWebSocket, type RawWebSocket } from '../support/raw-websocket.js';
import { TestCanvasClient } from '../support/canvas-client.js';
import { startApp, type RunningServer } from '../support/server.js';
import { assertServed } from './support.js';

const PIXELS = 1; // config/default.json: place, pixels (maxBatch 20), mosaic
const MOSAIC = 2;

let app: RunningServer;
test.before(async () => {
  app = await startApp();
});
test.after(async () => {
  await app.stop();
});

/** The close code the server sent on `raw`, once TCP is closed. */
async function closeCode(raw: RawWebSocket): Promise<number> {
  await raw.closed;
  const close = raw.frames.find((f) => f.opcode === 0x8);
  assert.ok(close, 'the server sent a close frame');
  return closeCodeOf(close!);
}

test('malformed frames: each is closed with its code (1002, 1007, 1009)', async () => {
  const cases: [string, Buffer, number][] = [
    ['unmasked', clientFrame(0x82, Buffer.from([0x15, 0, 0, 0, 0, 0, 0, 0, 0]), { masked: false }), 1002],
    ['reserved opcode', clientFrame(0x83, 'x'), 1002],
    ['RSV2 set', clientFrame(0xa2, 'x'), 1002],
    ['64-bit length with the top bit set', Buffer.from([0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]), 1002],
    ['control frame over 125 bytes', clientFrame(0x89, Buffer.alloc(126)), 1002],
    ['fragmented control frame', clientFrame(0x09, 'x'), 1002],
    ['continuation with no message', clientFrame(0x80, 'x'), 1002],
    ['text that is not UTF-8', clientFrame(0x81, Buffer.from([0xc3, 0x28])), 1007],
    ['frame over the 64 KiB limit (told by its header)', clientFrame(0x82, Buffer.alloc(0), { length: 65 * 1024 }), 1009],
  ];
  for (const [what, frame, code] of cases) {
    const raw = await rawWebSocket(app.port, '/ws');
    raw.socket.write(frame);
    assert.is(await closeCode(raw), code, what);
  }
  await assertServed(app.port);
});

test('malformed messages get PROTOCOL_ERROR; past 20 a minute the client is closed with 1008', async () => {
  const client = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  client.send(new Uint8Array([0x7f]));
  assert.is((await client.next('protocol-error')).code, ProtocolErrorCode.UnknownType);
  client.send(new Uint8Array([0x12, 0, 0]));
  assert.is((await client.next('protocol-error')).code, ProtocolErrorCode.Malformed);
  client.ws.send('{"type":"place"}');
  assert.is((await client.next('protocol-error')).code, ProtocolErrorCode.TextMessage);
  client.send(encodeSubscribe(200, [0, 0]));
  assert.is((await client.next('protocol-error')).code, ProtocolErrorCode.UnknownBoard);
  const closed = new Promise<number>((resolve) => client.ws.once('close', resolve));
  for (let i = 0; i < 20; i++) client.send(new Uint8Array([0x7f]));
  assert.is(await closed, 1008);
  await assertServed(app.port);
});

test('batch bounds: over maxBatch or empty is NOT_ALLOWED; a count that disagrees with the length is malformed', async () => {
  const client = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  const pixels = (n: number) => Array.from({ length: n }, (_, i) => [i, 0, 1]).flat();
  client.send(encodePlaceBatch(1, PIXELS, pixels(21)));
  const over = await client.next('reject', (m) => m.requestId === 1);
  assert.is(over.reason, RejectReason.NOT_ALLOWED);
  client.send(encodePlaceBatch(2, PIXELS, []));
  assert.is((await client.next('reject', (m) => m.requestId === 2)).reason, RejectReason.NOT_ALLOWED);
  const lying = encodePlaceBatch(3, PIXELS, pixels(2));
  lying[7] = 200; // says 200 pixels, carries 2
  client.send(lying);
  assert.is((await client.next('protocol-error')).code, ProtocolErrorCode.Malformed);
  const outside = encodePlaceBatch(4, PIXELS, [5, 5, 1, 899, 900, 1]);
  client.send(outside);
  assert.is((await client.next('reject', (m) => m.requestId === 4)).reason, RejectReason.INVALID_COORDS);
  await client.close();
  await assertServed(app.port);
});

test('subscription cap: the 1,025th chunk gets PROTOCOL_ERROR 4; the first 1,024 are watched', async () => {
  const raw = await rawWebSocket(app.port, '/ws');
  const chunks = Array.from({ length: 1025 }, (_, i) => [i % 125, Math.floor(i / 125)]).flat();
  raw.socket.write(clientFrame(0x82, Buffer.from(encodeSubscribe(MOSAIC, chunks))));
  let error: ReturnType<typeof decodeServerMessage> | undefined;
  let chunkMessages = 0;
  while (error === undefined) {
    const message = decodeServerMessage(new Uint8Array((await raw.nextFrame()).payload));
    if (message.type === 'protocol-error') error = message;
    if (message.type === 'chunk') chunkMessages++;
  }
  assert.is(error.type === 'protocol-error' && error.code, ProtocolErrorCode.TooManySubscriptions);
  const client = [...app.canvas!.broadcaster.allClients].find((c) => c.subscriptionCount > 0)!;
  assert.is(client.subscriptionCount, 1024);
  assert.ok(chunkMessages <= 1024);
  raw.socket.destroy();
  await assertServed(app.port);
});

test('floods: 1,000 messages at once, or 1,000 pings, close the client with 1008', async () => {
  const messages = await rawWebSocket(app.port, '/ws');
  const ping = clientFrame(0x82, Buffer.from([0x15, 0, 0, 0, 0, 0, 0, 0, 0])); // PING, clientTime 0
  messages.socket.write(Buffer.concat(Array.from({ length: 1000 }, () => ping)));
  assert.is(await closeCode(messages), 1008, 'message rate');
  const pings = await rawWebSocket(app.port, '/ws');
  pings.socket.write(Buffer.concat(Array.from({ length: 1000 }, () => clientFrame(0x89, 'p'))));
  assert.is(await closeCode(pings), 1008, 'control-frame budget');
  await assertServed(app.port);
});

test.run();
