// A board's history streamed out on a real server with a real data directory: the binary
// timelapse decodes to the placements made, from/to select a time range, the NDJSON and CSV
// exports have one line per pixel written, image.png?at=T shows the board as it was at T,
// and a server without a data directory answers 404 NO_HISTORY.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pngjs from 'pngjs';
import { decodeTimelapse } from '../src/app/api/timelapse-format.js';
import { parseAppConfig } from '../src/config/load.js';
import { ManualClock } from './support/manual-clock.js';
import { startApp, type RunningServer } from './support/server.js';

const { PNG } = pngjs;
const PALETTE = ['#FFFFFF', '#E4E4E4', '#888888', '#222222', '#FFA7D1', '#E50000', '#E59500', '#A06A42'];
const FREE = { strokes: true, maxBatch: 100, tileWrites: true, buckets: [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }] };
const CONFIG = parseAppConfig({
  server: {},
  boards: [{ id: 'free', title: 'Free', width: 64, height: 48, chunkSize: 32, palette: PALETTE, background: 0, tileSize: 8, policy: FREE }],
});

const clock = new ManualClock();
const t0 = clock.now();
let app: RunningServer;

async function post(x: number, y: number, color: number): Promise<void> {
  const response = await fetch(`${app.httpUrl}/api/boards/free/pixels`, { method: 'POST', body: JSON.stringify({ x, y, color }) });
  assert.is(response.status, 200);
}

// The history every test reads: three pixels and a tile cleared, at known times.
test.before(async () => {
  app = await startApp({}, CONFIG, clock);
  await post(1, 1, 3);
  clock.advance(1000);
  await post(2, 2, 4);
  clock.advance(300);
  assert.is((await fetch(`${app.httpUrl}/api/boards/free/tiles/1/0`, { method: 'DELETE' })).status, 200);
  clock.advance(70_000);
  await post(1, 1, 5);
});
test.after(() => app.stop());

const get = (path: string) => fetch(`${app.httpUrl}/api/boards/free${path}`);

test('the timelapse decodes to the history: header, then every placement in order', async () => {
  const response = await get('/timelapse');
  assert.is(response.status, 200);
  assert.is(response.headers.get('transfer-encoding'), 'chunked');
  assert.is(response.headers.get('content-type'), 'application/vnd.tessera.timelapse');
  const { header, records } = decodeTimelapse(new Uint8Array(await response.arrayBuffer()));
  assert.equal({ ...header, palette: [...header.palette].slice(0, 6) }, { width: 64, height: 48, chunkSize: 32, tileSize: 8, palette: [0xff, 0xff, 0xff, 0xe4, 0xe4, 0xe4], startMs: t0 });
  assert.is(header.palette.length, PALETTE.length * 3);
  assert.equal(records, [
    { kind: 'pixel', timeMs: t0, x: 1, y: 1, color: 3 },
    { kind: 'pixel', timeMs: t0 + 1000, x: 2, y: 2, color: 4 },
    { kind: 'tile', timeMs: t0 + 1300, tx: 1, ty: 0, colors: new Uint8Array(64) },
    { kind: 'pixel', timeMs: t0 + 71_300, x: 1, y: 1, color: 5 },
  ].map((r) => (r.kind === 'tile' ? { ...r, colors: (records[2] as { colors: Uint8Array }).colors } : r)));
  assert.equal([...(records[2] as { colors: Uint8Array }).colors], new Array(64).fill(0));
});

test('from and to (unix ms or ISO 8601) select a time range; the stream starts at from', async () => {
  const response = await get(`/timelapse?from=${t0 + 500}&to=${new Date(t0 + 1300).toISOString()}`);
  const { header, records } = decodeTimelapse(new Uint8Array(await response.arrayBuffer()));
  assert.is(header.startMs, t0 + 500);
  assert.equal(records.map((r) => [r.kind, r.timeMs]), [['pixel', t0 + 1000], ['tile', t0 + 1300]]);
  const empty = decodeTimelapse(new Uint8Array(await (await get(`/timelapse?from=${t0 + 999_999}`)).arrayBuffer()));
  assert.equal(empty.records, []);
  const bad = await get('/timelapse?from=yesterday');
  assert.is(bad.status, 400);
  assert.is(((await bad.json()) as { error: string }).error, 'BAD_PARAMETER');
});

interface DatasetRow { timestamp: string; user_id: string; pixel_color: string; coordinate: string }

