// Issue 9 F5, reproduced: one visitor writes 16 PLACE_BATCHes of 1,024 pixels to the
// mosaic, one pixel per chunk, so every pixel lands in an empty chunk. Starts the product
// server (default boards, memory only) as a child process and prints the answers, the
// chunks allocated, the boards' bytes (tessera_canvas_memory_bytes), the server's RSS (before, after, peak) and how long the top overview
// tile then takes. `--root` runs another checkout's build (e.g. the code before the fix);
// `--per-stroke N` puts N pixels (chunks) in each stroke; `--ips K` sends the strokes from K
// loopback addresses (127.0.0.2…) in turn, one connection each, so per-IP buckets do not bind.
//
//   node scripts/build.mjs && node build/bench/hostile/sparse-writes.js [--root DIR]
//   node build/bench/hostile/sparse-writes.js --strokes 200 --per-stroke 32 --ips 200
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { decodeServerMessage, encodePlaceBatch } from '../../src/protocol/messages.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
}
const root = arg('root', '.');
const strokes = Number(arg('strokes', '16'));
const perStroke = Number(arg('per-stroke', '1024'));
const ips = Number(arg('ips', '1'));

const MOSAIC = 2;
const CHUNKS_PER_ROW = 125;
const CHUNKS = CHUNKS_PER_ROW ** 2;

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

const child = spawn(process.execPath, [join(root, 'build/src/main.js'), '--config', join(root, 'config/default.json'),
  '--port', '0', '--host', '127.0.0.1', '--data-dir', '', '--log-level', 'error'], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve) => {
  child.stdout!.on('data', (chunk: Buffer) => {
    const match = /listening on http:\/\/[^:]+:(\d+)/.exec(chunk.toString());
    if (match) resolve(Number(match[1]));
  });
});

try {
  const base = `http://127.0.0.1:${port}`;
  const answers = new Map<number, string>();
  let answered: (() => void) | null = null;
  const sockets: WebSocket[] = [];
  for (let i = 0; i < ips; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'tessera.v1', ips > 1 ? { localAddress: `127.0.0.${2 + i}` } : {});
    ws.on('message', (data: Buffer) => {
      const message = decodeServerMessage(new Uint8Array(data));
      if (message.type === 'ack') answers.set(message.requestId, 'ack');
      else if (message.type === 'reject') answers.set(message.requestId, `reject ${message.reason}`);
      else return;
      answered?.();
    });
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    sockets.push(ws);
  }
  const before = rssMiB(child.pid!);
  const started = performance.now();
  for (let n = 0; n < strokes; n++) {
    const pixels: number[] = [];
    for (let k = n * perStroke; k < (n + 1) * perStroke; k++) {
      const i = k % CHUNKS;
      pixels.push((i % CHUNKS_PER_ROW) * 256 + 7, Math.floor(i / CHUNKS_PER_ROW) * 256 + 9, 5);
    }
    const done = new Promise<void>((resolve) => (answered = resolve));
    sockets[n % ips]!.send(encodePlaceBatch(n + 1, MOSAIC, pixels));
    await done;
  }
  const writesMs = performance.now() - started;
  const after = rssMiB(child.pid!);
  const metrics = await (await fetch(`${base}/metrics`)).text();
  const allocated = Number(/tessera_chunks_allocated (\d+)/.exec(metrics)?.[1]);
  const canvasMiB = Number(/tessera_canvas_memory_bytes (\d+)/.exec(metrics)?.[1]) / 2 ** 20;
  const overview = (await (await fetch(`${base}/api/boards/mosaic/overview`)).json()) as { levels: number };
  const tileStarted = performance.now();
  const tile = await fetch(`${base}/api/boards/mosaic/overview/${overview.levels - 1}/0/0.png`);
  await tile.arrayBuffer();
  const tileMs = performance.now() - tileStarted;
  const counts = new Map<string, number>();
  for (const a of answers.values()) counts.set(a, (counts.get(a) ?? 0) + 1);
  console.log(JSON.stringify({
    root, strokes, perStroke, ips, answers: Object.fromEntries(counts), writesMs: Math.round(writesMs), chunksAllocated: allocated, canvasMiB: Math.round(canvasMiB * 10) / 10,
    rssBeforeMiB: Math.round(before.rss), rssAfterMiB: Math.round(after.rss), rssPeakMiB: Math.round(rssMiB(child.pid!).peak),
    topTileStatus: tile.status, topTileMs: Math.round(tileMs),
  }));
  for (const ws of sockets) ws.close();
} finally {
  child.kill('SIGKILL');
}
