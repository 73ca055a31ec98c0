// Issue 9 F7: a browser page may open a WebSocket or change the canvas only from the
// server's own origin (http, and the host and port its request's Host names; https too
// behind a trusted proxy that says so in X-Forwarded-Proto), or from an origin the
// configuration adds. Any localhost origin is no longer enough.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exchange, parseResponses } from '../support/raw.js';
import { UPGRADE_HEADERS, clientFrame, closePayload } from '../support/raw-websocket.js';
import { startApp, type RunningServer } from '../support/server.js';
import { assertServed } from './support.js';

const BYE = clientFrame(0x88, closePayload(1000)).toString('latin1');

/** The status of a WebSocket handshake at /ws with these extra headers (Host defaults to the server's own). */
async function handshake(server: RunningServer, headers: string, host = `127.0.0.1:${server.port}`): Promise<number> {
  const raw = await exchange(server.port, `GET /ws HTTP/1.1\r\nHost: ${host}\r\n${UPGRADE_HEADERS}${headers}\r\n${BYE}`);
  return parseResponses(raw)[0]!.status;
}

/** The status of a pixel write on the "pixels" board with these extra headers. */
async function write(server: RunningServer, headers: string, host = `127.0.0.1:${server.port}`): Promise<number> {
  const body = '{"x":1,"y":1,"color":3}';
  const raw = await exchange(server.port,
    `POST /api/boards/pixels/pixels HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n${headers}\r\n${body}`);
  return parseResponses(raw)[0]!.status;
}

let app: RunningServer;
test.before(async () => {
  app = await startApp();
});
test.after(() => app.stop());

test('F7: WebSocket: the own origin (as Host names it) is accepted; localhost origins of other ports are 403', async () => {
  const own = `http://127.0.0.1:${app.port}`;
  assert.is(await handshake(app, `Origin: ${own}\r\n`), 101, own);
  assert.is(await handshake(app, ''), 101, 'no Origin: not a browser');
  for (const origin of ['http://localhost:1', 'http://[::1]:9', 'http://127.0.0.1', `https://127.0.0.1:${app.port}`, 'http://localhost:5173', 'null']) {
    assert.is(await handshake(app, `Origin: ${origin}\r\n`), 403, origin);
  }
  // The Host the request names is the origin it may come from: default ports are implied.
  assert.is(await handshake(app, 'Origin: http://canvas.example\r\n', 'canvas.example:80'), 101, 'Host with :80');
  assert.is(await handshake(app, 'Origin: http://Canvas.Example:8080\r\n', 'canvas.example:8080'), 101, 'case');
  assert.is(await handshake(app, 'Origin: http://canvas.example:8080\r\n', 'canvas.example'), 403, 'other port');
  await assertServed(app.port);
});

test('F7: CSRF: a write from a localhost origin of another port is 403, from the own origin it is not', async () => {
  assert.is(await write(app, 'Origin: http://localhost:1\r\n'), 403);
  assert.is(await write(app, 'Origin: http://[::1]:9\r\n'), 403);
  assert.is(await write(app, `Origin: http://127.0.0.1:${app.port}\r\n`), 200);
  await assertServed(app.port);
});

test('F7: allowedOrigins adds origins to the own one', async () => {
  const server = await startApp({ allowedOrigins: ['https://friends.example', 'http://localhost:5173'] });
  try {
    assert.is(await handshake(server, 'Origin: https://friends.example\r\n'), 101);
    assert.is(await handshake(server, 'Origin: http://localhost:5173\r\n'), 101);
    assert.is(await handshake(server, `Origin: http://127.0.0.1:${server.port}\r\n`), 101, 'still the own origin');
    assert.is(await handshake(server, 'Origin: http://localhost:1\r\n'), 403);
    assert.is(await write(server, 'Origin: https://friends.example\r\n'), 200);
    assert.is(await write(server, 'Origin: https://enemies.example\r\n'), 403);
    await assertServed(server.port);
  } finally {
    await server.stop();
  }
});

test('F7: behind a trusted proxy that says https, the own origin is https', async () => {
  const behindProxy = await startApp({ trustedProxies: ['127.0.0.1'] });
  try {
    const https = 'Origin: https://canvas.example\r\n';
    assert.is(await handshake(behindProxy, https + 'X-Forwarded-Proto: https\r\n', 'canvas.example'), 101);
    assert.is(await write(behindProxy, https + 'X-Forwarded-Proto: https\r\n', 'canvas.example'), 200);
    assert.is(await handshake(behindProxy, https, 'canvas.example'), 403, 'no X-Forwarded-Proto');
    assert.is(await handshake(behindProxy, https + 'X-Forwarded-Proto: http\r\n', 'canvas.example'), 403, 'http');
    // From a peer that is not a trusted proxy, X-Forwarded-Proto means nothing.
    assert.is(await handshake(app, https + 'X-Forwarded-Proto: https\r\n', 'canvas.example'), 403, 'untrusted peer');
    await assertServed(behindProxy.port);
  } finally {
    await behindProxy.stop();
  }
});

test.run();
