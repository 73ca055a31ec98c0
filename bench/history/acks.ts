// Durable placements through the real server: committed placements per second and the time
// from sending a PLACE to reading its ACK (which the server sends only after the SQLite
// transaction holding it committed). Issue 8's goal: ≥ 20,000 placements/s committed,
// ack p99 ≤ 50 ms at 5,000 placements/s.
//
//   node scripts/build.mjs && taskset -c 1 node build/bench/history/acks.js [--seconds 10] [--only saturate,batch,rate] [--prof]
//
// The server (build/src/main.js, the flags of `npm start`, a fresh --data-dir) runs pinned to
// core 0; this process is the load generator (the `ws` client; pin it to core 1 as above).
// Scenarios, each on a fresh server:
//   saturate  1,000 connections, each keeping 8 PLACEs in flight (closed loop): the most the
//             server commits, one pixel a message (a connection may send 100 messages a second,
//             bursts of 200: src/app/canvas-endpoint.ts, so 1,000 connections allow 100,000/s; a
//             connection past it is closed with 1008, counted as "closed");
//   batch     20 connections, each keeping 8 PLACE_BATCHes of 100 pixels in flight;
//   rate      open loop: PLACEs at --rate per second (5,000 by default) over 100 connections,
//             each due at T0 + i / rate and sent then (late sends are counted).
// Each: 2 s warm-up, then --seconds measured; latency is over the messages sent in the window.
// Nobody watches the board (no DIFF fan-out): this measures the write path and its commit.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { encodePlace, encodePlaceBatch } from '../../src/protocol/client-messages.js';
import { decodeServerMessage } from '../../src/protocol/messages.js';
import { fetchText, parseMetrics } from '../canvas/metrics-scrape.js';
import { processCpuSeconds } from '../echo/cpu-window.js';
import { RunningServer } from '../echo/server-process.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '5000' },
    only: { type: 'string', default: 'saturate,batch,rate' },
    prof: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP_MS = 2000;
const RATE = Number(values.rate);

const PALETTE = ['#FFFFFF', '#E4E4E4', '#888888', '#222222', '#FFA7D1', '#E50000', '#E59500', '#A06A42', '#E5D900', '#94E044', '#02BE01', '#00D3DD', '#0083C7', '#0000EA', '#CF6EE4', '#820080'];
const FREE = [{ key: 'session', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }, { key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }];
const CONFIG = {
  server: { tickRateHz: 60 },
  boards: [
    { id: 'place', title: 'place', width: 1000, height: 1000, chunkSize: 100, palette: PALETTE, background: 0, policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: FREE } },
    { id: 'strokes', title: 'strokes', width: 1000, height: 1000, chunkSize: 100, palette: PALETTE, background: 0, policy: { strokes: true, maxBatch: 100, tileWrites: false, buckets: FREE } },
  ],
};
const LIMITS = ['--max-connections', '20000', '--max-connections-per-ip', '20000', '--connection-rate-per-ip', '1000000', '--connection-burst-per-ip', '1000000', '--log-level', 'warn'];

interface Outcome {
  placements: number;
  acks: number;
  rejects: number;
  latencies: number[];
  lateSends: number;
  /** Connections the server closed before the window ended (e.g. 1008: past the message rate). */
  closed: number;
  /** Over the window: the server process's CPU (utime + stime) and the time spent in commits (start to durable). */
  serverCpuS: number;
  /** Over the window: this process's CPU (the load generator: the bots). */
  botCpuS: number;
  commitS: number;
  commits: number;
}

async function serverCounters(server: RunningServer): Promise<{ cpu: number; commitS: number; commits: number }> {
  const metrics = parseMetrics((await fetchText('127.0.0.1', server.port, '/metrics')).body);
  return { cpu: processCpuSeconds(server.pid), commitS: metrics.get('tessera_storage_commit_seconds_total') ?? NaN, commits: metrics.get('tessera_storage_commits_total') ?? NaN };
}

