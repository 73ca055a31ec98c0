// The HTTP API of docs/API.md on the wire: a real server on three small boards,
// driven with fetch, raw sockets (to see gzip bytes as sent) and the `ws` client.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { gunzipSync } from 'node:zlib';
import pngjs from 'pngjs';
import WebSocket from 'ws';
import { parseAppConfig, type AppConfig } from '../src/config/load.js';
import { decodeServerMessage, encodeSubscribe, type DiffMessage, type ServerMessage } from '../src/protocol/messages.js';
import { exchange, parseResponses } from './support/raw.js';
import { createApp } from '../src/app/app.js';
import { RenderWorkerError } from '../src/canvas/render/index.js';
import { createLogger } from '../src/telemetry/log.js';
import { startApp, testConfig, type RunningServer } from './support/server.js';

const { PNG } = pngjs;

const COLORS = ['#FFFFFF', '#000000', '#FF0000', '#0000FF'];
const RGB = [[255, 255, 255], [0, 0, 0], [255, 0, 0], [0, 0, 255]];
const BLUE = 3; // tiny's background, so padding is visibly not 0
const COOLDOWN = [{ key: 'session', capacity: 1, refillPerSecond: 0.001, unit: 'pixel' }];

// tiny: 20×20 in chunks of 8 (edge chunks are 4 wide/high); one pixel per session, then a long wait.
// wide: 5000×10, too wide for image.png, six overview levels; no limits.
// tiled: 64×64 in chunks of 32, tiles of 8; two writes per tile, then a long wait.
function apiConfig(): AppConfig {
  const board = (id: string, width: number, height: number, chunkSize: number, extra: Record<string, unknown>) => ({
    id, title: id, width, height, chunkSize, palette: COLORS, background: 0, ...extra,
  });
  return parseAppConfig({
    server: { tickRateHz: 50 },
    boards: [
      board('tiny', 20, 20, 8, { background: BLUE, policy: { strokes: false, maxBatch: 1, buckets: COOLDOWN } }),
      board('wide', 5000, 10, 100, { policy: { strokes: false, maxBatch: 1, buckets: [] } }),
      board('tiled', 64, 64, 32, {
        tileSize: 8,
        policy: { strokes: false, maxBatch: 1, tileWrites: true, buckets: [{ key: 'tile', capacity: 2, refillPerSecond: 0.001, unit: 'write' }] },
      }),
    ],
  });
}

let app: RunningServer;
test.before(async () => {
  app = await startApp({}, apiConfig());
});
test.after(() => app.stop());

const url = (path: string) => `${app.httpUrl}${path}`;
// Response bodies are checked field by field.
const json = (response: Response): Promise<any> => response.json();
const get = (path: string, headers: Record<string, string> = {}) => fetch(url(path), { headers, redirect: 'manual' });

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url(path), { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function errorOf(response: Response): Promise<{ error: string; message: string; [key: string]: unknown }> {
  assert.is(response.headers.get('content-type'), 'application/json');
  assert.is(response.headers.get('cache-control'), 'no-store', 'an error is never cached');
  const body = await json(response);
  assert.type(body.error, 'string');
  assert.type(body.message, 'string');
  return body;
}

async function chunkBytes(board: string, cx: number, cy: number): Promise<Uint8Array> {
  const response = await get(`/api/boards/${board}/chunks/${cx}/${cy}`);
  assert.is(response.status, 200);
  return new Uint8Array(await response.arrayBuffer());
}

function decodePng(bytes: ArrayBuffer): { width: number; height: number; rgbAt(x: number, y: number): number[] } {
  const png = PNG.sync.read(Buffer.from(bytes));
  return {
    width: png.width,
    height: png.height,
    rgbAt: (x, y) => [...png.data.subarray((y * png.width + x) * 4, (y * png.width + x) * 4 + 3)],
  };
}

function pngOf(size: number, rgba: (x: number, y: number) => number[]): Buffer {
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data.set(rgba(x, y), (y * size + x) * 4);
  return PNG.sync.write({ width: size, height: size, data });
}

// ---- reading ----

test('GET /api/boards lists every board as HELLO describes it', async () => {
  const response = await get('/api/boards');
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'application/json');
  const boards = await json(response);
  assert.equal(boards.map((b: { id: string }) => b.id), ['tiny', 'wide', 'tiled']);
  const [tiny, , tiled] = boards;
  assert.equal(Object.keys(tiny).sort(), ['background', 'chunkSize', 'height', 'id', 'index', 'palette', 'policy', 'tileSize', 'title', 'width']);
  assert.equal(tiny.palette, COLORS);
  assert.is(tiny.index, 0);
  assert.is(tiny.background, BLUE);
  assert.is(tiny.tileSize, null);
  assert.is(tiled.tileSize, 8);
  assert.is(tiled.policy.tileWrites, true);

  const one = await get('/api/boards/tiled');
  assert.equal(await one.json(), tiled);
  const missing = await get('/api/boards/nope');
  assert.is(missing.status, 404);
  assert.is((await errorOf(missing)).error, 'BOARD_NOT_FOUND');
});

