// Cluster bench: what a placement pays for cluster mode. PLACE → ACK latency at a steady
// 1,000 placements/s (20 connections × 50/s, spread over the members), for one process on SQLite,
// one process on PostgreSQL, and a cluster of two members on Redis + PostgreSQL.
//
//   node scripts/build.mjs && node build/bench/cluster/ack-latency.js [--seconds 10] [--rate 1000]
//
// Loopback only; the machine's PostgreSQL and Redis (DATABASE_URL / REDIS_URL), a schema and key
// prefix of the bench's own, removed afterwards. 2 s of warm-up are not counted.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { decodeServerMessage, encodePlace } from '../../src/protocol/messages.js';
import { boardsFile, eventually, newClusterRun, readiness, removeClusterRun, type Node } from '../../test/support/cluster.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, rate: { type: 'string', default: '1000' } } });
const SECONDS = Number(values.seconds);
const RATE = Number(values.rate);
const CONNECTIONS = 20;
const WARM_UP_MS = 2_000;
const SIZE = 256;
const BOARDS = [{
  id: 'free', title: 'Free', width: SIZE, height: SIZE, chunkSize: 64, palette: ['#FFFFFF', '#222222', '#E50000', '#0000EA'], background: 0,
  policy: { strokes: true, maxBatch: 100, tileWrites: false, buckets: [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }] },
}];

function start(args: string[]): Promise<Node> {
  const child = spawn(process.execPath, ['--max-semi-space-size=2', 'build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn', ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1];
      if (port) resolve({ child, port: Number(port), url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws`, exited });
    });
    void exited.then((code) => reject(new Error(`server exited (${code})`)));
  });
}

async function measure(nodes: Node[]): Promise<{ p50: number; p99: number; max: number; count: number; refused: number }> {
  const sockets = await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => new Promise<WebSocket>((resolve, reject) => {
    const ws = new WebSocket(nodes[i % nodes.length]!.wsUrl, 'tessera.v1');
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  })));
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let refused = 0;
  const started = performance.now();
  let finished = false;
  for (const ws of sockets) {
    ws.on('close', (code) => {
      if (!finished) throw new Error(`a connection was closed by the server (${code}) during the run`);
    });
    ws.on('message', (data: Buffer) => {
      const message = decodeServerMessage(new Uint8Array(data));
      if (message.type !== 'ack' && message.type !== 'reject') return;
      const at = sentAt.get(message.requestId);
      sentAt.delete(message.requestId);
      if (message.type === 'reject') refused++;
      else if (at !== undefined && at - started >= WARM_UP_MS) latencies.push(performance.now() - at);
    });
  }
  let requestId = 0;
  const perConnectionMs = (1000 * CONNECTIONS) / RATE;
  const end = started + WARM_UP_MS + SECONDS * 1000;
  // Each connection sends on its own schedule, offset so the load is even.
  await Promise.all(sockets.map((ws, c) => (async () => {
    let next = started + (c * perConnectionMs) / CONNECTIONS;
    while (next < end) {
      const wait = next - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // A generator that fell behind (a busy machine) skips the slots it missed rather than bursting.
      else if (wait < -perConnectionMs) next = performance.now();
      const id = ++requestId;
      sentAt.set(id, performance.now());
      ws.send(encodePlace(id, 0, id % SIZE, Math.floor(id / SIZE) % SIZE, 1 + (id % 3)));
      next += perConnectionMs;
    }
  })()));
  await eventually('last answers', async () => sentAt.size, (pending) => pending === 0, 10_000);
  finished = true;
  for (const ws of sockets) ws.close();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1]!, count: latencies.length, refused };
}

async function run(name: string, members: number, args: (dir: string, config: string) => string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-cluster-'));
  const config = boardsFile(dir, BOARDS);
  const nodes: Node[] = [];
  try {
    for (let i = 0; i < members; i++) nodes.push(await start(['--config', config, ...args(join(dir, `data${i}`), config)]));
    for (const node of nodes) await eventually('ready', () => readiness(node), (r) => r.ready);
    const r = await measure(nodes);
    console.log(`| ${name} | ${RATE} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(1)} | ${r.count} | ${r.refused} |`);
  } finally {
    for (const node of nodes) node.child.kill('SIGTERM');
    await Promise.all(nodes.map((node) => node.exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('| run | placements/s | ack p50 ms | ack p99 ms | max ms | acks counted | refused |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
await run('one process, SQLite', 1, (dataDir) => ['--data-dir', dataDir]);
const single = newClusterRun();
try {
  await run('one process, PostgreSQL', 1, () => ['--database', single.databaseUrl]);
} finally {
  await removeClusterRun(single);
}
const cluster = newClusterRun();
try {
  await run('cluster of 2, Redis + PostgreSQL', 2, () => ['--database', cluster.databaseUrl, '--redis', cluster.redisUrl]);
} finally {
  await removeClusterRun(cluster);
}
