// RSS per WebSocket connection with and without permessage-deflate.
//   node scripts/build.mjs && node bench/echo/deflate-rss.mjs [connections] [path]
// Starts the server (build/src/main.js --echo) with the bench's GC hook, opens N raw
// WebSocket connections to `path` (/echo or /ws), offering permessage-deflate or not,
// and reads the server's RSS after a full GC: before, with N idle connections, and
// after each connection sent one message (compressed when negotiated, 4 KiB of JSON)
// and received its echo (/echo) or nothing more (/ws: its HELLO was the message out).
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { deflateRawSync, constants } from 'node:zlib';
import { resolve } from 'node:path';

const ROOT = process.cwd();
const { encodeFrame } = await import(resolve(ROOT, 'build/src/websocket/frame-encoder.js'));
const N = Number(process.argv[2] ?? 2000);
const PATH = process.argv[3] ?? '/echo';
const MASK = Uint8Array.from([1, 2, 3, 4]);

function startServer() {
  const child = spawn(process.execPath, [
    '--max-semi-space-size=2', '--expose-gc', '--import', resolve(ROOT, 'build/bench/echo/server-hooks.js'),
    'build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--echo', '--data-dir', '', '--log-level', 'warn',
    '--max-connections', '20000', '--max-connections-per-ip', '20000',
    '--connection-rate-per-ip', '1000000', '--connection-burst-per-ip', '1000000',
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  let acks = [];
  child.stderr.on('data', (d) => {
    if (String(d).includes('gc requested')) acks.splice(0).forEach((f) => f());
    else process.stderr.write(d);
  });
  const port = new Promise((ok) => child.stdout.on('data', (d) => {
    const m = /:(\d+)\s*$/m.exec(String(d));
    if (m) ok(Number(m[1]));
  }));
  const rssKiB = async () => {
    await new Promise((ok) => { acks.push(ok); child.kill('SIGUSR2'); });
    await new Promise((ok) => setTimeout(ok, 200));
    await new Promise((ok) => { acks.push(ok); child.kill('SIGUSR2'); });
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]);
  };
  return { child, port, rssKiB };
}

/** A raw WebSocket: resolves once upgraded; `frames` counts complete server frames. */
function open(port, deflate) {
  return new Promise((ok, fail) => {
    const socket = connect(port, '127.0.0.1');
    const state = { socket, upgraded: false, buffer: Buffer.alloc(0), frames: 0, extensions: null, waiters: [] };
    socket.on('error', fail);
    socket.on('connect', () => socket.write(
      `GET ${PATH} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
      (PATH === '/ws' ? 'Sec-WebSocket-Protocol: tessera.v1\r\n' : '') +
      (deflate ? 'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' : '') + '\r\n'));
    socket.on('data', (chunk) => {
      state.buffer = Buffer.concat([state.buffer, chunk]);
      if (!state.upgraded) {
        const end = state.buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = state.buffer.toString('latin1', 0, end);
        if (!head.startsWith('HTTP/1.1 101')) return fail(new Error(head));
        state.extensions = /sec-websocket-extensions: (.*)/i.exec(head)?.[1] ?? null;
        state.upgraded = true;
        state.buffer = state.buffer.subarray(end + 4);
        ok(state);
      }
      for (;;) {
        const b = state.buffer;
        if (b.length < 2) break;
        let len = b[1] & 0x7f, off = 2;
        if (len === 126) { if (b.length < 4) break; len = b.readUInt16BE(2); off = 4; }
        else if (len === 127) { if (b.length < 10) break; len = Number(b.readBigUInt64BE(2)); off = 10; }
        if (b.length < off + len) break;
        state.buffer = b.subarray(off + len);
        state.frames++;
        state.waiters.splice(0).forEach((f) => f());
      }
    });
  });
}

const message = Buffer.from(JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, x: (i * 7919) % 1000, c: i % 32 }))).slice(0, 4096));

async function measure(deflate) {
  const server = startServer();
  const port = await server.port;
  const base = await server.rssKiB();
  const sockets = [];
  for (let i = 0; i < N; i += 100) sockets.push(...await Promise.all(Array.from({ length: Math.min(100, N - i) }, () => open(port, deflate))));
  const extensions = sockets[0].extensions;
  await new Promise((ok) => setTimeout(ok, 500));
  const idle = await server.rssKiB();
  // One message each way.
  const payload = deflate ? deflateRawSync(message, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4) : message;
  const first = deflate ? 0xc1 : 0x81;
  await Promise.all(sockets.map((s) => {
    const before = s.frames;
    const frame = encodeFrame(1, payload, { mask: MASK });
    frame[0] = first;
    s.socket.write(frame);
    if (PATH !== '/echo') return undefined;
    return new Promise((ok) => { const check = () => (s.frames > before ? ok() : s.waiters.push(check)); check(); });
  }));
  await new Promise((ok) => setTimeout(ok, 500));
  const active = await server.rssKiB();
  for (const s of sockets) s.socket.destroy();
  server.child.stdin.end();
  server.child.kill('SIGTERM');
  return { deflate, extensions, base, idle, active, perIdle: ((idle - base) / N).toFixed(1), perActive: ((active - base) / N).toFixed(1) };
}

const results = [await measure(false), await measure(true)];
console.log(`${N} connections to ${PATH}; RSS in KiB after a full GC; per connection = (RSS - RSS before) / ${N}`);
console.log('compression | negotiated | RSS before | idle | after one message each way | KiB per idle conn | KiB per active conn');
for (const r of results) {
  console.log(`${r.deflate ? 'offered   ' : 'not offered'} | ${r.extensions ?? '-'} | ${r.base} | ${r.idle} | ${r.active} | ${r.perIdle} | ${r.perActive}`);
}