test('NDJSON: one parsable line per pixel written, as the r/place datasets have them', async () => {
  const response = await get('/placements.ndjson');
  assert.is(response.headers.get('content-type'), 'application/x-ndjson');
  assert.match(response.headers.get('content-disposition') ?? '', /free-placements\.ndjson/);
  const text = await response.text();
  assert.ok(text.endsWith('\n'));
  const rows = text.trimEnd().split('\n').map((line) => JSON.parse(line) as DatasetRow);
  assert.is(rows.length, 3 + 64);
  const recent = (await (await get('/recent')).json()) as { items: { who: string }[] };
  // Each fetch above was a new session: the oldest writer is last in the newest-first list.
  assert.equal(rows[0], { timestamp: new Date(t0).toISOString(), user_id: recent.items.at(-1)!.who, pixel_color: '#222222', coordinate: '1,1' });
  assert.equal(rows[1]!.coordinate, '2,2');
  assert.equal(rows.slice(2, 66).map((row) => row.coordinate), Array.from({ length: 64 }, (_, i) => `${8 + (i % 8)},${Math.floor(i / 8)}`));
  assert.ok(rows.slice(2, 66).every((row) => row.pixel_color === '#FFFFFF' && row.timestamp === new Date(t0 + 1300).toISOString()));
  assert.equal(rows[66], { timestamp: new Date(t0 + 71_300).toISOString(), user_id: recent.items[0]!.who, pixel_color: '#E50000', coordinate: '1,1' });
});

test('CSV: a header, then the same rows as the NDJSON', async () => {
  const ndjson = (await (await get('/placements.ndjson')).text()).trimEnd().split('\n').map((line) => JSON.parse(line) as DatasetRow);
  const response = await get(`/placements.csv?to=${t0 + 1000}`);
  assert.is(response.headers.get('content-type'), 'text/csv; charset=utf-8');
  const lines = (await response.text()).trimEnd().split('\n');
  assert.is(lines[0], 'timestamp,user_id,pixel_color,coordinate');
  const rows = lines.slice(1).map((line) => {
    const match = /^([^,]+),([^,]+),(#[0-9A-F]{6}),"(\d+,\d+)"$/.exec(line);
    assert.ok(match, line);
    return { timestamp: match![1], user_id: match![2], pixel_color: match![3], coordinate: match![4] };
  });
  assert.equal(rows, ndjson.slice(0, 2));
});

function pixelAt(png: Buffer, x: number, y: number): string {
  const image = PNG.sync.read(png);
  const i = (y * image.width + x) * 4;
  return '#' + [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!].map((v) => v.toString(16).padStart(2, '0').toUpperCase()).join('');
}

test('image.png?at=T: the board as it was at T (unix ms or ISO 8601); without at, as it is now', async () => {
  const image = async (query: string) => {
    const response = await get(`/image.png${query}`);
    assert.is(response.status, 200);
    assert.is(response.headers.get('content-type'), 'image/png');
    return Buffer.from(await response.arrayBuffer());
  };
  const early = await image(`?at=${t0 + 500}`);
  assert.equal([pixelAt(early, 1, 1), pixelAt(early, 2, 2)], ['#222222', '#FFFFFF']);
  const later = await image(`?at=${new Date(t0 + 1100).toISOString()}`);
  assert.equal([pixelAt(later, 1, 1), pixelAt(later, 2, 2)], ['#222222', '#FFA7D1']);
  const before = await image(`?at=${t0 - 1}`);
  assert.is(pixelAt(before, 1, 1), '#FFFFFF');
  const now = await image('');
  assert.equal([pixelAt(now, 1, 1), pixelAt(now, 2, 2)], ['#E50000', '#FFA7D1']);
  // Cached by (board, at): the same moment is the same image, and If-None-Match gets 304.
  const again = await get(`/image.png?at=${t0 + 500}`);
  assert.ok(Buffer.from(await again.arrayBuffer()).equals(early));
  const etag = again.headers.get('etag')!;
  assert.is((await fetch(`${app.httpUrl}/api/boards/free/image.png?at=${t0 + 500}`, { headers: { 'if-none-match': etag } })).status, 304);
  assert.is((await get('/image.png?at=soon')).status, 400);
});

test('without a data directory: 404 NO_HISTORY; the image without at as before', async () => {
  const memory = await startApp({ dataDir: '' }, CONFIG);
  try {
    for (const path of ['/timelapse', '/placements.ndjson', '/placements.csv', `/image.png?at=${t0}`]) {
      const response = await fetch(`${memory.httpUrl}/api/boards/free${path}`);
      assert.is(response.status, 404, path);
      assert.is(((await response.json()) as { error: string }).error, 'NO_HISTORY', path);
    }
    assert.is((await fetch(`${memory.httpUrl}/api/boards/free/image.png`)).status, 200);
  } finally {
    await memory.stop();
  }
});

test.run();
