// Rollback, undo and reset from the history, on a real server with SQLite and a manual clock:
// a rollback restores exactly the pixels of time T inside its rectangle and nothing outside,
// as new placements by the moderator (history only grows) that watchers receive as DIFFs;
// undo reverts one writer's trailing writes since T (by actor or IP); reset needs its token;
// account sessions slide and expire on the server's clock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Board } from '../src/canvas/board.js';
import { encodePlace, encodePlaceBatch, encodeSubscribe } from '../src/protocol/messages.js';
import { mulberry32 } from './support/random.js';
import type { TestCanvasClient } from './support/canvas-client.js';
import { ManualClock } from './support/manual-clock.js';
import type { RunningServer } from './support/server.js';
import { addUser, call, freshIp, login, openClient, startModerated } from './moderation/support.js';

const FREE = 1;
const SIZE = 64;
let server: RunningServer;
let clock: ManualClock;
let moderator: string;
let admin: string;
let board: Board;
let requestId = 0;

test.before(async () => {
  clock = new ManualClock();
  server = await startModerated({}, clock);
  await addUser(server, 'mod', 'moderator');
  await addUser(server, 'boss', 'admin');
  moderator = await login(server, 'mod');
  admin = await login(server, 'boss');
  board = server.canvas!.byId.get('free')!;
});
test.after(() => server.stop());

const pixels = (): Uint8Array => Uint8Array.from({ length: SIZE * SIZE }, (_, i) => board.getPixel(i % SIZE, Math.floor(i / SIZE)));

/** Paints the (x, y, color) triples in one PLACE_BATCH and waits for its ACK. */
async function paint(client: TestCanvasClient, triples: number[]): Promise<void> {
  const id = ++requestId;
  client.send(encodePlaceBatch(id, FREE, triples));
  const answer = await Promise.race([client.next('ack', (m) => m.requestId === id), client.next('reject', (m) => m.requestId === id)]);
  assert.is(answer.type, 'ack', JSON.stringify(answer));
}

function randomTriples(random: () => number, n: number): number[] {
  const int = (below: number) => Math.floor(random() * below);
  const triples: number[] = [];
  for (let i = 0; i < n; i++) triples.push(int(SIZE), int(SIZE), 1 + int(15));
  return triples;
}

test('rollback restores exactly the pixels of time T inside the rectangle and nothing outside, as new placements', async () => {
  const random = mulberry32(7);
  const painter = await openClient(server, freshIp());
  const watcher = await openClient(server, freshIp());
  const chunks: number[] = [];
  for (let cy = 0; cy < 4; cy++) for (let cx = 0; cx < 4; cx++) chunks.push(cx, cy);
  watcher.send(encodeSubscribe(FREE, chunks));
  for (let i = 0; i < 4; i++) {
    await paint(painter, randomTriples(random, 200));
    clock.advance(1000);
  }
  const at = clock.now();
  const atT = pixels();
  clock.advance(1000);
  for (let i = 0; i < 4; i++) {
    await paint(painter, randomTriples(random, 300));
    clock.advance(1000);
  }
  const before = pixels();
  const rect = { x: 8, y: 5, width: 30, height: 41 };
  const inside = (i: number) => {
    const x = i % SIZE;
    const y = Math.floor(i / SIZE);
    return x >= rect.x && y >= rect.y && x < rect.x + rect.width && y < rect.y + rect.height;
  };
  const changed = [...before.keys()].filter((i) => inside(i) && before[i] !== atT[i]).length;
  assert.ok(changed > 100, `${changed} pixels to restore`);
  const placementsBefore = (await call(server, 'GET', '/api/boards/free/recent?limit=1')).body.items[0].seq as number;
  watcher.messages.length = 0;

  const answer = await call(server, 'POST', '/api/admin/boards/free/rollback', { cookie: moderator, body: { ...rect, at } });
  assert.equal([answer.status, answer.body], [200, { pixels: changed }]);
  const after = pixels();
  for (let i = 0; i < after.length; i++) {
    assert.is(after[i], inside(i) ? atT[i] : before[i], `pixel (${i % SIZE}, ${Math.floor(i / SIZE)})`);
  }
  // Append-only: the moderator's placements come after everything, the old ones are still there.
  const recent = await call(server, 'GET', `/api/boards/free/recent?limit=1000`);
  const mine = recent.body.items.filter((item: { seq: number }) => item.seq > placementsBefore);
  assert.is(mine.length, changed);
  const modId = (await server.moderation!.store.userByName('mod'))!.id;
  assert.ok(mine.every((item: { who: string }) => item.who === `user:${modId}`));
  const restored = [...after.keys()].find((i) => inside(i) && before[i] !== atT[i])!;
  const history = await call(server, 'GET', `/api/boards/free/pixels/${restored % SIZE}/${Math.floor(restored / SIZE)}/history`);
  assert.is(history.body.items[0].color, atT[restored]);
  assert.ok(history.body.items.length >= 2, 'the overwritten placements stay in the history');
  // Broadcast like any write: the watcher sees the restored colour in a DIFF.
  const diff = await watcher.next('diff', (m) => m.sections.some((s) => s.board === FREE));
  assert.ok(diff.sections.length > 0);
  const audit = await call(server, 'GET', '/api/admin/audit?limit=1', { cookie: admin });
  assert.equal([audit.body.entries[0].action, audit.body.entries[0].result], ['rollback', { pixels: changed }]);
  await Promise.all([painter.close(), watcher.close()]);
});

