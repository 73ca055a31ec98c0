// The resource budget's cache row, measured (docs/SERVER.md): clients choose what the shared
// caches hold, so asking for far more than they keep must leave them at their byte bounds.
// 1,000 mosaic chunks of noise (the costliest entries) are asked for as raw bytes, gzipped
// bytes, PNGs (500) and CHUNK messages, each kind far past its cache's bound, and the place and pixels boards as
// images; the growth of this process's heap and buffers after collection must stay within the
// caps those caches have (8 + 8 + 16 + 32 MiB + two board images), not the ~200 MiB asked for.
// BUDGET_REPORT=1 prints the figures.
import { randomBytes } from 'node:crypto';
import { Agent, get } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { decodeServerMessage, encodeSubscribe } from '../../src/protocol/messages.js';
import { startApp } from '../support/server.js';
import { assertServed } from './support.js';
import { settledMemory } from '../support/heap.js';

const MiB = 1024 * 1024;
const MOSAIC = 2;
const CHUNKS = 1000;
const PNG_CHUNKS = 500;
const report = process.env.BUDGET_REPORT === '1';

async function heldBytes(): Promise<number> {
  const { heapUsed, arrayBuffers } = await settledMemory();
  return heapUsed + arrayBuffers;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** GETs every path, a few at a time; returns the body bytes received (as sent: gzip stays gzip). */
async function getAll(port: number, paths: string[], acceptEncoding = 'identity'): Promise<number> {
  let received = 0;
  let next = 0;
  const getOne = (path: string) => new Promise<void>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent, headers: { 'Accept-Encoding': acceptEncoding } }, (response) => {
      assert.is(response.statusCode, 200, path);
      response.on('data', (chunk: Buffer) => (received += chunk.length));
      response.on('end', resolve);
    }).on('error', reject);
  });
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < paths.length) await getOne(paths[next++]!);
  }));
  return received;
}

test('caches: asked for ~200 MiB of chunks and images, they keep what their byte bounds allow', async () => {
  const app = await startApp({ dataDir: '' });
  try {
    const boards = app.canvas!.boards;
    const noise = (board: (typeof boards)[number], chunk: number) => {
      const size = board.config.chunkSize;
      const pixels = randomBytes(size * size);
      for (let i = 0; i < pixels.length; i++) pixels[i]! %= board.config.palette.length;
      board.restoreChunk(chunk, 1, pixels);
    };
    for (let chunk = 0; chunk < CHUNKS; chunk++) noise(boards[MOSAIC]!, chunk);
    for (const board of boards.slice(0, 2)) for (let chunk = 0; chunk < board.chunkCount; chunk++) noise(board, chunk);
    const chunkPath = (chunk: number) => `/api/boards/mosaic/chunks/${chunk % 125}/${Math.floor(chunk / 125)}`;
    const chunkPaths = Array.from({ length: CHUNKS }, (_, chunk) => chunkPath(chunk));
    const before = await heldBytes();

    const raw = await getAll(app.port, chunkPaths);
    const gzipped = await getAll(app.port, chunkPaths, 'gzip');
    const pngs = await getAll(app.port, chunkPaths.slice(0, PNG_CHUNKS).map((path) => `${path}.png`));
    const images = await getAll(app.port, ['/api/boards/place/image.png', '/api/boards/pixels/image.png']);
    // CHUNK messages: one viewer subscribes to all 600 chunks and reads every CHUNK.
    const viewer = new WebSocket(`${app.wsUrl}/ws`, 'tessera.v1');
    await new Promise((resolve, reject) => (viewer.once('open', resolve), viewer.once('error', reject)));
    let chunkBytes = 0;
    const all = new Promise<void>((resolve) => {
      let seen = 0;
      viewer.on('message', (data: Buffer) => {
        if (decodeServerMessage(new Uint8Array(data)).type !== 'chunk') return;
        chunkBytes += data.length;
        if (++seen === CHUNKS) resolve();
      });
    });
    viewer.send(encodeSubscribe(MOSAIC, chunkPaths.flatMap((_, chunk) => [chunk % 125, Math.floor(chunk / 125)])));
    await all;
    viewer.close();
    agent.destroy();
    // Each kind asked for well past its cache's bound.
    for (const [kind, bytes, cap] of [['raw', raw, 8], ['gzip', gzipped, 8], ['png', pngs, 16], ['CHUNK', chunkBytes, 32]] as const) {
      assert.ok(bytes > 1.5 * cap * MiB, `${kind}: asked for ${(bytes / MiB).toFixed(1)} MiB, not past its ${cap} MiB`);
    }
    const asked = raw + gzipped + pngs + images + chunkBytes;

    const growth = (await heldBytes()) - before;
    const caps = 8 * MiB + 8 * MiB + 16 * MiB + 32 * MiB + images;
    if (report) console.log(`caches: raw ${(raw / MiB).toFixed(1)}, gzip ${(gzipped / MiB).toFixed(1)}, png ${(pngs / MiB).toFixed(1)}, CHUNK ${(chunkBytes / MiB).toFixed(1)}, images ${(images / MiB).toFixed(1)} MiB`);
    if (report) console.log(`caches: asked for ${(asked / MiB).toFixed(1)} MiB, held ${(growth / MiB).toFixed(1)} MiB (caps of these caches ${(caps / MiB).toFixed(0)} MiB)`);
    assert.ok(growth <= caps + 16 * MiB, `held ${(growth / MiB).toFixed(1)} MiB, caps ${(caps / MiB).toFixed(0)} MiB + 16 for the collector`);
    await assertServed(app.port);
  } finally {
    await app.stop();
  }
});

test.run();