test('GET chunk: chunkSize² palette indices, edge chunks padded with the background', async () => {
  const response = await get('/api/boards/tiny/chunks/2/2');
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'application/octet-stream');
  const bytes = new Uint8Array(await response.arrayBuffer());
  assert.is(bytes.length, 64);
  assert.ok(bytes.every((b) => b === BLUE));
});

test('GET chunk: bad coordinates are 400, coordinates off the board 404, unknown boards 404', async () => {
  const cases: [string, number, string][] = [
    ['/api/boards/tiny/chunks/x/0', 400, 'BAD_PARAMETER'],
    ['/api/boards/tiny/chunks/-1/0', 400, 'BAD_PARAMETER'],
    ['/api/boards/tiny/chunks/1.5/0', 400, 'BAD_PARAMETER'],
    ['/api/boards/tiny/chunks/3/0', 404, 'CHUNK_NOT_FOUND'],
    ['/api/boards/tiny/chunks/0/3.png', 404, 'CHUNK_NOT_FOUND'],
    ['/api/boards/nope/chunks/0/0', 404, 'BOARD_NOT_FOUND'],
  ];
  for (const [path, status, code] of cases) {
    const response = await get(path);
    assert.is(response.status, status, path);
    assert.is((await errorOf(response)).error, code, path);
  }
});

test('POST a pixel: 200 with a session cookie, and the pixel is in the chunk', async () => {
  const response = await post('/api/boards/tiny/pixels', { x: 3, y: 2, color: 2 }, { 'Content-Type': 'application/json' });
  assert.is(response.status, 200);
  assert.equal(await response.json(), { ok: true, count: 1, color: 2 });
  assert.match(response.headers.get('set-cookie') ?? '', /^tessera_session=[\w-]{22}; /);
  const bytes = await chunkBytes('tiny', 0, 0);
  assert.is(bytes[2 * 8 + 3], 2);
  assert.is(bytes[0], BLUE);
});

test('chunk ETag follows the version: 304 while unchanged, 200 with a new tag after a write', async () => {
  const first = await get('/api/boards/tiny/chunks/1/0', { 'Accept-Encoding': 'identity' });
  const etag = first.headers.get('etag')!;
  assert.match(etag, /^"[^"]+"$/);
  assert.is(first.headers.get('cache-control'), 'no-cache');
  const again = await get('/api/boards/tiny/chunks/1/0', { 'If-None-Match': etag, 'Accept-Encoding': 'identity' });
  assert.is(again.status, 304);
  assert.is(again.headers.get('etag'), etag);
  assert.is((await again.arrayBuffer()).byteLength, 0);

  assert.is((await post('/api/boards/tiny/pixels', { x: 9, y: 1, color: 1 })).status, 200);
  const changed = await get('/api/boards/tiny/chunks/1/0', { 'If-None-Match': etag, 'Accept-Encoding': 'identity' });
  assert.is(changed.status, 200);
  assert.is.not(changed.headers.get('etag'), etag);
  assert.is(new Uint8Array(await changed.arrayBuffer())[1 * 8 + 1], 1);
});

