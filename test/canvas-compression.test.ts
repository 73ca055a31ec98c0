// The broadcaster with permessage-deflate on /ws, against real peers: `ws`
// clients that negotiate it (one with a window too small for the shared
// frames), a `ws` client that does not, and two raw
// clients (one offering it) that show the frames as they were on the wire.
// All of them must read the same CHUNKs and DIFFs, and end with the board
// the server holds; the compressing raw client must get them compressed.
// (That each shared message is compressed once for all is unit-tested in
// broadcaster.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { constants, inflateRawSync } from 'node:zlib';
import WebSocket from 'ws';
import type { Board } from '../src/canvas/board.js';
import { decodeChunkPixels } from '../src/protocol/chunk-encoding.js';
import { decodeServerMessage, encodePlaceBatch, encodeSubscribe, type ServerMessage } from '../src/protocol/messages.js';
import { smallConfig, TestCanvasClient } from './support/canvas-client.js';
import { mulberry32 } from './support/random.js';
import { clientFrame, rawWebSocket, type ServerFrame } from './support/raw-websocket.js';
import { startApp, type RunningServer } from './support/server.js';

const FREE = 1; // smallConfig's 64×64 board in 16×16 chunks, batches of up to 1,000 pixels
const ALL_CHUNKS = Array.from({ length: 16 }, (_, i) => [i % 4, Math.floor(i / 4)]).flat();

let app: RunningServer;
test.before(async () => {
  app = await startApp({}, smallConfig());
});
test.after(() => app.stop());

type Content = Extract<ServerMessage, { type: 'chunk' | 'diff' }>;

/** One client's view of board FREE, built from the CHUNKs and DIFFs it read, in order. */
class Viewer {
  /** Every CHUNK and DIFF read, decoded. */
  readonly received: Content[] = [];
  /** Per CHUNK or DIFF frame: whether it came compressed, and its payload length on the wire. */
  readonly frames: { compressed: boolean; wireLength: number }[] = [];
  readonly pixels = new Uint8Array(64 * 64);
  readonly versions = new Array<number>(16).fill(-1);
  private waiter: { done: () => boolean; resolve: () => void } | null = null;

  constructor(readonly name: string) {}

  read(data: Buffer, compressed: boolean, wireLength: number): void {
    const message = decodeServerMessage(new Uint8Array(data));
    if (message.type === 'fault') throw new Error(`${this.name}: undecodable server message: ${message.message}`);
    if (message.type !== 'chunk' && message.type !== 'diff') return;
    this.received.push(message);
    this.frames.push({ compressed, wireLength });
    if (message.type === 'chunk') {
      const chunk = decodeChunkPixels(message.encoding, message.pixels, 16, 0);
      for (let row = 0; row < 16; row++) this.pixels.set(chunk.subarray(row * 16, row * 16 + 16), (message.cy * 16 + row) * 64 + message.cx * 16);
      this.versions[message.cy * 4 + message.cx] = message.version;
    } else {
      for (const s of message.sections) {
        s.offsets.forEach((offset, i) => (this.pixels[(s.cy * 16 + (offset >> 4)) * 64 + s.cx * 16 + (offset & 15)] = s.colors[i]!));
        this.versions[s.cy * 4 + s.cx] = s.toVersion;
      }
    }
    if (this.waiter?.done()) {
      this.waiter.resolve();
      this.waiter = null;
    }
  }

  /** Resolves once every chunk it holds is at the version `board` has. */
  current(board: Board): Promise<void> {
    const done = () => this.versions.every((version, chunk) => version === board.chunkVersion(chunk));
    if (done()) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = { done, resolve }));
  }
}

/** A `ws` client on /ws; `deflate`: whether (and how) it offers permessage-deflate. */
async function wsViewer(name: string, deflate: boolean | WebSocket.PerMessageDeflateOptions) {
  const viewer = new Viewer(name);
  const ws = new WebSocket(`${app.wsUrl}/ws`, 'tessera.v1', { perMessageDeflate: deflate });
  let extensions = '';
  ws.once('upgrade', (response) => (extensions = (response.headers['sec-websocket-extensions'] as string | undefined) ?? ''));
  // `ws` hands over messages already inflated: it cannot say how they came.
  ws.on('message', (data: Buffer) => viewer.read(data, false, NaN));
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  ws.send(encodeSubscribe(FREE, ALL_CHUNKS));
  return { viewer, ws, extensions };
}

