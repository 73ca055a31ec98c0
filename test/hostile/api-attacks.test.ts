// The HTTP API attacked with hostile bodies: PNG bombs in tile uploads (a header claiming a
// huge image, image data that inflates far past the tile, interlacing) and JSON built to
// confuse (wrong types, huge numbers, `__proto__` and `constructor` keys, deep nesting).
// Each gets its documented answer (docs/API.md), nothing leaks into Object.prototype, the
// server's memory does not follow the bomb, and a normal client is served afterwards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deflateSync } from 'node:zlib';
import { startApp, type RunningServer } from '../support/server.js';
import { assertServed } from './support.js';

const TILE = 32; // the mosaic's tileSize
const MiB = 1024 * 1024;

let app: RunningServer;
test.before(async () => {
  app = await startApp();
});
test.after(async () => {
  await app.stop();
});

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
/** A PNG (RGBA, 8 bits) whose header says width × height and whose image data is `idat`, already deflated. */
function png(width: number, height: number, idat: Buffer, interlace = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 6, 0, 0, interlace], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

async function putTile(body: Buffer): Promise<{ status: number; error: string }> {
  const response = await fetch(`http://127.0.0.1:${app.port}/api/boards/mosaic/tiles/3/3`, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body });
  const json = (await response.json()) as { error?: string };
  return { status: response.status, error: json.error ?? '' };
}

test('PNG bombs: a huge claimed size is WRONG_SIZE; data inflating far past the tile and interlacing are BAD_PNG; memory does not follow', async () => {
  // 60 MB of zeros deflate to ~58 KB: under the 64 KiB body limit, 15,000 times the tile's 4 KiB.
  const bomb = deflateSync(Buffer.alloc(60_000_000));
  assert.ok(bomb.length < 64 * 1024, `the bomb fits a request: ${bomb.length} bytes`);
  const rssBefore = process.memoryUsage().rss;
  assert.equal(await putTile(png(65535, 65535, bomb)), { status: 400, error: 'WRONG_SIZE' });
  const inflating = await putTile(png(TILE, TILE, bomb));
  assert.equal(inflating, { status: 400, error: 'BAD_PNG' });
  const interlaced = png(TILE, TILE, deflateSync(Buffer.alloc(TILE * (TILE * 4 + 1))), 1);
  assert.equal(await putTile(interlaced), { status: 400, error: 'BAD_PNG' });
  const grown = process.memoryUsage().rss - rssBefore;
  assert.ok(grown < 32 * MiB, `RSS grew ${(grown / MiB).toFixed(1)} MiB for a 60 MB bomb`);
  await assertServed(app.port);
});

test('JSON type confusion and prototype keys are BAD_JSON; nothing reaches Object.prototype', async () => {
  const cases: [string, string][] = [
    ['{"x":"1","y":2,"color":1}', 'BAD_JSON'],
    ['{"x":1,"y":2,"color":true}', 'BAD_JSON'],
    ['{"x":1e400,"y":2,"color":1}', 'INVALID_COORDS'], // a number, Infinity: not on the board
    ['{"x":1.5,"y":2,"color":1}', 'INVALID_COORDS'],
    ['{"x":[1],"y":2,"color":1}', 'BAD_JSON'],
    ['{"x":{"valueOf":1},"y":2,"color":1}', 'BAD_JSON'],
    ['{"x":1,"y":2,"color":1,"__proto__":{"polluted":1}}', 'BAD_JSON'],
    ['{"__proto__":{"x":1,"y":2,"color":1}}', 'BAD_JSON'],
    ['{"constructor":{"prototype":{"polluted":1}},"x":1,"y":2,"color":1}', 'BAD_JSON'],
    ['['.repeat(500) + ']'.repeat(500), 'BAD_JSON'],
    ['{"x":1,"y":2,"color":1}x', 'BAD_JSON'],
  ];
  for (const [body, error] of cases) {
    const response = await fetch(`http://127.0.0.1:${app.port}/api/boards/place/pixels`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const json = (await response.json()) as { error: string };
    assert.is(`${response.status} ${json.error}`, `400 ${error}`, body.slice(0, 60));
  }
  assert.is(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  await assertServed(app.port);
});

test.run();
