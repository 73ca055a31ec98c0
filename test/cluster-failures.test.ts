// Issue 12 §3, failures, each with real processes on loopback, bounded in writes and time:
//   - kill -9 of one member mid-storm: no acknowledged write lost; the others (and the killed
//     one's clients, reconnected to another member) see the board PostgreSQL replays to;
//   - Redis restarted mid-storm (a redis-server of the test's own): members stop acknowledging
//     (UNAVAILABLE, /health/ready 503), reconnect, resync, carry on; nothing acknowledged lost;
//   - PostgreSQL unreachable (a relay the test cuts): writes refused as UNAVAILABLE, viewing goes
//     on, not ready; all well again when it returns.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import WebSocket from 'ws';
import { encodePlace, encodePlaceBatch, encodeSubscribe, RejectReason } from '../src/protocol/messages.js';
import { TestCanvasClient } from './support/canvas-client.js';
import {
  boardSeenBy, boardsFile, CuttableProxy, eventually, freePort, newClusterRun, readiness, removeClusterRun, replayFromDatabase,
  startNode, startOwnRedis, within, type ClusterRun, type Node,
} from './support/cluster.js';
import { DATABASE_URL, servicesFor } from './support/services.js';

const SIZE = 256;
const CHUNK = 64;
const BOARDS = [{
  id: 'free', title: 'Free', width: SIZE, height: SIZE, chunkSize: CHUNK, palette: ['#FFFFFF', '#222222', '#E50000', '#0000EA', '#02BE01'], background: 0,
  policy: { strokes: true, maxBatch: 100, tileWrites: false, buckets: [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }] },
}];
const MESSAGES = 120;
const PIXELS = 5;
const IN_FLIGHT = 8;

/** Placer p's k-th pixel of message i: a position no other write uses, so each acknowledged one can be found. */
function pixelsOf(p: number, i: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < PIXELS; k++) {
    const n = (p * 1000 + i) * PIXELS + k;
    out.push(n % SIZE, Math.floor(n / SIZE), 1 + (n % 4));
  }
  return out;
}

interface StormResult {
  acked: number[][];
  rejects: number[];
}

/** Strokes from placer p until all are answered or its connection is gone; onAck after each acknowledgement. */
async function storm(client: TestCanvasClient, p: number, onAck: () => void = () => {}): Promise<StormResult> {
  const result: StormResult = { acked: [], rejects: [] };
  const gone = new Promise<void>((resolve) => client.ws.once('close', () => resolve()));
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < MESSAGES && client.ws.readyState === WebSocket.OPEN; i++) {
    const pixels = pixelsOf(p, i);
    const id = i + 1;
    client.send(encodePlaceBatch(id, 0, pixels));
    const answer = Promise.race([client.next('ack', (m) => m.requestId === id), client.next('reject', (m) => m.requestId === id), gone]).then((message) => {
      if (message && message.type === 'ack') (result.acked.push(pixels), onAck());
      if (message && message.type === 'reject') result.rejects.push(message.reason);
      inFlight.delete(answer);
    });
    inFlight.add(answer);
    if (inFlight.size >= IN_FLIGHT) await within(Promise.race(inFlight), 60_000, `placer ${p}'s answer`);
  }
  await within(Promise.all(inFlight), 60_000, `placer ${p}'s answers`);
  return result;
}

/** Every acknowledged pixel is in PostgreSQL with its colour. */
async function assertNoneLost(run: ClusterRun, results: StormResult[]): Promise<number> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  const { rows } = await client.query<{ x: number; y: number; color: number }>(`SELECT x, y, color FROM "${run.schema}".placements`);
  await client.end();
  const stored = new Set(rows.map((row) => `${row.x},${row.y},${row.color}`));
  let acked = 0;
  for (const { acked: strokes } of results) {
    for (const pixels of strokes) {
      for (let k = 0; k < pixels.length; k += 3) {
        acked++;
        assert.ok(stored.has(`${pixels[k]},${pixels[k + 1]},${pixels[k + 2]}`), `acknowledged pixel ${pixels.slice(k, k + 3)} is stored`);
      }
    }
  }
  return acked;
}

/** Every live member caught up with PostgreSQL and showing the board its history replays to. */
async function assertConverged(run: ClusterRun, nodes: Node[]): Promise<void> {
  const database = await replayFromDatabase(run, 'free', SIZE);
  for (const node of nodes) await eventually('member caught up', () => readiness(node), (r) => r.ready && r.appliedSeq === database.lastSeq);
  for (const node of nodes) assert.ok(Buffer.from(await boardSeenBy(node, 0, SIZE, CHUNK)).equals(Buffer.from(database.pixels)), 'member board = PostgreSQL replay');
}

const open = (node: Node) => TestCanvasClient.open(node.wsUrl);

interface Scene {
  run: ClusterRun;
  nodes: Node[];
  clients: TestCanvasClient[];
  config: string;
}

