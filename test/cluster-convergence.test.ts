// Issue 12 §3, convergence: three cluster members (real processes sharing PostgreSQL and Redis),
// clients on each placing conflicting pixels (the same 8×8 corner) as fast as they may. Then:
// every member's board and a replay of PostgreSQL's history are byte-identical, and every
// subscriber on every member saw each pixel's colours in the global order (a subsequence of the
// database's history of that pixel: ticks may merge changes, never reorder them).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePlaceBatch, encodeSubscribe } from '../src/protocol/messages.js';
import { TestCanvasClient } from './support/canvas-client.js';
import {
  boardSeenBy, boardsFile, eventually, newClusterRun, readiness, replayFromDatabase, startNode, tearDownCluster, within, type Node,
} from './support/cluster.js';
import { mulberry32 } from './support/random.js';
import { servicesFor } from './support/services.js';

const SIZE = 32;
const CHUNK = 16;
const BOARDS = [{
  id: 'free', title: 'Free', width: SIZE, height: SIZE, chunkSize: CHUNK, palette: ['#FFFFFF', '#222222', '#E50000', '#0000EA', '#02BE01'], background: 0,
  policy: { strokes: true, maxBatch: 100, tileWrites: false, buckets: [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }] },
}];
/** Messages per placer: within a connection's burst of 200. */
const MESSAGES = 150;
const PIXELS_PER_MESSAGE = 5;
const IN_FLIGHT = 16;

/** Sends MESSAGES strokes of conflicting pixels, at most IN_FLIGHT unanswered; resolves with the acknowledged count. */
async function storm(client: TestCanvasClient, seed: number): Promise<number> {
  const next = mulberry32(seed);
  let acked = 0;
  let sent = 0;
  const answered = (id: number) => Promise.race([client.next('ack', (m) => m.requestId === id), client.next('reject', (m) => m.requestId === id)]);
  const inFlight = new Set<Promise<unknown>>();
  while (sent < MESSAGES) {
    const id = ++sent;
    const pixels: number[] = [];
    for (let k = 0; k < PIXELS_PER_MESSAGE; k++) pixels.push(Math.floor(next() * 8), Math.floor(next() * 8), 1 + Math.floor(next() * 4));
    client.send(encodePlaceBatch(id, 0, pixels));
    const answer = answered(id).then((message) => {
      if (message.type === 'ack') acked += message.count;
      inFlight.delete(answer);
    });
    inFlight.add(answer);
    if (inFlight.size >= IN_FLIGHT) await within(Promise.race(inFlight), 60_000, 'an answer');
  }
  await within(Promise.all(inFlight), 60_000, 'the last answers');
  return acked;
}

/** Each pixel's colours as a subscriber saw them, in the order its diffs came. */
function watch(client: TestCanvasClient): Map<number, number[]> {
  const seen = new Map<number, number[]>();
  client.ws.on('message', () => {
    for (const message of client.messages.splice(0)) {
      if (message.type !== 'diff') continue;
      for (const section of message.sections) {
        section.offsets.forEach((offset, i) => {
          const at = (section.cy * CHUNK + Math.floor(offset / CHUNK)) * SIZE + section.cx * CHUNK + (offset % CHUNK);
          let colors = seen.get(at);
          if (!colors) seen.set(at, (colors = []));
          colors.push(section.colors[i]!);
        });
      }
    }
  });
  return seen;
}

function isSubsequence(seen: readonly number[], history: readonly number[]): boolean {
  let at = 0;
  for (const color of seen) {
    while (at < history.length && history[at] !== color) at++;
    if (at === history.length) return false;
  }
  return true;
}

test('three members, conflicting writes: identical boards, PostgreSQL replays to them, one order for every subscriber', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  const run = newClusterRun();
  const nodes: Node[] = [];
  const clients: TestCanvasClient[] = [];
  try {
    const config = boardsFile(dir, BOARDS);
    for (let i = 0; i < 3; i++) nodes.push(await startNode(run, config));
    for (const node of nodes) await eventually('member ready', () => readiness(node), (r) => r.ready);
    const watchers = await Promise.all(nodes.map(async (node) => {
      const watcher = await TestCanvasClient.open(node.wsUrl);
      clients.push(watcher);
      watcher.send(encodeSubscribe(0, [0, 0, 1, 0, 0, 1, 1, 1]));
      for (let i = 0; i < 4; i++) await within(watcher.next('chunk'), 20_000, 'a chunk');
      return watch(watcher);
    }));
    const placers = await Promise.all(nodes.flatMap((node) => [0, 1].map(() => TestCanvasClient.open(node.wsUrl))));
    clients.push(...placers);
    const acked = await Promise.all(placers.map((placer, i) => storm(placer, 1000 + i)));
    const total = acked.reduce((a, b) => a + b, 0);
    assert.is(total, placers.length * MESSAGES * PIXELS_PER_MESSAGE, 'every write acknowledged');

    const database = await replayFromDatabase(run, 'free', SIZE);
    assert.is(database.lastSeq, total, 'every acknowledged pixel is one record in PostgreSQL');
    for (const node of nodes) await eventually('member caught up', () => readiness(node), (r) => r.appliedSeq === database.lastSeq);
    for (const node of nodes) assert.equal(await boardSeenBy(node, 0, SIZE, CHUNK), database.pixels, 'member board = PostgreSQL replay');
    for (const node of nodes) {
      // Other members' writes came through the Redis stream (the database only fills gaps).
      const metrics = await fetch(`${node.url}/metrics`).then((response) => response.text());
      const fromLog = Number(/tessera_cluster_writes_total\{source="log"\} (\d+)/.exec(metrics)?.[1] ?? 0);
      assert.ok(fromLog > 0, `writes from the log: ${fromLog}`);
    }
    // The last diffs leave within a tick of the last write: wait until each watcher's view is the board.
    for (const [i, seen] of watchers.entries()) {
      const view = () => {
        const pixels = new Uint8Array(SIZE * SIZE);
        for (const [at, colors] of seen) pixels[at] = colors[colors.length - 1]!;
        return Promise.resolve(pixels);
      };
      await eventually(`watcher ${i} sees the final board`, view, (pixels) => Buffer.from(pixels).equals(Buffer.from(database.pixels)));
      for (const [at, colors] of seen) {
        assert.ok(isSubsequence(colors, database.history.get(at) ?? []), `watcher ${i}, pixel ${at}: ${colors} in the order of ${database.history.get(at)}`);
      }
    }
  } finally {
    await tearDownCluster(run, nodes, clients, dir);
  }
});

if (await servicesFor('cluster convergence', 'PostgreSQL', 'Redis')) test.run();
