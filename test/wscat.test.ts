// wscat.js as a user runs it (a child process fed through its stdin), against
// our server (/echo, /ws --tessera) and against the `ws` package's server as
// an independent peer, with and without permessage-deflate; and against
// servers that break the handshake or the framing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { smallConfig } from './support/canvas-client.js';
import { startApp, type RunningServer } from './support/server.js';

let app: RunningServer;
test.before(async () => {
  app = await startApp({}, smallConfig({ echo: true }));
});
test.after(() => app.stop());

/** A running wscat.js: its output so far, a way to wait for a line, to type, and its exit code. */
class Wscat {
  output = '';
  readonly exited: Promise<number | null>;
  private waiters: { pattern: RegExp; resolve: () => void }[] = [];
  private readonly child: ChildProcess;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['build/src/cli/wscat.js', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
      this.waiters = this.waiters.filter((w) => !(w.pattern.test(this.output) && (w.resolve(), true)));
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  waitFor(pattern: RegExp): Promise<void> {
    if (pattern.test(this.output)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }

  type(...lines: string[]): void {
    for (const line of lines) this.child.stdin!.write(line + '\n');
  }

  endInput(): void {
    this.child.stdin!.end();
  }
}

/** The frames wscat printed, as their summary lines ("< text frame, server → client: …"). */
const summaries = (output: string) => output.split('\n').filter((line) => /^[<>] \w+ frame/.test(line));

test('against our /echo: the handshake checked, text, binary, ping and close, every frame annotated; exit 0', async () => {
  const wscat = new Wscat([`${app.wsUrl}/echo`]);
  await wscat.waitFor(/^open: /m);
  assert.match(wscat.output, /^> GET \/echo HTTP\/1\.1$/m);
  assert.match(wscat.output, /^< HTTP\/1\.1 101 Switching Protocols$/m);
  assert.match(wscat.output, /Sec-WebSocket-Accept checked: base64\(SHA-1\(".{24}" \+ "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"\)\)/);
  wscat.type('hello there', '/binary 01 02 ff', '/ping abc');
  await wscat.waitFor(/^< pong frame/m);
  wscat.type('/close 4000 done');
  assert.is(await wscat.exited, 0);
  assert.equal(summaries(wscat.output), [
    '> text frame, client → server: 11 bytes of payload, FIN, masked',
    '> binary frame, client → server: 3 bytes of payload, FIN, masked',
    '> ping frame, client → server: 3 bytes of payload, FIN, masked',
    '< text frame, server → client: 11 bytes of payload, FIN, unmasked',
    '< binary frame, server → client: 3 bytes of payload, FIN, unmasked',
    '< pong frame, server → client: 3 bytes of payload, FIN, unmasked',
    '> close frame, client → server: 6 bytes of payload, FIN, masked',
    '< close frame, server → client: 2 bytes of payload, FIN, unmasked',
  ]);
  assert.match(wscat.output, /text: "hello there"/);
  assert.match(wscat.output, /^ {4}\.000 0011 +payload length = 3 +3 bytes \(7-bit form: 0–125\)$/m);
  assert.match(wscat.output, /^ {4}([0-9a-f]{2} ){3}[0-9a-f]{2} +masking key = /m);
  assert.match(wscat.output, /close code 4000, reason "done"/);
  assert.match(wscat.output, /TCP closed after the closing handshake/);
});

test('against our /ws with --tessera --deflate: the compressed HELLO inflated and decoded, a PLACE answered by an ACK', async () => {
  const wscat = new Wscat(['--tessera', '--deflate', `${app.wsUrl}/ws`]);
  await wscat.waitFor(/Tessera HELLO\n/);
  assert.match(wscat.output, /permessage-deflate agreed: permessage-deflate; server_no_context_takeover; client_no_context_takeover/);
  assert.match(wscat.output, /^< binary frame, server → client: \d+ bytes of payload, FIN, RSV1 \(compressed\), unmasked$/m);
  assert.match(wscat.output, /inflated \(RFC 7692 §7\.2\.2\): \d+ → \d+ bytes/);
  wscat.type('/place 1 5 7 3');
  // Output arrives in chunks: wait for the ACK's last field line, not just its title.
  await wscat.waitFor(/Tessera ACK\n.*\n.*\n.*color = \d+\n/);
  assert.match(wscat.output, /Tessera PLACE\n(.*\n)*? +\[6, 8\) +x = 5\n +\[8, 10\) +y = 7\n +\[10, 11\) +color = 3/);
  assert.match(wscat.output, /Tessera ACK\n +\[1, 5\) +requestId = \d+\n +\[5, 7\) +count = 1\n +\[7, 8\) +color = 3/);
  assert.is(app.canvas!.boards[1]!.getPixel(5, 7), 3);
  wscat.endInput();
  assert.is(await wscat.exited, 0);
});

test('against the ws package\'s server (an independent peer), with permessage-deflate both ways', async () => {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => socket.on('message', (data, binary) => socket.send(data, { binary })));
  const port = (server.address() as AddressInfo).port;
  const wscat = new Wscat(['--deflate', `ws://127.0.0.1:${port}/`]);
  await wscat.waitFor(/^open: /m);
  const long = 'tessera '.repeat(300); // 2,400 bytes: over the 1 KiB from which we compress
  wscat.type(long, 'short');
  await wscat.waitFor(/text: "short"\n(.*\n)*?.*text: "short"/);
  wscat.endInput();
  assert.is(await wscat.exited, 0);
  const frames = summaries(wscat.output);
  assert.match(frames[0]!, /^> text frame, client → server: \d+ bytes of payload, FIN, RSV1 \(compressed\), masked$/);
  assert.ok(Number(/(\d+) bytes/.exec(frames[0]!)![1]) < 100, 'our DEFLATE made 2,400 bytes small');
  assert.match(frames[1]!, /^> text frame, client → server: 5 bytes of payload, FIN, masked$/, 'small messages go as they are');
  assert.ok(frames.filter((f) => /^< text frame.*RSV1 \(compressed\)/.test(f)).length === 2, 'ws compresses both (threshold 0)');
  assert.match(wscat.output, /inflated \(RFC 7692 §7\.2\.2\): \d+ → 2400 bytes/, 'its compressed echo inflated');
  assert.ok(wscat.output.includes(`text: ${JSON.stringify(long.slice(0, 500))}`), 'to our text (its first 500 characters printed)');
  await new Promise((resolve) => server.close(resolve));
});

/** A TCP server that answers the first request with `respond(socket, request)`. */
async function rawServer(respond: (socket: Socket, request: string) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((socket) => {
    let request = '';
    const onData = (chunk: Buffer) => {
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      respond(socket, request);
    };
    socket.on('data', onData);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

const keyOf = (request: string) => /Sec-WebSocket-Key: (\S+)/.exec(request)![1]!;

test('hostile servers: a refusal, a wrong accept key, an extension not offered, an endless head, a masked frame', async () => {
  const { acceptKeyFor } = await import('../src/websocket/handshake.js');
  const cases: [string, (socket: Socket, request: string) => void, RegExp][] = [
    ['a 404', (s) => s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'), /handshake refused: the server answered 404 Not Found instead of 101/],
    ['a wrong accept key', (s) => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n'), /Sec-WebSocket-Accept is AAAA.*, not /],
    ['an extension not offered', (s, r) => s.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKeyFor(keyOf(r))}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`), /extensions that were not offered/],
    ['an endless head', (s) => s.write(`HTTP/1.1 101 Switching Protocols\r\nX: ${'a'.repeat(20_000)}`), /no end of the response head in 16384 bytes/],
  ];
  for (const [name, respond, expected] of cases) {
    const { server, url } = await rawServer(respond);
    const wscat = new Wscat([url]);
    assert.is(await wscat.exited, 1, name);
    assert.match(wscat.output, expected, name);
    server.close();
  }
  // A server that masks its frames breaks §5.1: the client fails the connection with 1002.
  let closeFrame: Buffer | null = null;
  const { server, url } = await rawServer((socket, request) => {
    socket.on('data', (chunk) => {
      closeFrame ??= chunk;
      socket.end();
    });
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKeyFor(keyOf(request))}\r\n\r\n`);
    socket.write(Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x69 ^ 1, 0x21 ^ 2]));
  });
  const wscat = new Wscat([url]);
  await wscat.waitFor(/closing with 1002/);
  assert.match(wscat.output, /!! server frames must not be masked/, 'the dissector names the problem');
  assert.match(wscat.output, /the server broke the protocol: server frames must not be masked → closing with 1002/);
  wscat.endInput();
  assert.is(await wscat.exited, 1, 'no closing handshake: the server never answered the Close');
  assert.is(closeFrame![0], 0x88, 'a Close frame went out');
  assert.is(((closeFrame![6]! ^ closeFrame![2]!) << 8) | (closeFrame![7]! ^ closeFrame![3]!), 1002);
  server.close();
});

test('usage: --help prints it and exits 0; a bad argument or a wss: URL exits 2 and says why', async () => {
  const help = new Wscat(['--help']);
  assert.is(await help.exited, 0);
  assert.match(help.output, /^usage: node build\/src\/cli\/wscat\.js/);
  const spawnErr = (args: string[]) => new Promise<{ code: number | null; err: string }>((resolve) => {
    const child = spawn(process.execPath, ['build/src/cli/wscat.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.once('exit', (code) => resolve({ code, err }));
  });
  assert.equal(await spawnErr(['wss://example.com/']), { code: 2, err: 'only ws: URLs (no TLS here): wss://example.com/\n' });
  const unknown = await spawnErr(['--frobnicate', 'ws://127.0.0.1:1/']);
  assert.is(unknown.code, 2);
  assert.match(unknown.err, /^unknown argument: --frobnicate/);
});

test('agreementFromResponse: the parameters a response binds; responses a client must refuse', async () => {
  const { agreementFromResponse } = await import('../src/websocket/deflate-negotiation.js');
  assert.equal(agreementFromResponse('permessage-deflate; server_no_context_takeover; client_max_window_bits=10'), {
    serverNoContextTakeover: true, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 10,
  });
  assert.equal(agreementFromResponse('permessage-deflate'), { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 });
  for (const bad of ['permessage-deflate; client_max_window_bits', 'permessage-deflate, permessage-deflate', 'x-webkit-deflate-frame', 'permessage-deflate; server_max_window_bits=16', 'permessage-deflate; foo']) {
    assert.is(agreementFromResponse(bad), null, bad);
  }
});

test.run();