test('chunk bytes are gzipped for clients that accept gzip', async () => {
  assert.is((await post('/api/boards/tiny/pixels', { x: 17, y: 17, color: 0 })).status, 200);
  const request = (encoding: string) =>
    `GET /api/boards/tiny/chunks/2/2 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ${encoding}\r\nConnection: close\r\n\r\n`;
  const [plain] = parseResponses(await exchange(app.port, request('identity')));
  const [zipped] = parseResponses(await exchange(app.port, request('gzip, deflate')));
  assert.is(plain!.headers.get('content-encoding'), undefined);
  assert.is(zipped!.headers.get('content-encoding'), 'gzip');
  assert.is(zipped!.headers.get('vary'), 'Accept-Encoding');
  assert.equal(gunzipSync(zipped!.body), plain!.body);
  assert.is(plain!.body[1 * 8 + 1], 0);
  // The same version in both codings: the gzipped tag is the weak form of the plain one.
  assert.is(zipped!.headers.get('etag'), `W/${plain!.headers.get('etag')}`);
  const [cached] = parseResponses(await exchange(app.port, request('gzip')));
  assert.equal(cached!.body, zipped!.body);
});

test('chunk PNG: the chunk cropped to the board, in palette RGB, with an ETag', async () => {
  assert.is((await post('/api/boards/tiny/pixels', { x: 18, y: 9, color: 2 })).status, 200);
  const response = await get('/api/boards/tiny/chunks/2/1.png');
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'image/png');
  const image = decodePng(await response.arrayBuffer());
  assert.is(image.width, 4);
  assert.is(image.height, 8);
  assert.equal(image.rgbAt(2, 1), RGB[2]);
  assert.equal(image.rgbAt(0, 0), RGB[BLUE]);
  const again = await get('/api/boards/tiny/chunks/2/1.png', { 'If-None-Match': response.headers.get('etag')! });
  assert.is(again.status, 304);
});

test('image.png: the whole board, with an ETag that moves with every write', async () => {
  assert.is((await post('/api/boards/tiny/pixels', { x: 12, y: 19, color: 0 })).status, 200);
  const response = await get('/api/boards/tiny/image.png');
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'image/png');
  const etag = response.headers.get('etag')!;
  const image = decodePng(await response.arrayBuffer());
  assert.is(image.width, 20);
  assert.is(image.height, 20);
  assert.equal(image.rgbAt(12, 19), RGB[0]);
  assert.equal(image.rgbAt(0, 19), RGB[BLUE]);
  assert.is((await get('/api/boards/tiny/image.png', { 'If-None-Match': etag })).status, 304);
  assert.is((await post('/api/boards/tiny/pixels', { x: 0, y: 19, color: 1 })).status, 200);
  const changed = await get('/api/boards/tiny/image.png', { 'If-None-Match': etag });
  assert.is(changed.status, 200);
  assert.equal(decodePng(await changed.arrayBuffer()).rgbAt(0, 19), RGB[1]);
});

test('image.png of a board over 4096 pixels wide is 400, pointing at the overview', async () => {
  const response = await get('/api/boards/wide/image.png');
  assert.is(response.status, 400);
  const body = await errorOf(response);
  assert.is(body.error, 'IMAGE_TOO_LARGE');
  assert.is(body.overview, '/api/boards/wide/overview');
  assert.match(body.message, /overview/);
});

