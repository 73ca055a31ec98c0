// What one peer may cost the server, on real sockets: control frames have
// their own budget (issue 9 F3), and unfinished messages of all connections
// together have a memory budget (issue 9 F2). The deadline for finishing a
// message is tested with a hand-moved clock in websocket-protocol.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { echoEndpoint } from '../src/app/echo.js';
import { exchange, parseResponses } from './support/raw.js';
import { clientFrame, closeCodeOf, closePayload, rawWebSocket, type RawWebSocket } from './support/raw-websocket.js';
import { startApp, startWithRoutes } from './support/server.js';

const PING = 0x89;
const PONG = 0xa;
const CLOSE = 0x8;
const MiB = 1024 * 1024;

/** Reads frames until the server's Close, or until `most` pongs came without one. */
async function pongsUntilClose(raw: RawWebSocket, most: number): Promise<{ pongs: number; code: number | null }> {
  let pongs = 0;
  for (;;) {
    const frame = await raw.nextFrame();
    if (frame.opcode === CLOSE) return { pongs, code: closeCodeOf(frame) };
    if (frame.opcode === PONG && ++pongs >= most) return { pongs, code: null };
  }
}

test('a ping flood is closed with 1008 within the control-frame budget, and /health is still served', async () => {
  const burst = 50;
  const app = await startApp({ echo: true, wsControlFrameBurst: burst, wsControlFrameRate: 10 });
  try {
    const raw = await rawWebSocket(app.port);
    const flood = 20_000;
    raw.socket.write(Buffer.concat(Array.from({ length: flood }, () => clientFrame(PING, 'x'))));
    const { pongs, code } = await pongsUntilClose(raw, flood);
    assert.is(code, 1008, `closed with 1008 (got ${pongs} pongs first)`);
    // The burst, plus what the refill allowed while the flood was read.
    assert.ok(pongs <= burst + 10, `${pongs} pongs before the close`);
    await raw.closed;
    const health = parseResponses(await exchange(app.port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))[0]!;
    assert.is(health.status, 200);
  } finally {
    await app.stop();
  }
});

test('pongs count against the same budget as pings', async () => {
  const app = await startApp({ echo: true, wsControlFrameBurst: 5, wsControlFrameRate: 1 });
  try {
    const raw = await rawWebSocket(app.port);
    raw.socket.write(Buffer.concat(Array.from({ length: 6 }, () => clientFrame(0x8a, 'unasked'))));
    assert.is(closeCodeOf(await raw.nextFrame()), 1008);
  } finally {
    await app.stop();
  }
});

test('unfinished messages of all connections together stay within the budget; the next one gets 1013', async () => {
  const budget = 4 * MiB;
  const server = await startWithRoutes(
    (router, webSockets) => router.upgrade('/echo', webSockets.handler(echoEndpoint)),
    { wsUnfinishedMessageBytes: budget },
  );
  const { webSockets } = server;
  try {
    // Each connection holds 1.5 MiB of a message it never finishes, in a buffer of at most 2 MiB.
    const holdPart = async (raw: RawWebSocket): Promise<number> => {
      raw.socket.write(Buffer.concat([clientFrame(0x02, Buffer.alloc(1.5 * MiB, 7)), clientFrame(PING, 'done?')]));
      const reply = await raw.nextFrame(); // the pong once the fragment is read, or a Close
      return reply.opcode === PONG ? 0 : closeCodeOf(reply);
    };
    const first = await rawWebSocket(server.port);
    assert.is(await holdPart(first), 0, 'the first fits');
    const held = webSockets.unfinishedMessageBytes;
    assert.ok(held >= 1.5 * MiB && held <= 2 * MiB, `${held} bytes held`);
    const second = await rawWebSocket(server.port);
    assert.is(await holdPart(second), 0, 'the second fits');
    const heldByTwo = webSockets.unfinishedMessageBytes;
    const third = await rawWebSocket(server.port);
    assert.is(await holdPart(third), 1013, 'the third does not');
    assert.ok(webSockets.unfinishedMessageBytes <= budget);

    // A connection that leaves gives its bytes back.
    first.socket.write(clientFrame(CLOSE | 0x80, closePayload(1000)));
    assert.is(closeCodeOf(await first.nextFrame()), 1000);
    assert.is(webSockets.unfinishedMessageBytes, heldByTwo - held, 'the first gave its bytes back');
    const fourth = await rawWebSocket(server.port);
    assert.is(await holdPart(fourth), 0, 'room again');
    for (const raw of [second, fourth]) {
      raw.socket.write(clientFrame(CLOSE | 0x80, closePayload(1000)));
      assert.is(closeCodeOf(await raw.nextFrame()), 1000);
    }
    assert.is(webSockets.unfinishedMessageBytes, 0, 'every connection gave its bytes back');
  } finally {
    await server.stop();
  }
});

test('/echo is served only when the echo setting is on', async () => {
  const off = await startApp();
  try {
    await rawWebSocket(off.port).then(
      () => assert.unreachable('upgraded'),
      (error: Error) => assert.match(error.message, /404/),
    );
  } finally {
    await off.stop();
  }
});

test.run();
