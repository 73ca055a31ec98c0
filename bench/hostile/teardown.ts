// Tearing down stalled connections: N sockets whose peer never reads, each holding
// QUEUED small writes in its stream beyond what the kernel took (a stalled viewer holds
// thousands of DIFFs: 256 KiB of 80-byte frames is 3,300), destroyed all at once, the way the
// server drops stalled viewers that reach their close deadline together. Measured: how long
// until the event loop runs a timer again, with `socket.destroy()` (Node makes one new Error
// per queued write) and with dropSocket (src/net/drop-socket.ts: one shared error), in
// alternated rounds in the same process, and the ratio. Loopback only; stops by itself.
//
//   node scripts/build.mjs && node build/bench/hostile/teardown.js [--sockets 200] [--queued 3300] [--rounds 3]
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { dropSocket } from '../../src/net/drop-socket.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}
const SOCKETS = arg('sockets', 200);
const QUEUED = arg('queued', 3300);
const ROUNDS = arg('rounds', 3);
const FRAME = Buffer.alloc(80, 1);
const FILL = Buffer.alloc(64 * 1024, 1);

/** SOCKETS accepted sockets whose peers never read, each with QUEUED frames queued in its stream. */
async function stalledSockets(): Promise<{ server: Server; accepted: Socket[]; peers: Socket[] }> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => {});
    accepted.push(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const peers: Socket[] = [];
  for (let i = 0; i < SOCKETS; i++) {
    const peer = connect(port, '127.0.0.1');
    peer.on('error', () => {});
    peer.pause();
    peers.push(peer);
    await once(peer, 'connect');
  }
  while (accepted.length < SOCKETS) await new Promise((resolve) => setImmediate(resolve));
  for (const socket of accepted) {
    // Until the kernel refuses (bounded: loopback buffers are a few MiB), then the small frames.
    for (let i = 0; i < 4096 && socket.writableLength === 0; i++) socket.write(FILL);
    for (let i = 0; i < QUEUED; i++) socket.write(FRAME);
  }
  return { server, accepted, peers };
}

/** Milliseconds from destroying them all to the next timer. */
async function teardown(destroy: (socket: Socket) => void): Promise<number> {
  const { server, accepted, peers } = await stalledSockets();
  const started = performance.now();
  for (const socket of accepted) destroy(socket);
  await new Promise((resolve) => setTimeout(resolve, 0));
  const ms = performance.now() - started;
  for (const peer of peers) peer.destroy();
  server.close();
  return ms;
}

const plain: number[] = [];
const shared: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  plain.push(await teardown((socket) => socket.destroy()));
  shared.push(await teardown(dropSocket));
  console.error(`round ${round + 1}: destroy() ${plain.at(-1)!.toFixed(1)} ms, dropSocket ${shared.at(-1)!.toFixed(1)} ms`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`| sockets | queued frames each | destroy() ms (median of ${ROUNDS}) | dropSocket ms | ratio |`);
console.log('|---:|---:|---:|---:|---:|');
console.log(`| ${SOCKETS} | ${QUEUED} | ${median(plain).toFixed(1)} | ${median(shared).toFixed(1)} | ${(median(plain) / median(shared)).toFixed(0)}× |`);
