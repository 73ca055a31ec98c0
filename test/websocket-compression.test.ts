// permessage-deflate on the wire, with peers nobody here wrote: the `ws`
// client in each parameter combination it can offer, Node's own WebSocket
// client, and raw frames for the RFC's bytes and for a zip bomb. (Chromium,
// which always offers the extension, is in test/browser/compression.test.ts.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants, deflateRawSync } from 'node:zlib';
import WebSocket from 'ws';
import { exchange, parseResponses } from './support/raw.js';
import { clientFrame, closeCodeOf, rawWebSocket } from './support/raw-websocket.js';
import { startApp, type RunningServer } from './support/server.js';

const MiB = 1024 * 1024;

let app: RunningServer;
test.before(async () => {
  app = await startApp({ echo: true });
});
test.after(() => app.stop());

/** Bytes the server received and sent on WebSockets so far (from /metrics). */
async function wireBytes(server: RunningServer): Promise<{ received: number; sent: number }> {
  const metrics = parseResponses(await exchange(server.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))[0]!.body.toString();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)![1]);
  return { received: value('tessera_websocket_bytes_received_total'), sent: value('tessera_websocket_bytes_sent_total') };
}

/** Opens a `ws` client; resolves with it and the Sec-WebSocket-Extensions the server answered (null: none). */
function open(url: string, perMessageDeflate: WebSocket.PerMessageDeflateOptions | boolean): Promise<{ ws: WebSocket; extensions: string | null }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate, maxPayload: 32 * MiB });
    let extensions: string | null = null;
    ws.once('upgrade', (response) => (extensions = (response.headers['sec-websocket-extensions'] as string | undefined) ?? null));
    ws.once('open', () => resolve({ ws, extensions }));
    ws.once('error', reject);
  });
}

