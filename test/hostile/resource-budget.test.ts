// The resource budget of docs/SERVER.md, measured: the real server in a child process
// (its RSS from /proc/PID/status), and from one IP as many connections of each costliest
// kind as the per-IP limit allows (256), each holding what its limits let it hold. The
// RSS growth per connection must stay within the budget the table computes for it.
// (The per-IP connection *rate* is lifted here, so 256 can open at once; it bounds accept
// work, not memory.) Set BUDGET_REPORT=1 to print the figures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { encodeSubscribe } from '../../src/protocol/messages.js';
import { KeyedBuckets } from '../../src/ratelimit/keyed-buckets.js';
import { openSocket } from '../support/raw.js';
import { clientFrame, rawWebSocket, type RawWebSocket } from '../support/raw-websocket.js';
import { assertServed } from './support.js';
import { liveBytes } from '../support/heap.js';

const KiB = 1024;
const PER_IP = 256; // --max-connections-per-ip
const NODE_FLAGS: string[] = (JSON.parse(readFileSync('package.json', 'utf8')).config?.nodeFlags ?? '').split(' ').filter(Boolean);
const report = process.env.BUDGET_REPORT === '1';

/**
 * Worst-case RSS per connection at the default limits, as docs/SERVER.md's "Resource budget"
 * computes it: what the limits let the connection hold, plus what any open connection costs
 * (socket, parser, buffers: measured idle at ~11 KiB for HTTP, ~5 KiB more once upgraded).
 */
const BUDGET = {
  // 16 KiB head (--max-header-bytes) + the connection.
  unfinishedHead: 16 * KiB + 16 * KiB,
  // An open /ws connection.
  idleWebSocket: 24 * KiB,
  // A 64 KiB message of /ws (its message limit) held unfinished + the connection.
  unfinishedMessage: 64 * KiB + 24 * KiB,
  // 1 MiB of queued answers, the one that crossed it, 64 KiB of unparsed requests + the connection.
  pipelinedNonReader: 1024 * KiB + 64 * KiB + 64 * KiB + 16 * KiB,
  // A request body at the largest route limit (a tile's 64 KiB) held unfinished + its head and the connection.
  unfinishedBody: 64 * KiB + 16 * KiB,
  // 1,024 subscribed chunks (--max-subscriptions-per-client): two set entries each (the viewer's
  // set, the chunk's audience; ~40 bytes apiece), a chunk's audience set where it is the first
  // (~200 bytes), the CHUNKs owed and sent (~20 bytes each for an empty chunk) + an open /ws.
  subscriptions: 1024 * (2 * 40 + 200 + 20) + 24 * KiB,
};

// RSS counts garbage not yet collected too: the parsing of 40,000 requests per connection
// leaves some whose collection the test cannot time (as in pipelined-requests.test.ts).
const GC_SLACK = 16 * 1024 * KiB;

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * KiB;
}

async function startServer(): Promise<{ pid: number; port: number; stop: () => Promise<void> }> {
  const args = [...NODE_FLAGS, 'build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--data-dir', '', '--log-level', 'error',
    '--connection-rate-per-ip', '100000', '--connection-burst-per-ip', '100000'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(() => reject(new Error(`server exited before listening: ${output}`)));
  });
  return { pid: child.pid!, port, stop: () => (child.kill('SIGKILL'), exited) };
}

/** One GET on a new connection from another address; resolves when answered (the server has run its earlier events). */
async function roundTrip(port: number, path = '/health'): Promise<void> {
  const socket = await openSocket(port, '127.0.0.2');
  await new Promise<void>((resolve) => {
    socket.on('data', () => {});
    socket.once('close', () => resolve());
    socket.write(`GET ${path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`);
  });
}

