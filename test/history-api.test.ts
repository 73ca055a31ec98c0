// The history API on a real server with a real data directory: a pixel's history with
// previous colours, a board's recent placements paged by cursor, your own placements by
// session cookie, tile writes in a pixel's history, and the answers to bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAppConfig } from '../src/config/load.js';
import { encodePlace } from '../src/protocol/messages.js';
import { TestCanvasClient } from './support/canvas-client.js';
import { startApp, type RunningServer } from './support/server.js';

const PALETTE = ['#FFFFFF', '#E4E4E4', '#888888', '#222222', '#FFA7D1', '#E50000', '#E59500', '#A06A42'];
const FREE = { strokes: true, maxBatch: 100, tileWrites: true, buckets: [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }] };
const CONFIG = parseAppConfig({
  server: {},
  boards: [
    { id: 'free', title: 'Free', width: 64, height: 64, chunkSize: 32, palette: PALETTE, background: 0, tileSize: 8, policy: FREE },
  ],
});

let app: RunningServer;
test.before(async () => {
  app = await startApp({}, CONFIG);
});
test.after(() => app.stop());

interface Entry { seq: number; timeMs: number; x: number; y: number; color: number; previousColor: number; who: string; source: string; time: string; tile?: { tx: number; ty: number; pixels: number } }
interface Listing { items: Entry[]; next: string | null; count?: number; who?: string }

async function get(path: string, cookie = ''): Promise<{ status: number; body: Listing & { error?: string } }> {
  const response = await fetch(`${app.httpUrl}${path}`, { headers: cookie ? { cookie } : {} });
  return { status: response.status, body: await response.json() as Listing & { error?: string } };
}

async function post(x: number, y: number, color: number, cookie = ''): Promise<string> {
  const response = await fetch(`${app.httpUrl}/api/boards/free/pixels`, { method: 'POST', body: JSON.stringify({ x, y, color }), headers: cookie ? { cookie } : {} });
  assert.is(response.status, 200);
  return response.headers.get('set-cookie')?.split(';')[0] ?? cookie;
}

test('a pixel’s history: newest first, with previous colours, who and how', async () => {
  const cookie = await post(5, 6, 3);
  await post(5, 6, 4, cookie);
  const client = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  client.send(encodePlace(1, 0, 5, 6, 5));
  await client.next('ack', (m) => m.requestId === 1);
  await client.close();
  const { status, body } = await get('/api/boards/free/pixels/5/6/history');
  assert.is(status, 200);
  assert.equal(body.items.map((e) => [e.color, e.previousColor, e.source]), [[5, 4, 'ws'], [4, 3, 'http'], [3, 0, 'http']]);
  assert.ok(body.items[0]!.seq > body.items[1]!.seq);
  assert.is(body.items[1]!.who, body.items[2]!.who, 'one session, one name');
  assert.is.not(body.items[0]!.who, body.items[1]!.who, 'another session, another name');
  assert.not.ok(body.items.some((e) => cookie.includes(e.who.replace('guest:', ''))), 'the cookie is not shown');
  assert.ok(!Number.isNaN(Date.parse(body.items[0]!.time)));
  assert.is(body.next, null);
});

test('a tile write shows in the history of every pixel it covers', async () => {
  const png = await fetch(`${app.httpUrl}/api/boards/free/tiles/7/7`, { method: 'DELETE' });
  assert.is(png.status, 200);
  const { body } = await get('/api/boards/free/pixels/60/61/history');
  assert.is(body.items.length, 1);
  assert.equal(body.items[0]!.tile, { tx: 7, ty: 7, pixels: 64 });
  assert.equal([body.items[0]!.x, body.items[0]!.y, body.items[0]!.color], [60, 61, 0]);
});

test('recent placements page by cursor: no duplicates, no gaps', async () => {
  const cookie = await post(0, 0, 1);
  for (let i = 1; i < 7; i++) await post(i, 0, 1 + (i % 7), cookie);
  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const { status, body } = await get(`/api/boards/free/recent?limit=3${query}`);
    assert.is(status, 200);
    assert.ok(body.items.length <= 3);
    seen.push(...body.items.map((e) => e.seq));
    cursor = body.next;
  } while (cursor !== null);
  assert.equal(seen, [...seen].sort((a, b) => b - a), 'newest first');
  assert.is(new Set(seen).size, seen.length, 'no duplicates');
  assert.is(seen.length, seen[0]! - seen[seen.length - 1]! + 1, 'no gaps');
});