function echo(ws: WebSocket, data: Buffer | string): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => {
    ws.once('message', (reply, isBinary) => resolve({ data: reply as Buffer, isBinary }));
    ws.send(data);
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

/** Text that compresses like real JSON does (about 5:1), different each time. */
function json(size: number, seed: number): string {
  let text = '[';
  for (let i = 0; text.length < size; i++) text += JSON.stringify({ id: seed * 100_000 + i, x: (i * 7919) % 1000, colour: (i * seed) % 32 }) + ',';
  return text.slice(0, size - 1) + ']';
}

// What the server answers each offer the `ws` client can make (its own option names).
const COMBINATIONS: [WebSocket.PerMessageDeflateOptions, string | null][] = [
  [{}, 'permessage-deflate'], // offers client_max_window_bits without a value
  [{ clientNoContextTakeover: true }, 'permessage-deflate; client_no_context_takeover'],
  [{ serverNoContextTakeover: true }, 'permessage-deflate; server_no_context_takeover'],
  [{ serverMaxWindowBits: 10 }, 'permessage-deflate; server_max_window_bits=10'],
  [{ clientMaxWindowBits: 10 }, 'permessage-deflate'], // the client keeps to 2^10 by itself
  [
    { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 9 },
    'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9',
  ],
  [{ serverMaxWindowBits: 8 }, null], // zlib cannot deflate with a 256-byte window: declined
];

test('ws client, every parameter combination: the answer, and messages compressed both ways', async () => {
  for (const [options, expected] of COMBINATIONS) {
    const name = JSON.stringify(options);
    const { ws, extensions } = await open(`${app.wsUrl}/echo`, options);
    assert.is(extensions, expected, name);
    const before = await wireBytes(app);
    let payloadBytes = 0;
    // Several messages: with context takeover each one refers back into the ones before.
    for (let i = 0; i < 3; i++) {
      const text = json(64 * 1024, i + 1);
      const textReply = await echo(ws, text);
      assert.is(textReply.data.toString(), text, `${name} text ${i}`);
      assert.not.ok(textReply.isBinary);
      const binary = Buffer.from(json(32 * 1024, i + 7));
      const binaryReply = await echo(ws, binary);
      assert.ok(binaryReply.isBinary && binaryReply.data.equals(binary), `${name} binary ${i}`);
      payloadBytes += text.length + binary.length;
    }
    const after = await wireBytes(app);
    const received = after.received - before.received;
    const sent = after.sent - before.sent;
    if (expected === null) {
      assert.ok(received > payloadBytes && sent > payloadBytes, `${name}: uncompressed`);
    } else {
      assert.ok(received < payloadBytes / 3, `${name}: the client's ${payloadBytes} bytes took ${received} on the wire`);
      assert.ok(sent < payloadBytes / 3, `${name}: ours took ${sent}`);
    }
    ws.close(1000);
    assert.is(await closed(ws), 1000);
  }
});

test('ws client: a compressed message in fragments, small messages left uncompressed, empty messages', async () => {
  const { ws } = await open(`${app.wsUrl}/echo`, true);
  const parts = [json(20_000, 1), json(20_000, 2), json(20_000, 3)];
  const reply = new Promise<Buffer>((resolve) => ws.once('message', (data) => resolve(data as Buffer)));
  ws.send(parts[0], { fin: false, compress: true });
  ws.send(parts[1], { fin: false, compress: true });
  ws.send(parts[2], { fin: true, compress: true });
  assert.is((await reply).toString(), parts.join(''));
  assert.is((await echo(ws, 'é')).data.toString(), 'é');
  assert.is((await echo(ws, Buffer.alloc(0))).data.length, 0);
  const forcedEmpty = new Promise<Buffer>((resolve) => ws.once('message', (data) => resolve(data as Buffer)));
  ws.send('', { compress: true });
  assert.is((await forcedEmpty).toString(), '');
  ws.close();
  await closed(ws);
});

test('/ws: compression for a broadcaster (no context takeover either way); off with --ws-compression=false', async () => {
  const { ws, extensions } = await open(`${app.wsUrl}/ws`, true);
  assert.is(extensions, 'permessage-deflate; server_no_context_takeover; client_no_context_takeover');
  ws.close();
  await closed(ws);
  const plain = await startApp({ wsCompression: false });
  try {
    const { ws: other, extensions: none } = await open(`${plain.wsUrl}/ws`, true);
    assert.is(none, null);
    other.close();
    await closed(other);
  } finally {
    await plain.stop();
  }
});

test("Node's own WebSocket client: offers permessage-deflate and inflates what we compress", async () => {
  // Node 20 has a WHATWG WebSocket behind a flag; Node 22+ has it by default.
  const script = `
    const ws = new WebSocket(process.argv[1]);
    const text = 'tessera '.repeat(10000) + '✓';
    ws.onopen = () => ws.send(text);
    ws.onmessage = (e) => {
      console.log(JSON.stringify({ extensions: ws.extensions, same: e.data === text }));
      ws.close(1000);
    };
    ws.onerror = (e) => console.log(JSON.stringify({ error: String(e.message) }));`;
  const before = await wireBytes(app);
  const child = spawn(process.execPath, ['--experimental-websocket', '--no-warnings', '-e', script, `${app.wsUrl}/echo`]);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  await new Promise((resolve) => child.on('close', resolve));
  assert.equal(JSON.parse(output), { extensions: 'permessage-deflate', same: true });
  const sent = (await wireBytes(app)).sent - before.sent;
  assert.ok(sent < 10_000, `our echo of 80 KB took ${sent} bytes`);
});

test('raw frames: RFC 7692 §7.2.3.1 "Hello" in one frame and in two, echoed (uncompressed: under 1 KiB)', async () => {
  const raw = await rawWebSocket(app.port, '/echo', 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
  assert.match(raw.response, /^Sec-WebSocket-Extensions: permessage-deflate$/m);
  const hello = Buffer.from('f248cdc9c90700', 'hex');
  raw.socket.write(clientFrame(0xc1, hello));
  raw.socket.write(Buffer.concat([clientFrame(0x41, hello.subarray(0, 3)), clientFrame(0x80, hello.subarray(3))]));
  for (let i = 0; i < 2; i++) {
    const reply = await raw.nextFrame();
    assert.equal([reply.rsv1, reply.opcode, reply.payload.toString()], [false, 1, 'Hello']);
  }
  raw.socket.write(clientFrame(0xc1, Buffer.from('ffffff', 'hex')));
  assert.is(closeCodeOf(await raw.nextFrame()), 1007, 'not DEFLATE data');
  await raw.closed;
  const plain = await rawWebSocket(app.port, '/echo');
  assert.not.match(plain.response, /Sec-WebSocket-Extensions/i, 'not offered: not used');
  plain.socket.write(clientFrame(0xc1, hello));
  assert.is(closeCodeOf(await plain.nextFrame()), 1002, 'RSV1 without the extension');
});

test('a zip bomb (1 GiB of zeros in 1 MB) is closed with 1009 while inflating, and never allocated', async () => {
  // 1 MiB of zeros deflates to about 1 KB that only refers back; 1024 copies in a row inflate to 1 GiB.
  const mebibyteOfZeros = deflateRawSync(Buffer.alloc(MiB), { finishFlush: constants.Z_SYNC_FLUSH });
  const bomb = Buffer.concat(Array.from({ length: 1024 }, () => mebibyteOfZeros));
  // A server process of its own, so its peak memory (VmHWM) is the bomb's doing and nothing else's.
  const child = spawn(process.execPath, ['build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--log-level', 'error', '--echo'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve) => {
      let line = '';
      child.stdout!.on('data', (chunk) => {
        line += chunk;
        if (line.includes('\n')) resolve(Number(/:(\d+)\s*$/m.exec(line)![1]));
      });
    });
    const peakKiB = () => Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]);
    const raw = await rawWebSocket(port, '/echo', 'Sec-WebSocket-Extensions: permessage-deflate\r\n');
    const before = peakKiB();
    raw.socket.write(clientFrame(0xc2, bomb));
    assert.is(closeCodeOf(await raw.nextFrame()), 1009);
    const growthMiB = (peakKiB() - before) / 1024;
    // The 1 MB message, then at most the 16 MiB limit of output (plus zlib's chunk) before it stops.
    assert.ok(growthMiB < 64, `peak memory grew by ${growthMiB.toFixed(1)} MiB`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
});

test.run();