/** Runs `body` with `count` ready members; stops everything afterwards. */
async function scene(count: number, run: ClusterRun, body: (scene: Scene) => Promise<void>, redisUrl?: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  const s: Scene = { run, nodes: [], clients: [], config: boardsFile(dir, BOARDS) };
  try {
    for (let i = 0; i < count; i++) s.nodes.push(await startNode(run, s.config, [], redisUrl));
    for (const node of s.nodes) await eventually('member ready', () => readiness(node), (r) => r.ready);
    await body(s);
  } finally {
    await Promise.all(s.clients.map((client) => client.close()));
    for (const node of s.nodes) node.child.kill('SIGTERM');
    await Promise.all(s.nodes.map((node) => node.exited));
    await removeClusterRun(run);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('kill -9 of one member mid-storm: no acknowledged write lost, its clients carry on elsewhere', async () => {
  await scene(3, newClusterRun(), async ({ run, nodes, clients }) => {
    const placers = await Promise.all(nodes.flatMap((node) => [open(node), open(node)]));
    clients.push(...placers);
    let victimAcks = 0;
    const victim = nodes[0]!;
    const results = await Promise.all(placers.map((placer, p) => storm(placer, p, () => {
      if (p < 2 && ++victimAcks === 30) victim.child.kill('SIGKILL');
    })));
    assert.is(await victim.exited, null, 'killed');
    assert.ok(results[0]!.acked.length + results[1]!.acked.length < 2 * MESSAGES, 'the victim died mid-storm');
    // Its clients come back through another member and go on writing.
    const again = await open(nodes[1]!);
    clients.push(again);
    const after = await storm(again, 6);
    assert.is(after.acked.length, MESSAGES);
    const acked = await assertNoneLost(run, [...results, after]);
    assert.ok(acked > 2000, `acknowledged ${acked}`);
    await assertConverged(run, nodes.slice(1));
  });
});

test('Redis restarted mid-storm: writes refused as UNAVAILABLE and not ready meanwhile; then resync and carry on', async () => {
  const port = await freePort();
  let redis = await startOwnRedis(port);
  const redisUrl = `redis://127.0.0.1:${port}`;
  const run = newClusterRun(redisUrl);
  try {
    await scene(2, run, async ({ nodes, clients }) => {
      const placers = await Promise.all(nodes.flatMap((node) => [open(node), open(node)]));
      clients.push(...placers);
      let acks = 0;
      const stopped = new Promise<void>((resolve) => redis.once('exit', () => resolve()));
      const first = await Promise.all(placers.map((placer, p) => storm(placer, p, () => {
        if (++acks === 60) redis.kill('SIGKILL');
      })));
      await stopped;
      for (const node of nodes) await eventually('not ready without Redis', () => readiness(node), (r) => r.status === 503 && !r.ready);
      const rejects = first.flatMap((r) => r.rejects);
      assert.ok(rejects.every((reason) => reason === RejectReason.UNAVAILABLE), `reasons ${[...new Set(rejects)]}`);
      const probe = await open(nodes[0]!);
      clients.push(probe);
      probe.send(encodePlace(1, 0, 255, 255, 1));
      assert.is((await within(probe.next('reject'), 20_000, 'the probe\'s refusal')).reason, RejectReason.UNAVAILABLE);

      redis = await startOwnRedis(port); // empty: the stream is gone
      for (const node of nodes) await eventually('ready again', () => readiness(node), (r) => r.ready, 30_000);
      const fresh = await Promise.all(nodes.flatMap((node) => [open(node), open(node)]));
      clients.push(...fresh);
      const second = await Promise.all(fresh.map((placer, p) => storm(placer, 4 + p)));
      assert.ok(second.every((r) => r.acked.length === MESSAGES), 'all acknowledged after the restart');
      await assertNoneLost(run, [...first, ...second]);
      await assertConverged(run, nodes);
    }, redisUrl);
  } finally {
    redis.kill('SIGKILL');
  }
});

test('PostgreSQL unreachable: writes refused as UNAVAILABLE, viewing goes on, not ready; recovery when it returns', async () => {
  const database = new URL(DATABASE_URL);
  const proxy = new CuttableProxy({ host: database.hostname, port: Number(database.port || 5432) });
  const run = newClusterRun(undefined, await proxy.listen());
  try {
    await scene(2, run, async ({ nodes, clients }) => {
      const viewer = await open(nodes[1]!);
      clients.push(viewer);
      viewer.send(encodeSubscribe(0, [0, 1])); // where the second storm writes (placer 4: rows 78–80)
      await viewer.next('chunk');
      const placers = await Promise.all(nodes.flatMap((node) => [open(node), open(node)]));
      clients.push(...placers);
      let acks = 0;
      const first = await Promise.all(placers.map((placer, p) => storm(placer, p, () => {
        if (++acks === 60) proxy.setCut(true);
      })));
      for (const node of nodes) await eventually('not ready without the database', () => readiness(node), (r) => r.status === 503);
      const rejects = first.flatMap((r) => r.rejects);
      assert.ok(rejects.length > 0 && rejects.every((reason) => reason === RejectReason.UNAVAILABLE), `reasons ${[...new Set(rejects)]}`);
      // Reading and viewing go on: a new viewer gets the board, the old one is still connected.
      const seen = await boardSeenBy(nodes[0]!, 0, SIZE, CHUNK);
      assert.ok(seen.some((color) => color !== 0), 'the board as it was');
      assert.is((await fetch(`${nodes[0]!.url}/health`)).status, 200, 'alive');
      assert.is(viewer.ws.readyState, WebSocket.OPEN);

      proxy.setCut(false);
      for (const node of nodes) await eventually('ready again', () => readiness(node), (r) => r.ready, 30_000);
      viewer.messages.length = 0;
      const fresh = await Promise.all(nodes.flatMap((node) => [open(node), open(node)]));
      clients.push(...fresh);
      const second = await Promise.all(fresh.map((placer, p) => storm(placer, 4 + p)));
      assert.ok(second.every((r) => r.acked.length === MESSAGES), 'all acknowledged after recovery');
      await within(viewer.next('diff'), 20_000, 'a diff for the viewer who stayed'); // live updates go on
      await assertNoneLost(run, [...first, ...second]);
      await assertConverged(run, nodes);
    });
  } finally {
    await proxy.close();
  }
});

if (await servicesFor('cluster failures', 'PostgreSQL', 'Redis')) test.run();
