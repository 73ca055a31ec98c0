// Issue 12 §2, state shared by the members: an IP's rate-limit bucket is one across the cluster
// (writing through another member gets no more tokens, which each member's own buckets alone
// would give), and ONLINE counts every member's viewers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePlace, encodeSubscribe, RejectReason } from '../src/protocol/messages.js';
import { TestCanvasClient } from './support/canvas-client.js';
import { boardsFile, eventually, tearDownCluster, newClusterRun, readiness, startNode, within, type Node } from './support/cluster.js';
import { servicesFor } from './support/services.js';

const BOARDS = [{
  id: 'strict', title: 'Strict', width: 32, height: 32, chunkSize: 16, palette: ['#FFFFFF', '#222222'], background: 0,
  policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: [{ key: 'ip', capacity: 3, refillPerSecond: 0.001, unit: 'pixel' }] },
}];

test('three pixels through one member spend the IP\'s bucket for every member', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  const run = newClusterRun();
  const nodes: Node[] = [];
  const clients: TestCanvasClient[] = [];
  try {
    const config = boardsFile(dir, BOARDS);
    for (let i = 0; i < 2; i++) nodes.push(await startNode(run, config));
    for (const node of nodes) await eventually('member ready', () => readiness(node), (r) => r.ready);
    const [first, second] = await Promise.all(nodes.map((node) => TestCanvasClient.open(node.wsUrl)));
    clients.push(first!, second!);
    for (let i = 1; i <= 3; i++) {
      first!.send(encodePlace(i, 0, i, 0, 1));
      assert.is((await within(first!.next('ack', (m) => m.requestId === i), 10_000, 'ack')).count, 1);
    }
    second!.send(encodePlace(1, 0, 9, 9, 1));
    const refusal = await within(second!.next('reject'), 10_000, 'the refusal');
    assert.is(refusal.reason, RejectReason.RATE_LIMITED);
    assert.ok(refusal.retryAfterMs > 0, `retry after ${refusal.retryAfterMs} ms`);
    first!.send(encodePlace(4, 0, 8, 8, 1));
    assert.is((await within(first!.next('reject'), 10_000, 'the refusal')).reason, RejectReason.RATE_LIMITED);
  } finally {
    await tearDownCluster(run, nodes, clients, dir);
  }
});

test('ONLINE counts the viewers of every member', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  const run = newClusterRun();
  const nodes: Node[] = [];
  const clients: TestCanvasClient[] = [];
  try {
    const config = boardsFile(dir, BOARDS);
    for (let i = 0; i < 2; i++) nodes.push(await startNode(run, config));
    for (const node of nodes) await eventually('member ready', () => readiness(node), (r) => r.ready);
    for (const node of [nodes[0]!, nodes[1]!, nodes[1]!]) {
      const viewer = await TestCanvasClient.open(node.wsUrl);
      viewer.send(encodeSubscribe(0, [0, 0])); // a viewer of the board is one that watches some of it
      await within(viewer.next('chunk'), 10_000, 'the chunk');
      clients.push(viewer);
    }
    // Member 0 has one viewer of its own: 3 can only come from member 1's.
    const everyone = await within(clients[0]!.next('online', (m) => m.entries[0]!.count === 3), 10_000, 'ONLINE with every member\'s viewers');
    assert.is(everyone.entries[0]!.count, 3);
    await clients.pop()!.close();
    await within(clients[0]!.next('online', (m) => m.entries[0]!.count === 2), 10_000, 'ONLINE after one left');
  } finally {
    await tearDownCluster(run, nodes, clients, dir);
  }
});

if (await servicesFor('cluster shared state', 'PostgreSQL', 'Redis')) test.run();