test('my history: the session’s own placements and their count', async () => {
  const cookie = await post(20, 20, 2);
  await post(21, 20, 3, cookie);
  const { status, body } = await get('/api/sessions/me/history', cookie);
  assert.is(status, 200);
  assert.is(body.count, 2);
  assert.equal(body.items.map((e) => [e.x, e.color]), [[21, 3], [20, 2]]);
  const stranger = await get('/api/sessions/me/history');
  assert.is(stranger.body.count, 0);
});

test('an area over a time range: its placements newest first, by page; outside pixels and times left out', async () => {
  const cookie = await post(40, 40, 1);
  for (const [x, y, color] of [[43, 42, 2], [44, 42, 3], [41, 39, 4], [42, 41, 5]] as const) await post(x, y, color, cookie);
  const area = '/api/boards/free/area/history?x=40&y=40&width=4&height=3';
  const whole = await get(`${area}&limit=100`);
  assert.is(whole.status, 200);
  assert.equal(whole.body.items.map((e) => [e.x, e.y, e.color]), [[42, 41, 5], [43, 42, 2], [40, 40, 1]]);
  const first = await get(`${area}&limit=2`);
  const second = await get(`${area}&limit=2&cursor=${encodeURIComponent(first.body.next!)}`);
  assert.equal([...first.body.items, ...second.body.items].map((e) => e.seq), whole.body.items.map((e) => e.seq));
  assert.is(second.body.next, null);
  const newest = whole.body.items[0]!.timeMs;
  const since = await get(`${area}&from=${newest}&limit=100`);
  assert.ok(since.body.items.every((e) => e.timeMs >= newest) && since.body.items.length >= 1, 'from is inclusive');
  const until = await get(`${area}&to=${whole.body.items[2]!.timeMs}&limit=100`);
  assert.ok(until.body.items.every((e) => e.timeMs <= whole.body.items[2]!.timeMs) && until.body.items.some((e) => e.seq === whole.body.items[2]!.seq));
  assert.equal((await get(`${area}&to=0`)).body.items, []);
});

test('bad input: limit, cursor, coordinates, board', async () => {
  for (const query of ['x=40&y=40&width=4', 'x=-1&y=0&width=1&height=1', 'x=60&y=0&width=5&height=1', 'x=0&y=0&width=0&height=1', 'x=0&y=0&width=1&height=1&from=5&to=4', 'x=0&y=0&width=1&height=1&from=soon']) {
    const answer = await get(`/api/boards/free/area/history?${query}`);
    assert.equal([answer.status, answer.body.error], [400, 'BAD_PARAMETER'], query);
  }
  assert.is((await get('/api/boards/free/area/history?x=0&y=0&width=1&height=1&cursor=garbage')).body.error, 'BAD_CURSOR');
  assert.is((await get('/api/boards/free/recent?limit=0')).body.error, 'BAD_PARAMETER');
  assert.is((await get('/api/boards/free/recent?limit=1001')).status, 400);
  const badCursor = await get('/api/boards/free/recent?cursor=garbage');
  assert.equal([badCursor.status, badCursor.body.error], [400, 'BAD_CURSOR']);
  assert.equal([(await get('/api/boards/free/pixels/64/0/history')).status], [400]);
  assert.is((await get('/api/boards/nope/recent')).body.error, 'BOARD_NOT_FOUND');
});

test('a server without a data directory says it keeps no history', async () => {
  const memory = await startApp({ dataDir: '' }, CONFIG);
  try {
    const response = await fetch(`${memory.httpUrl}/api/boards/free/recent`);
    assert.is(response.status, 404);
    assert.is((await response.json() as { error: string }).error, 'NO_HISTORY');
  } finally {
    await memory.stop();
  }
});

test.run();
