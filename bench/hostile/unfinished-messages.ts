// Issue 9 F2, reproduced: `--connections` WebSockets on /echo each send all but the last
// fragment of a 16 MiB message and keep it alive with a ping every second. Starts the
// product server (`--echo`, memory only) as a child process and prints, after `--seconds`,
// how many connections were closed and with what code, and the server's RSS (before,
// peak, end). `--root DIR` runs another checkout's build (e.g. the code before the fix).
//
//   node scripts/build.mjs && node build/bench/hostile/unfinished-messages.js --connections 20 --seconds 40 [--root DIR [--echo-flag no]]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
}
const root = arg('root', '.');
const connections = Number(arg('connections', '20'));
const seconds = Number(arg('seconds', '40'));
// Builds from before /echo was behind --echo do not know the flag (their /echo is always on).
const echoFlag = arg('echo-flag', 'yes') === 'yes' ? ['--echo', 'true'] : [];
const MESSAGE = 16 * 1024 * 1024;
const FRAGMENT = 1024 * 1024;

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** A masked client frame. */
function frame(firstByte: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.from([firstByte, 0x80 | length]) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (length >= 126 && length < 65536) header.set([firstByte, 0x80 | 126]), header.writeUInt16BE(length, 2);
  else if (length >= 65536) header.set([firstByte, 0x80 | 127]), header.writeBigUInt64BE(BigInt(length), 2);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([header, mask, body]);
}

const child = spawn(process.execPath, [join(root, 'build/src/main.js'), '--config', join(root, 'config/default.json'),
  '--port', '0', '--host', '127.0.0.1', '--data-dir', '', '--log-level', 'error', ...echoFlag], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) => {
  child.stdout!.on('data', (chunk: Buffer) => {
    const match = /listening on http:\/\/[^:]+:(\d+)/.exec(chunk.toString());
    if (match) resolve(Number(match[1]));
  });
});

interface Holder {
  socket: Socket;
  closeCode: number | null;
  closed: boolean;
}

async function hold(): Promise<Holder> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((resolve) => socket.once('connect', resolve));
  const holder: Holder = { socket, closeCode: null, closed: false };
  let received = Buffer.alloc(0);
  let upgraded = false;
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    if (!upgraded) {
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      upgraded = true;
      received = received.subarray(end + 4);
    }
    // Look for the server's close frame (opcode 8) among its frames.
    while (received.length >= 2) {
      const length = received[1]! & 0x7f;
      const offset = length === 126 ? 4 : length === 127 ? 10 : 2;
      const size = length === 126 ? received.readUInt16BE(2) : length === 127 ? Number(received.readBigUInt64BE(2)) : length;
      if (received.length < offset + size) break;
      if ((received[0]! & 0x0f) === 8 && size >= 2) holder.closeCode = received.readUInt16BE(offset);
      received = received.subarray(offset + size);
    }
  });
  socket.on('close', () => (holder.closed = true));
  socket.on('error', () => {});
  socket.write(`GET /echo HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
  const piece = Buffer.alloc(FRAGMENT, 0x61);
  socket.write(frame(0x02, piece)); // binary, FIN clear
  for (let sent = FRAGMENT; sent < MESSAGE - FRAGMENT; sent += FRAGMENT) socket.write(frame(0x00, piece));
  return holder;
}

try {
  const before = rssMiB(child.pid!);
  const holders: Holder[] = [];
  for (let i = 0; i < connections; i++) holders.push(await hold());
  const pinger = setInterval(() => {
    for (const h of holders) if (!h.closed) h.socket.write(frame(0x89, Buffer.from('alive')));
  }, 1000);
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  clearInterval(pinger);
  const end = rssMiB(child.pid!);
  const codes = new Map<string, number>();
  for (const h of holders) {
    const key = h.closed ? `closed ${h.closeCode ?? 'without a close frame'}` : 'still open';
    codes.set(key, (codes.get(key) ?? 0) + 1);
  }
  console.log(JSON.stringify({
    root, connections, seconds, outcome: Object.fromEntries(codes),
    rssBeforeMiB: Math.round(before.rss), rssPeakMiB: Math.round(end.peak), rssEndMiB: Math.round(end.rss),
  }));
  for (const h of holders) h.socket.destroy();
} finally {
  child.kill('SIGKILL');
}