/** The server's count of HTTP answers other than 200 (the probes' own are 200s), from /metrics. */
async function answersSoFar(port: number): Promise<number> {
  const socket = await openSocket(port, '127.0.0.2');
  const text = await new Promise<string>((resolve) => {
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.once('close', () => resolve(data));
    socket.write('GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  });
  let total = 0;
  for (const match of text.matchAll(/^tessera_http_responses_total\{status="(?!200)\d+"\} (\d+)$/gm)) total += Number(match[1]);
  return total;
}

/** Until the server has answered all it will (its count of answers stands still over a few round trips). */
async function settled(port: number): Promise<void> {
  for (let previous = -1, now = await answersSoFar(port); now !== previous; previous = now, now = await answersSoFar(port)) {
    for (let i = 0; i < 5; i++) await roundTrip(port);
  }
}

/** Warms the server up (first requests, first upgrade), so what follows measures connections only. */
async function warmUp(port: number): Promise<void> {
  for (let i = 0; i < 20; i++) await roundTrip(port);
  const ws = await rawWebSocket(port, '/ws');
  ws.socket.destroy();
  await roundTrip(port);
}

/** RSS growth per connection of `open(i)` × `count` from 127.0.0.1, with the server's answer to each in. */
async function measure(name: keyof typeof BUDGET, open: (port: number, i: number) => Promise<Socket>, count = PER_IP): Promise<number> {
  const server = await startServer();
  const sockets: Socket[] = [];
  try {
    await warmUp(server.port);
    const before = rssOf(server.pid);
    for (let i = 0; i < count; i += 32) sockets.push(...(await Promise.all(Array.from({ length: Math.min(32, count - i) }, (_, k) => open(server.port, i + k)))));
    await settled(server.port);
    const growth = rssOf(server.pid) - before;
    const perConnection = growth / count;
    if (report) console.log(`${name}: ${(perConnection / KiB).toFixed(1)} KiB per connection (budget ${BUDGET[name] / KiB} KiB); ${PER_IP} from one IP: ${((perConnection * PER_IP) / KiB / KiB).toFixed(1)} MiB`);
    assert.ok(growth <= BUDGET[name] * count + GC_SLACK, `${name}: ${(perConnection / KiB).toFixed(1)} KiB per connection × ${count}, budget ${BUDGET[name] / KiB} KiB each + ${GC_SLACK / KiB / KiB} MiB`);
    assert.ok(sockets.every((s) => !s.destroyed), 'every connection is held (none refused)');
    await assertServed(server.port, { localAddress: '127.0.0.2' });
    return perConnection;
  } finally {
    for (const socket of sockets) socket.destroy();
    await server.stop();
  }
}

test('an unfinished request head (slowloris at the 16 KiB limit) stays within its budget', async () => {
  await measure('unfinishedHead', async (port) => {
    const socket = await openSocket(port);
    socket.write(`GET / HTTP/1.1\r\nHost: a\r\nX-Filler: ${'a'.repeat(16 * KiB - 64)}`);
    return socket;
  });
});

test('an idle /ws connection stays within its budget', async () => {
  await measure('idleWebSocket', async (port) => (await rawWebSocket(port, '/ws')).socket);
});

test('a /ws message left unfinished at its 64 KiB limit stays within its budget', async () => {
  await measure('unfinishedMessage', async (port) => {
    const ws: RawWebSocket = await rawWebSocket(port, '/ws');
    // A first fragment (FIN clear, binary) of 63 KiB: the message is held, waiting for the rest.
    ws.socket.write(clientFrame(0x02, Buffer.alloc(63 * KiB, 7)));
    return ws.socket;
  });
});

test('a connection pipelining requests for fresh small answers and never reading stays within its budget', async () => {
  // Answers built per request (not shared): the costliest kind of queued answer per byte.
  // 40,000 requests (~1.8 MB) are more than the kernel's buffers and the 1 MiB of queued
  // answers take, so the connection ends up holding all its limits allow. 32 connections:
  // the figure per connection is what matters (256 would buffer 450 MB in this process).
  await measure('pipelinedNonReader', async (port) => {
    const socket = await openSocket(port);
    socket.pause();
    socket.write('GET /api/boards/nope HTTP/1.1\r\nHost: a\r\n\r\n'.repeat(40_000));
    return socket;
  }, 32);
});

test('an unfinished request body at the 64 KiB route limit stays within its budget', async () => {
  await measure('unfinishedBody', async (port) => {
    const socket = await openSocket(port);
    // A tile's PUT takes 64 KiB: all but its last byte arrive, then nothing (the 30 s body timeout is the rest).
    socket.write(`PUT /api/boards/mosaic/tiles/0/0 HTTP/1.1\r\nHost: a\r\nContent-Type: image/png\r\nContent-Length: ${64 * KiB}\r\n\r\n`);
    socket.write(Buffer.alloc(64 * KiB - 1, 1));
    return socket;
  });
});

test('a viewer subscribed to 1,024 chunks (the per-client cap) stays within its budget', async () => {
  const MOSAIC = 2;
  const CHUNKS = 125 * 125;
  await measure('subscriptions', async (port, i) => {
    const ws = await rawWebSocket(port, '/ws');
    // Different chunks for every viewer, so each also makes audience sets of its own.
    const pairs: number[] = [];
    for (let k = 0; k < 1024; k++) {
      const chunk = (i * 1024 + k) % CHUNKS;
      pairs.push(chunk % 125, Math.floor(chunk / 125));
    }
    ws.socket.write(clientFrame(0x82, Buffer.from(encodeSubscribe(MOSAIC, pairs)))); // FIN, binary
    return ws.socket;
  });
});

test('rate-limit keys: 100,000 per bucket, whatever the number of clients, at a bounded cost per key', () => {
  // In this process: one store, as each bucket of each board has, given 150,000 distinct
  // session keys (22 characters, as the server's session ids), each left owing tokens.
  const used = liveBytes;
  // Computed: a Map entry with its share of a table that doubles and keeps eviction holes until
  // it rehashes (up to ~200), the key string (~40), 4 typed-array slots (24), a pointer (8), and
  // the collector's timing (~50).
  const PER_KEY = 320;
  const before = used();
  const store = new KeyedBuckets({ capacity: 20, refillPerSecond: 1 }, { maxKeys: 100_000 });
  for (let i = 0; i < 150_000; i++) store.take(i.toString(36).padStart(22, '0'), 1_000 + i / 1000, 20);
  const growth = used() - before;
  const perKey = growth / 100_000;
  if (report) console.log(`rate keys: ${store.size} kept of 150,000, ${perKey.toFixed(0)} bytes per key (budget ${PER_KEY}), ${(growth / KiB / KiB).toFixed(1)} MiB per bucket`);
  assert.is(store.size, 100_000);
  assert.ok(perKey <= PER_KEY, `${perKey.toFixed(0)} bytes per key`);
});

test.run();