test('undo by actor and by IP since T: trailing writes revert, pixels someone else wrote over stay', async () => {
  const ipA = freshIp();
  const ipB = freshIp();
  const a = await openClient(server, ipA);
  const b = await openClient(server, ipB);
  const c = await openClient(server, freshIp());
  const put = async (client: TestCanvasClient, x: number, y: number, color: number) => paint(client, [x, y, color]);
  const y = 60;
  for (let x = 0; x < 5; x++) await put(a, x, y, 2); // before T: stays
  await put(c, 5, y, 7);
  clock.advance(1000);
  const since = clock.now();
  clock.advance(1000);
  await put(a, 0, y, 3); // a over its own: back to 2
  await put(a, 5, y, 3); // a over c: back to 7
  await put(a, 6, y, 3); // a on background, then b over it: stays 9
  await put(b, 6, y, 9);
  await put(a, 7, y, 4);
  await put(a, 7, y, 5); // two trailing writes: back to what was before the first
  const before7 = 0;
  const actorA = (await call(server, 'GET', `/api/boards/free/pixels/0/${y}/history`)).body.items[0].who;
  const undo = await call(server, 'POST', '/api/admin/undo', { cookie: moderator, body: { actor: actorA, since, board: 'free' } });
  assert.equal([undo.status, undo.body], [200, { pixels: { free: 3 } }]);
  assert.equal([0, 1, 2, 3, 4, 5, 6, 7].map((x) => board.getPixel(x, y)), [2, 2, 2, 2, 2, 7, 9, before7]);
  const byIp = await call(server, 'POST', '/api/admin/undo', { cookie: moderator, body: { ip: ipB, since } });
  assert.equal([byIp.status, byIp.body.pixels.free], [200, 1]);
  assert.is(board.getPixel(6, y), 3, 'b\'s write undone: back to a\'s');
  const none = await call(server, 'POST', '/api/admin/undo', { cookie: moderator, body: { actor: actorA, since } });
  assert.equal(none.body.pixels, { strict: 0, free: 0 }, 'nothing left to undo');
  for (const body of [{ since }, { actor: actorA }, { actor: actorA, ip: ipA, since }, { ip: '10.0.0.0/8', since }]) {
    assert.is((await call(server, 'POST', '/api/admin/undo', { cookie: moderator, body })).status, 400, JSON.stringify(body));
  }
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('rollback refuses a rectangle off the board and a missing time; a write-locked region is still restored', async () => {
  for (const body of [{ x: 0, y: 0, width: 65, height: 1, at: 0 }, { x: 0, y: 0, width: 1, height: 1 }, { x: -1, y: 0, width: 1, height: 1, at: 0 }]) {
    assert.is((await call(server, 'POST', '/api/admin/boards/free/rollback', { cookie: moderator, body })).status, 400, JSON.stringify(body));
  }
  const lock = await call(server, 'POST', '/api/admin/boards/free/locks', { cookie: moderator, body: { x: 0, y: 0, width: 64, height: 64 } });
  const rolled = await call(server, 'POST', '/api/admin/boards/free/rollback', { cookie: moderator, body: { x: 0, y: 0, width: 1, height: 1, at: 0 } });
  assert.is(rolled.status, 200);
  assert.is(board.getPixel(0, 0), 0);
  await call(server, 'DELETE', `/api/admin/boards/free/locks/${lock.body.lock.id}`, { cookie: moderator });
});

test('reset to the background needs the confirmation token the first request hands out', async () => {
  const client = await openClient(server, freshIp());
  client.send(encodePlace(++requestId, FREE, 1, 1, 5));
  await client.next('ack');
  const first = await call(server, 'POST', '/api/admin/boards/free/reset', { cookie: admin, body: { to: 'background' } });
  assert.equal([first.status, first.body.error], [409, 'CONFIRMATION_REQUIRED']);
  assert.is((await call(server, 'POST', '/api/admin/boards/free/reset', { cookie: admin, body: { to: 'background', confirm: 'guess' } })).status, 409);
  const other = await call(server, 'POST', '/api/admin/boards/strict/reset', { cookie: admin, body: { to: 'background', confirm: first.body.confirm } });
  assert.is(other.status, 409, 'a token confirms only what it was handed out for');
  const second = await call(server, 'POST', '/api/admin/boards/free/reset', { cookie: admin, body: { to: 'background' } });
  const nonBackground = pixels().filter((color) => color !== 0).length;
  const done = await call(server, 'POST', '/api/admin/boards/free/reset', { cookie: admin, body: { to: 'background', confirm: second.body.confirm } });
  assert.equal([done.status, done.body.pixels], [200, nonBackground]);
  assert.ok(pixels().every((color) => color === 0));
  const reused = await call(server, 'POST', '/api/admin/boards/free/reset', { cookie: admin, body: { to: 'background', confirm: second.body.confirm } });
  assert.is(reused.status, 409, 'a token works once');
  await client.close();
});

test('account sessions slide: each use pushes the expiry 24 h on; 24 h unused and the session is gone, from the store too', async () => {
  await addUser(server, 'sleeper', 'user');
  const cookie = await login(server, 'sleeper');
  const HOUR = 3_600_000;
  clock.advance(23 * HOUR);
  assert.is((await call(server, 'GET', '/api/auth/me', { cookie })).body.user.username, 'sleeper');
  clock.advance(23 * HOUR);
  assert.is((await call(server, 'GET', '/api/auth/me', { cookie })).body.user.username, 'sleeper', 'slid at the last use');
  const stored = await server.moderation!.store.loadSessions(clock.now() + 23 * HOUR);
  assert.ok(stored.length >= 1, 'the slid expiry reached the store');
  clock.advance(24 * HOUR);
  assert.is((await call(server, 'GET', '/api/auth/me', { cookie })).body.user, null);
  const admin2 = await call(server, 'GET', '/api/admin/bans', { cookie });
  assert.is(admin2.status, 401);
  // Logins of the other tests expired too: sign them in again for what follows.
  moderator = await login(server, 'mod');
  admin = await login(server, 'boss');
});

test('without a data directory, accounts and bans work and history actions are 404 NO_HISTORY', async () => {
  const memory = await startModerated({ dataDir: '' });
  try {
    await addUser(memory, 'mod', 'moderator');
    const cookie = await login(memory, 'mod');
    assert.is((await call(memory, 'POST', '/api/admin/bans', { cookie, body: { kind: 'ip', target: '192.0.2.9', reason: 'x' } })).status, 201);
    assert.is((await call(memory, 'POST', '/api/boards/free/pixels', { ip: '192.0.2.9', body: { x: 1, y: 1, color: 1 } })).status, 403);
    const rollback = await call(memory, 'POST', '/api/admin/boards/free/rollback', { cookie, body: { x: 0, y: 0, width: 1, height: 1, at: 0 } });
    assert.equal([rollback.status, rollback.body.error], [404, 'NO_HISTORY']);
  } finally {
    await memory.stop();
  }
});

test.run();