const SYNC_FLUSH_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** A raw client on /ws that inflates RSV1 frames itself, with zlib. */
async function rawViewer(name: string, deflate: boolean) {
  const viewer = new Viewer(name);
  const raw = await rawWebSocket(app.port, '/ws', deflate ? 'Sec-WebSocket-Extensions: permessage-deflate\r\n' : '');
  const read = (frame: ServerFrame) => {
    if (frame.opcode !== 0x2) return;
    const data = frame.rsv1 ? inflateRawSync(Buffer.concat([frame.payload, SYNC_FLUSH_TAIL]), { finishFlush: constants.Z_SYNC_FLUSH }) : frame.payload;
    viewer.read(data, frame.rsv1, frame.payload.length);
  };
  void (async () => {
    for (;;) read(await raw.nextFrame());
  })().catch(() => {}); // ends when the socket closes
  raw.socket.write(clientFrame(0x82, Buffer.from(encodeSubscribe(FREE, ALL_CHUNKS))));
  return { viewer, raw };
}

test('/ws with and without permessage-deflate: the same CHUNKs and DIFFs, the board as the server holds it; compressed on the wire where negotiated', async () => {
  const board = app.canvas!.boards[FREE]!;
  // The second asks for a 2^10 window: shared frames (2^15) cannot go to it, it gets them plain.
  const wsDeflating = [await wsViewer('ws, deflate', true), await wsViewer('ws, deflate (2)', true), await wsViewer('ws, deflate, 2^10', { serverMaxWindowBits: 10 })];
  const wsPlain = await wsViewer('ws, plain', false);
  const rawDeflating = await rawViewer('raw, deflate', true);
  const rawPlain = await rawViewer('raw, plain', false);
  assert.match(rawDeflating.raw.response, /\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n/i);
  assert.not.match(rawPlain.raw.response, /Sec-WebSocket-Extensions/i);
  assert.is(wsDeflating[0]!.extensions, 'permessage-deflate; server_no_context_takeover; client_no_context_takeover');
  assert.is(wsDeflating[2]!.extensions, 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10');
  assert.is(wsPlain.extensions, '');
  const viewers = [...wsDeflating.map((c) => c.viewer), wsPlain.viewer, rawDeflating.viewer, rawPlain.viewer];
  for (const viewer of viewers) await viewer.current(board); // the 16 CHUNKs of a blank board

  const painter = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  const random = mulberry32(14);
  const pixel = () => [Math.floor(random() * 64), Math.floor(random() * 64), Math.floor(random() * 16)];
  // 200 pixels all over the board (about 12 a chunk: DIFFs), then 120 more in
  // chunk (1, 1) (past a third of it: a CHUNK), in two ticks or in one.
  painter.send(encodePlaceBatch(1, FREE, Array.from({ length: 200 }, pixel).flat()));
  painter.send(encodePlaceBatch(2, FREE, Array.from({ length: 120 }, (_, i) => [16 + (i % 16), 16 + Math.floor(i / 16), 1 + (i % 15)]).flat()));
  await painter.next('ack', (m) => m.requestId === 2);
  for (const viewer of viewers) await viewer.current(board);

  const expected = Buffer.alloc(64 * 64);
  for (let chunk = 0; chunk < 16; chunk++) {
    const data = board.chunkData(chunk);
    if (data === null) continue;
    for (let row = 0; row < 16; row++) data.subarray(row * 16, row * 16 + 16).forEach((c, x) => (expected[((chunk >> 2) * 16 + row) * 64 + (chunk & 3) * 16 + x] = c));
  }
  for (const viewer of viewers) {
    assert.equal(viewer.received, rawPlain.viewer.received, `${viewer.name} read what the plain raw client read`);
    assert.ok(Buffer.from(viewer.pixels).equals(expected), `${viewer.name} holds the board`);
  }
  const after = rawPlain.viewer.received.slice(16); // what the placements brought
  assert.ok(after.some((m) => m.type === 'diff') && after.some((m) => m.type === 'chunk'), `DIFFs and a CHUNK: ${after.map((m) => m.type)}`);
  // On the wire: the same messages, compressed (and smaller) only where negotiated.
  const compressed = rawDeflating.viewer.frames.slice(16);
  const plain = rawPlain.viewer.frames.slice(16);
  assert.ok(compressed.every((f) => f.compressed), 'every DIFF and CHUNK compressed');
  assert.ok(plain.every((f) => !f.compressed));
  compressed.forEach((f, i) => assert.ok(f.wireLength < plain[i]!.wireLength, `${after[i]!.type}: ${f.wireLength} < ${plain[i]!.wireLength} bytes`));

  for (const { ws } of [...wsDeflating, wsPlain]) ws.close();
  await painter.close();
  rawDeflating.raw.socket.destroy();
  rawPlain.raw.socket.destroy();
});

test.run();