test('overview: info, versions, and tiles at versioned, immutable URLs', async () => {
  const info = await json(await get('/api/boards/wide/overview'));
  assert.is(info.levels, 6); // 5000 / 2^5 = 157 ≤ 256
  assert.is(info.tilePixels, 256);
  assert.equal(info.tiles[0], { level: 0, scale: 1, width: 5000, height: 10, tilesX: 20, tilesY: 1 });
  assert.equal(info.tiles[5], { level: 5, scale: 32, width: 157, height: 1, tilesX: 1, tilesY: 1 });
  assert.is(info.tileUrl, '/api/boards/wide/overview/{level}/{tx}/{ty}.png?v={v}');
  assert.is(info.versionsUrl, '/api/boards/wide/overview/{level}/versions');

  const bare = await get('/api/boards/wide/overview/0/1/0.png');
  assert.is(bare.status, 302);
  const location = bare.headers.get('location')!;
  assert.match(location, /^\/api\/boards\/wide\/overview\/0\/1\/0\.png\?v=[\w-]+$/);
  const versions = await json(await get('/api/boards/wide/overview/0/versions'));
  assert.is(versions.tilesX, 20);
  assert.is(versions.v.length, 20);
  assert.is(`/api/boards/wide/overview/0/1/0.png?v=${versions.v[1]}`, location);

  const tile = await get(location);
  assert.is(tile.status, 200);
  assert.is(tile.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.is(tile.headers.get('content-type'), 'image/png');
  const image = decodePng(await tile.arrayBuffer());
  assert.is(image.width, 256);
  assert.is(image.height, 10);
  assert.equal(image.rgbAt(0, 0), RGB[0]);

  // A write under the tile moves its version: the old URL now redirects to the new one.
  assert.is((await post('/api/boards/wide/pixels', { x: 256 + 50, y: 3, color: 2 })).status, 200);
  const stale = await get(location);
  assert.is(stale.status, 302);
  const fresh = stale.headers.get('location')!;
  assert.is.not(fresh, location);
  const updated = decodePng(await (await get(fresh)).arrayBuffer());
  assert.equal(updated.rgbAt(50, 3), RGB[2]);
  // Tile 0 (x 0..255, chunks 0..2) shares no chunk with x = 306 (chunk 3): its version did not move.
  assert.is((await json(await get('/api/boards/wide/overview/0/versions'))).v[0], versions.v[0]);

  for (const path of ['/api/boards/wide/overview/6/0/0.png', '/api/boards/wide/overview/0/20/0.png', '/api/boards/wide/overview/9/versions']) {
    const missing = await get(path);
    assert.is(missing.status, 404, path);
    assert.is((await errorOf(missing)).error, 'TILE_NOT_FOUND', path);
  }
});

// ---- writing pixels ----

function openCanvas(): Promise<{ ws: WebSocket; next(predicate: (m: ServerMessage) => boolean): Promise<ServerMessage> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${app.wsUrl}/ws`, 'tessera.v1');
    const received: ServerMessage[] = [];
    let waiter: { predicate: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void } | null = null;
    ws.on('message', (data: Buffer) => {
      const message = decodeServerMessage(new Uint8Array(data));
      if (message.type === 'fault') return;
      if (waiter?.predicate(message)) {
        waiter.resolve(message);
        waiter = null;
      } else {
        received.push(message);
      }
    });
    const next = (predicate: (m: ServerMessage) => boolean) => {
      const index = received.findIndex(predicate);
      if (index !== -1) return Promise.resolve(received.splice(index, 1)[0]!);
      return new Promise<ServerMessage>((done) => (waiter = { predicate, resolve: done }));
    };
    ws.once('open', () => resolve({ ws, next }));
    ws.once('error', reject);
  });
}

test('a pixel POSTed over HTTP reaches WebSocket subscribers in a DIFF', async () => {
  const { ws, next } = await openCanvas();
  await next((m) => m.type === 'hello');
  ws.send(encodeSubscribe(0, [1, 1]));
  await next((m) => m.type === 'chunk');
  assert.is((await post('/api/boards/tiny/pixels', { x: 9, y: 10, color: 2 })).status, 200);
  const diff = (await next((m) => m.type === 'diff' && m.sections.some((s) => s.cx === 1 && s.cy === 1))) as DiffMessage;
  const section = diff.sections.find((s) => s.board === 0 && s.cx === 1 && s.cy === 1)!;
  const at = [...section.offsets].indexOf((10 - 8) * 8 + (9 - 8));
  assert.ok(at !== -1);
  assert.is(section.colors[at], 2);
  ws.close();
});

test('a second pixel within the cooldown is 429 with Retry-After', async () => {
  const first = await post('/api/boards/tiny/pixels', { x: 1, y: 1, color: 1 });
  assert.is(first.status, 200);
  const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
  const second = await post('/api/boards/tiny/pixels', { x: 1, y: 2, color: 1 }, { Cookie: cookie });
  assert.is(second.status, 429);
  assert.is(second.headers.get('set-cookie'), null); // the session is known now
  const body = await errorOf(second);
  assert.is(body.error, 'RATE_LIMITED');
  assert.type(body.retryAfterMs, 'number');
  assert.ok((body.retryAfterMs as number) > 900_000);
  assert.is(second.headers.get('retry-after'), String(Math.ceil((body.retryAfterMs as number) / 1000)));
  assert.is((await chunkBytes('tiny', 0, 0))[2 * 8 + 1], BLUE);
});

test('POST pixel: refusals and malformed bodies are 400 with a code and a message', async () => {
  const cases: [string, string][] = [
    [JSON.stringify({ x: 20, y: 0, color: 1 }), 'INVALID_COORDS'],
    [JSON.stringify({ x: -1, y: 0, color: 1 }), 'INVALID_COORDS'],
    [JSON.stringify({ x: 1.5, y: 0, color: 1 }), 'INVALID_COORDS'],
    [JSON.stringify({ x: 0, y: 0, color: 4 }), 'INVALID_COLOR'],
    [JSON.stringify({ x: 0, y: 0, color: 0.5 }), 'INVALID_COLOR'],
    ['{"x": 1, "y": 2, "color": 1', 'BAD_JSON'],
    ['', 'BAD_JSON'],
    ['[1, 2, 1]', 'BAD_JSON'],
    ['null', 'BAD_JSON'],
    [JSON.stringify({ x: '1', y: 2, color: 1 }), 'BAD_JSON'],
    [JSON.stringify({ x: 1, y: 2 }), 'BAD_JSON'],
    [JSON.stringify({ x: 1, y: 2, color: 1, size: 10 }), 'BAD_JSON'],
  ];
  for (const [body, code] of cases) {
    const response = await post('/api/boards/tiny/pixels', body);
    assert.is(response.status, 400, body);
    const error = await errorOf(response);
    assert.is(error.error, code, body);
    assert.ok(error.message.length > 10, error.message);
    // A refusal counts against the writer's session, so a new one learns it here too.
    assert.match(response.headers.get('set-cookie') ?? '', /^tessera_session=[\w-]{22}; /, body);
  }
  const unknown = await post('/api/boards/nope/pixels', { x: 0, y: 0, color: 0 });
  assert.is(unknown.status, 404);
});

test('POST pixel: a body over 1 KiB is 413', async () => {
  const response = await post('/api/boards/tiny/pixels', JSON.stringify({ x: 0, y: 0, color: 1, pad: 'x'.repeat(1100) }));
  assert.is(response.status, 413);
});

test('CSRF: a foreign Origin may not write, localhost on another port included; the own one or none may', async () => {
  const foreign = await post('/api/boards/wide/pixels', { x: 0, y: 0, color: 1 }, { Origin: 'https://evil.example' });
  assert.is(foreign.status, 403);
  assert.is((await errorOf(foreign)).error, 'ORIGIN_NOT_ALLOWED');
  assert.is(foreign.headers.get('set-cookie'), null, 'refused before the writer is identified');
  const sandboxed = await post('/api/boards/wide/pixels', { x: 0, y: 0, color: 1 }, { Origin: 'null' });
  assert.is(sandboxed.status, 403);
  const localhost = await post('/api/boards/wide/pixels', { x: 0, y: 0, color: 1 }, { Origin: 'http://localhost:5173' });
  assert.is(localhost.status, 403);
  const own = await post('/api/boards/wide/pixels', { x: 0, y: 0, color: 1 }, { Origin: new URL(url('/')).origin });
  assert.is(own.status, 200);
  const script = await post('/api/boards/wide/pixels', { x: 1, y: 0, color: 1 });
  assert.is(script.status, 200);
  const tile = await fetch(url('/api/boards/tiled/tiles/7/7'), { method: 'DELETE', headers: { Origin: 'https://evil.example' } });
  assert.is(tile.status, 403);
  // Reading is never refused for its origin.
  assert.is((await get('/api/boards', { Origin: 'https://evil.example' })).status, 200);
});

// ---- writing tiles ----

const putTile = (tx: number, ty: number, body: Uint8Array, type = 'image/png') =>
  fetch(url(`/api/boards/tiled/tiles/${tx}/${ty}`), { method: 'PUT', headers: { 'Content-Type': type }, body });

test('PUT a tile from a PNG, DELETE it back to the background, then 429', async () => {
  // Red left half, blue right half, a transparent top row (= background, white).
  const png = pngOf(8, (x, y) => (y === 0 ? [9, 9, 9, 0] : x < 4 ? [255, 0, 0, 255] : [0, 0, 255, 255]));
  const put = await putTile(1, 2, png);
  assert.is(put.status, 200);
  assert.equal(await put.json(), { ok: true, count: 64, color: 3 });
  let chunk = await chunkBytes('tiled', 0, 0);
  const at = (x: number, y: number) => chunk[(16 + y) * 32 + 8 + x];
  assert.is(at(0, 0), 0);
  assert.is(at(0, 1), 2);
  assert.is(at(7, 7), 3);
  assert.is(chunk[16 * 32 + 7], 0); // left of the tile: untouched

  const removed = await fetch(url('/api/boards/tiled/tiles/1/2'), { method: 'DELETE' });
  assert.is(removed.status, 200);
  chunk = await chunkBytes('tiled', 0, 0);
  assert.ok(chunk.every((b) => b === 0));

  const third = await putTile(1, 2, png);
  assert.is(third.status, 429);
  assert.ok(Number(third.headers.get('retry-after')) >= 1);
  assert.is((await errorOf(third)).error, 'RATE_LIMITED');
});

test('PUT tile: wrong size, off-palette colours, not a PNG, wrong board, wrong tile', async () => {
  const good = pngOf(8, () => [0, 0, 0, 255]);
  const cases: [Promise<Response>, number, string][] = [
    [putTile(0, 0, pngOf(16, () => [0, 0, 0, 255])), 400, 'WRONG_SIZE'],
    [putTile(0, 0, pngOf(8, (x, y) => (x === 5 && y === 6 ? [1, 2, 3, 255] : [0, 0, 0, 255]))), 400, 'INVALID_COLOR'],
    [putTile(0, 0, pngOf(8, () => [0, 0, 0, 128])), 400, 'INVALID_COLOR'],
    [putTile(0, 0, Buffer.from('GIF89a not a png at all, really not')), 400, 'BAD_PNG'],
    [putTile(0, 0, Buffer.concat([good.subarray(0, 40), Buffer.alloc(20)])), 400, 'BAD_PNG'],
    [putTile(0, 0, good, 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [putTile(8, 0, good), 400, 'INVALID_COORDS'],
    [putTile(0, 99999, good), 400, 'INVALID_COORDS'],
    [putTile(0, -1 as number, good), 400, 'BAD_PARAMETER'],
    [fetch(url('/api/boards/tiny/tiles/0/0'), { method: 'PUT', body: good }), 403, 'NOT_ALLOWED'],
    [fetch(url('/api/boards/tiny/tiles/0/0'), { method: 'DELETE' }), 403, 'NOT_ALLOWED'],
  ];
  for (const [pending, status, code] of cases) {
    const response = await pending;
    const body = await errorOf(response);
    assert.is(response.status, status, `${code}: ${body.message}`);
    assert.is(body.error, code, body.message);
  }
  const offPalette = await errorOf(await putTile(0, 0, pngOf(8, (x, y) => (x === 5 && y === 6 ? [1, 2, 3, 255] : [0, 0, 0, 255]))));
  assert.is(offPalette.x, 5);
  assert.is(offPalette.y, 6);
  assert.is(offPalette.color, '#010203');
  // None of them wrote anything.
  assert.ok((await chunkBytes('tiled', 0, 0)).every((b) => b === 0));
});

test('PUT tile: a body over 64 KiB is 413', async () => {
  const response = await putTile(0, 0, Buffer.alloc(65 * 1024));
  assert.is(response.status, 413);
});

// ---- the app's PNG workers ----

test('the app owns its PNG workers: shutdown ends them', async () => {
  const config = testConfig();
  const { boards } = parseAppConfig({
    server: {},
    boards: [{ id: 'b', title: 'b', width: 100, height: 100, chunkSize: 50, palette: COLORS, background: 0, policy: { strokes: false, maxBatch: 1, buckets: [] } }],
  });
  const own = await createApp({ ...config, dataDir: '' }, boards, createLogger(config.logLevel));
  const { port } = await own.server.listen();
  const response = await fetch(`http://127.0.0.1:${port}/api/boards/b/image.png`);
  assert.is(response.status, 200);
  await response.arrayBuffer();
  assert.is(own.pngPool.stats().workers, 1, 'a 100×100 image is encoded in a worker');
  await own.shutdown();
  assert.equal(own.pngPool.stats(), { workers: 0, pendingJobs: 0 });
  const after = await own.pngPool.encodeRgb(new Uint8Array(100 * 100 * 3), 100, 100).catch((error: unknown) => error);
  assert.instance(after, RenderWorkerError, 'a closed pool starts no new worker');
});

test.run();
