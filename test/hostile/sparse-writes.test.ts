// Issue 9 F5: a write costs what it makes the board allocate. One pixel in an
// empty chunk of the mosaic allocates the whole chunk (256² bytes), so 16
// strokes of 1,024 pixels, one per chunk, took the 32000² mosaic from 60 MB to
// 1.07 GB. Now such writes are charged per new chunk against the mosaic's
// 'chunk' bucket, and every board may cap its allocation (policy.maxChunks); and a chunk
// holds only the 32×32 blocks written in it until over a quarter of them are, so those
// chunks cost a block (1 KiB) each, not 64 KiB.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAppConfig } from '../../src/config/load.js';
import { encodePlace, encodePlaceBatch, RejectReason } from '../../src/protocol/messages.js';
import { TestCanvasClient } from '../support/canvas-client.js';
import { startApp } from '../support/server.js';
import { assertServed } from './support.js';

const MOSAIC = 2; // config/default.json: place, pixels, mosaic
const MOSAIC_CHUNKS_PER_ROW = 125; // 32000 / 256
const MOSAIC_CHUNKS = 125 * 125;

/** A stroke of one pixel in each of `count` chunks, from chunk `first` on (row-major, wrapping). */
function onePixelPerChunk(first: number, count: number): number[] {
  const pixels: number[] = [];
  for (let n = first; n < first + count; n++) {
    const i = n % MOSAIC_CHUNKS;
    pixels.push((i % MOSAIC_CHUNKS_PER_ROW) * 256 + 7, Math.floor(i / MOSAIC_CHUNKS_PER_ROW) * 256 + 9, 5);
  }
  return pixels;
}

async function answer(client: TestCanvasClient, requestId: number) {
  return Promise.race([client.next('ack', (m) => m.requestId === requestId), client.next('reject', (m) => m.requestId === requestId)]);
}

test('mosaic: 16 strokes of one pixel per empty chunk allocate no more than the IP\'s chunk bucket', async () => {
  const app = await startApp();
  const mosaic = app.canvas!.boards[MOSAIC]!;
  try {
    const attacker = await TestCanvasClient.open(`${app.wsUrl}/ws`);
    const answers = [];
    for (let n = 0; n < 16; n++) {
      attacker.send(encodePlaceBatch(n + 1, MOSAIC, onePixelPerChunk(n * 1024, 1024)));
      answers.push(await answer(attacker, n + 1));
    }
    // 1,024 new chunks is more than the bucket holds: such a stroke never passes.
    for (const a of answers) assert.equal(a.type === 'reject' && a.reason, RejectReason.NOT_ALLOWED, JSON.stringify(a));
    assert.is(mosaic.allocatedChunks, 0, 'nothing allocated');
    // Strokes of 16 new chunks pass until the bucket (32) is spent.
    const results = [];
    for (let n = 0; n < 3; n++) {
      attacker.send(encodePlaceBatch(100 + n, MOSAIC, onePixelPerChunk(n * 16, 16)));
      results.push(await answer(attacker, 100 + n));
    }
    assert.equal(results.map((r) => r.type), ['ack', 'ack', 'reject']);
    assert.is(results[2]!.type === 'reject' && results[2]!.reason, RejectReason.RATE_LIMITED);
    assert.is(mosaic.allocatedChunks, 32);
    // 32 one-pixel chunks hold 32 blocks and their slot tables: 36 KiB (64 KiB each before).
    assert.is(mosaic.pixelBytes, 32 * (1024 + 128));
    assert.is(mosaic.allocatedBlocks, 32);
    // Writing where pixels already are allocates nothing and costs no chunk token.
    attacker.send(encodePlaceBatch(200, MOSAIC, onePixelPerChunk(0, 20)));
    assert.is((await answer(attacker, 200)).type, 'ack');
    assert.is(mosaic.allocatedChunks, 32);
    await attacker.close();
    await assertServed(app.port);
  } finally {
    await app.stop();
  }
});

test('policy.maxChunks caps what writes may allocate; writes to allocated chunks go on', async () => {
  const config = parseAppConfig({
    boards: [{
      id: 'capped', title: 'Capped', width: 1024, height: 1024, chunkSize: 64, palette: ['#FFFFFF', '#000000'], background: 0,
      policy: { strokes: true, maxBatch: 100, maxChunks: 4, buckets: [{ key: 'ip', capacity: 1000, refillPerSecond: 1000, unit: 'pixel' }] },
    }],
  });
  const app = await startApp({}, config);
  const board = app.canvas!.boards[0]!;
  try {
    const client = await TestCanvasClient.open(`${app.wsUrl}/ws`);
    // Three chunks, then a stroke that would take the board to 5: refused whole.
    client.send(encodePlaceBatch(1, 0, [0, 0, 1, 64, 0, 1, 128, 0, 1]));
    assert.is((await answer(client, 1)).type, 'ack');
    client.send(encodePlaceBatch(2, 0, [192, 0, 1, 256, 0, 1]));
    const refused = await answer(client, 2);
    assert.is(refused.type === 'reject' && refused.reason, RejectReason.NOT_ALLOWED);
    assert.is(board.getPixel(192, 0), 0, 'all or nothing');
    client.send(encodePlace(3, 0, 192, 0, 1));
    assert.is((await answer(client, 3)).type, 'ack', 'the fourth chunk');
    client.send(encodePlace(4, 0, 1000, 1000, 1));
    assert.is((await answer(client, 4)).type, 'reject', 'no fifth');
    client.send(encodePlace(5, 0, 5, 5, 1));
    assert.is((await answer(client, 5)).type, 'ack', 'allocated chunks stay writable');
    assert.is(board.allocatedChunks, 4);
    // The HTTP API goes through the same pipeline.
    const response = await fetch(`http://127.0.0.1:${app.port}/api/boards/capped/pixels`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ x: 900, y: 900, color: 1 }),
    });
    assert.is(response.status, 403);
    assert.is(((await response.json()) as { error: string }).error, 'NOT_ALLOWED');
    await client.close();
    await assertServed(app.port);
  } finally {
    await app.stop();
  }
});

test.run();