interface Client {
  socket: WebSocket;
  sentAt: Map<number, number>;
  nextId: number;
}

async function connect(url: string, onAnswer: (client: Client, requestId: number, count: number, ok: boolean) => void): Promise<Client> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const client: Client = { socket, sentAt: new Map(), nextId: 1 };
  socket.binaryType = 'nodebuffer';
  socket.on('message', (data: Buffer) => {
    const message = decodeServerMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    if (!('type' in message)) return;
    if (message.type === 'ack') onAnswer(client, message.requestId, message.count, true);
    else if (message.type === 'reject') onAnswer(client, message.requestId, 0, false);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return client;
}

/** Runs one scenario on a fresh server; returns what the measured window saw. */
async function scenario(name: string, connections: number, drive: (clients: Client[], window: { start: number; end: number }, outcome: Outcome, answered: Answered) => Promise<void>): Promise<Outcome> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-acks-'));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(CONFIG));
  const server = await RunningServer.start({
    name,
    args: ['build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--config', configPath, '--data-dir', join(dir, 'data'), ...LIMITS],
    // --prof: V8's tick log (isolate-*.log in the project root, for node --prof-process), written
    // as the server runs; --cpu-prof would need a graceful exit, which a loaded server may not reach in time.
    nodeFlags: ['--max-semi-space-size=2', ...(values.prof ? ['--prof'] : [])],
  });
  const outcome: Outcome = { placements: 0, acks: 0, rejects: 0, latencies: [], lateSends: 0, closed: 0, serverCpuS: 0, botCpuS: 0, commitS: 0, commits: 0 };
  const start = performance.now() + WARMUP_MS + 500;
  const window = { start, end: start + SECONDS * 1000 };
  const answered: Answered = { hook: () => {} };
  try {
    const clients = await Promise.all(
      Array.from({ length: connections }, () =>
        connect(`ws://127.0.0.1:${server.port}/ws`, (client, requestId, count, ok) => {
          const sent = client.sentAt.get(requestId);
          client.sentAt.delete(requestId);
          if (sent !== undefined && sent >= window.start && sent < window.end) {
            const now = performance.now();
            if (ok) {
              outcome.acks++;
              outcome.placements += count;
              outcome.latencies.push(now - sent);
            } else outcome.rejects++;
          }
          answered.hook(client);
        }),
      ),
    );
    window.start = performance.now() + WARMUP_MS;
    window.end = window.start + SECONDS * 1000;
    for (const client of clients) client.socket.once('close', () => { if (performance.now() < window.end) outcome.closed++; });
    // The server's counters when the window opens and closes (the load runs on meanwhile).
    const counters = (async () => {
      await delay(window.start - performance.now());
      const first = await serverCounters(server);
      const botFirst = process.cpuUsage();
      await delay(window.end - performance.now());
      const last = await serverCounters(server);
      const botUsed = process.cpuUsage(botFirst);
      outcome.botCpuS = (botUsed.user + botUsed.system) / 1e6;
      outcome.serverCpuS = last.cpu - first.cpu;
      outcome.commitS = last.commitS - first.commitS;
      outcome.commits = last.commits - first.commits;
    })();
    await drive(clients, window, outcome, answered);
    await counters;
    for (const client of clients) client.socket.close();
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return outcome;
}

interface Answered {
  hook: (client: Client) => void;
}

let seq = 0;
/** The next pixel, walking the whole board (a bijection of its million pixels). */
function nextPixel(): [number, number, number] {
  const p = (seq++ * 7919) % 1_000_000;
  return [p % 1000, Math.floor(p / 1000), 1 + (seq % 15)];
}

function sendPlace(client: Client): void {
  const id = client.nextId++;
  const [x, y, color] = nextPixel();
  client.sentAt.set(id, performance.now());
  client.socket.send(encodePlace(id, 0, x, y, color));
}

function sendBatch(client: Client, size: number): void {
  const id = client.nextId++;
  const pixels: number[] = [];
  for (let i = 0; i < size; i++) pixels.push(...nextPixel());
  client.sentAt.set(id, performance.now());
  client.socket.send(encodePlaceBatch(id, 1, pixels));
}

/** Closed loop: each connection keeps `inFlight` requests outstanding until the window ends. */
function closedLoop(inFlight: number, send: (client: Client) => void) {
  return async (clients: Client[], window: { start: number; end: number }, _outcome: Outcome, answered: Answered) => {
    answered.hook = (client) => {
      if (performance.now() < window.end) send(client);
    };
    for (const client of clients) for (let i = 0; i < inFlight; i++) send(client);
    await delay(window.end - performance.now() + 2000);
  };
}

/** Open loop: request i is due at window.start − warm-up + i / rate, round-robin over the connections. */
function openLoop(rate: number) {
  return async (clients: Client[], window: { start: number; end: number }, outcome: Outcome) => {
    const t0 = window.start - WARMUP_MS;
    let i = 0;
    while (performance.now() < window.end) {
      const now = performance.now();
      while (t0 + (i * 1000) / rate <= now) {
        const due = t0 + (i * 1000) / rate;
        if (now - due > 5) outcome.lateSends++;
        sendPlace(clients[i % clients.length]!);
        i++;
      }
      await delay(1);
    }
    await delay(2000);
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function report(name: string, load: string, outcome: Outcome): string {
  const sorted = outcome.latencies.sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1).padStart(7);
  return [
    name.padEnd(9),
    load.padEnd(34),
    String(Math.round(outcome.placements / SECONDS)).padStart(13),
    String(Math.round(outcome.acks / SECONDS)).padStart(8),
    f(percentile(sorted, 0.5)),
    f(percentile(sorted, 0.99)),
    f(sorted.at(-1) ?? NaN),
    String(outcome.rejects).padStart(7),
    String(outcome.lateSends).padStart(6),
    String(outcome.closed).padStart(6),
    `${Math.round((outcome.serverCpuS / SECONDS) * 100)}%`.padStart(8),
    `${Math.round((outcome.botCpuS / SECONDS) * 100)}%`.padStart(8),
    `${Math.round((outcome.commitS / SECONDS) * 100)}%`.padStart(8),
    ((outcome.commitS / outcome.commits) * 1000).toFixed(2).padStart(9),
  ].join(' ');
}

const only = new Set(values.only.split(','));
console.log(`Durable placements through the server over WebSocket: ${SECONDS} s measured after ${WARMUP_MS / 1000} s warm-up, node ${process.version}`);
console.log('scenario  load                               placements/s   acks/s  p50 ms  p99 ms  max ms rejects  late closed  srv CPU  bot CPU  commits  ms/commit');
if (only.has('saturate')) console.log(report('saturate', '1000 conns × 8 PLACE in flight', await scenario('saturate', 1000, closedLoop(8, sendPlace))));
if (only.has('batch')) console.log(report('batch', '20 conns × 8 BATCH(100) in flight', await scenario('batch', 20, closedLoop(8, (c) => sendBatch(c, 100)))));
if (only.has('rate')) console.log(report('rate', `${RATE} PLACE/s over 100 conns (open)`, await scenario('rate', 100, openLoop(RATE))));
console.log('placements/s: pixels acknowledged (committed) per second over the window; acks/s: ACK messages;');
console.log('p50/p99/max: send → ACK read, for messages sent in the window; late: open-loop sends more than 5 ms after due;');
console.log('closed: connections the server closed before the window ended (1008: more than 100 messages a second);');
console.log('srv CPU: the server process\'s CPU over the window (100% = its core); bot CPU: this process\'s (the load generator);');
console.log('commits: the share of the window spent');
console.log('  committing (tessera_storage_commit_seconds_total: start to durable, waits for the log to restart included);');
console.log('  ms/commit: per group commit.');
