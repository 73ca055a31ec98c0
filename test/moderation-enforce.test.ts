// Bans, region locks and board settings enforced on the placement path, for WebSocket and HTTP
// writes alike, and pushed live: a banned bot is told (BANNED) and closed (1008), and stays
// out across reconnects and new cookies (IP, CIDR and IPv6 /64 bans); locks and board states
// reach every client as LOCKS and BOARD_STATE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePlace, RejectReason } from '../src/protocol/messages.js';
import type { TestCanvasClient } from './support/canvas-client.js';
import type { RunningServer } from './support/server.js';
import { addUser, call, closed, freshIp, login, openClient, startModerated } from './moderation/support.js';

const FREE = 1; // smallConfig's second board, no rate limit worth the name
let server: RunningServer;
let moderator: string;
let admin: string;
let requestId = 0;

test.before(async () => {
  server = await startModerated();
  await addUser(server, 'mod', 'moderator');
  await addUser(server, 'boss', 'admin');
  moderator = await login(server, 'mod');
  admin = await login(server, 'boss');
});
test.after(() => server.stop());

/** PLACE on board `free`; the ACK or REJECT that answers it. */
async function place(client: TestCanvasClient, x: number, y: number, color = 5) {
  const id = ++requestId;
  client.send(encodePlace(id, FREE, x, y, color));
  const answer = await Promise.race([client.next('ack', (m) => m.requestId === id), client.next('reject', (m) => m.requestId === id)]);
  return answer.type === 'ack' ? 'ACK' : (Object.entries(RejectReason).find(([, code]) => code === answer.reason)![0]);
}

const httpPlace = (ip: string, x: number, y: number, cookie?: string) =>
  call(server, 'POST', '/api/boards/free/pixels', { ip, body: { x, y, color: 4 }, ...(cookie ? { cookie } : {}) });

test('an IP range ban stops a bot: told and closed with 1008, refused again after reconnecting with a new cookie, HTTP 403 BANNED', async () => {
  const bot = await openClient(server, '203.0.113.5');
  assert.is(await place(bot, 1, 1), 'ACK');
  const bystander = await openClient(server, '198.51.100.1');
  const ban = await call(server, 'POST', '/api/admin/bans', { cookie: moderator, body: { kind: 'ip', target: '203.0.113.0/24', reason: 'bot raid' } });
  assert.is(ban.status, 201);
  assert.equal([ban.body.ban.target, ban.body.disconnected], ['203.0.113.0/24', 1]);
  const told = await bot.next('banned');
  assert.equal(told, { type: 'banned', expiresAt: 0, reason: 'bot raid' });
  assert.is(await closed(bot), 1008);
  // A new connection without the old cookie, from another address of the range.
  const again = await openClient(server, '203.0.113.77');
  assert.equal((await again.next('banned')).reason, 'bot raid');
  assert.is(await closed(again), 1008);
  assert.not.ok(again.messages.some((m) => m.type === 'hello'), 'no HELLO for a banned client');
  const http = await httpPlace('203.0.113.200', 2, 2);
  assert.equal([http.status, http.body.error], [403, 'BANNED']);
  // Everyone else writes on.
  assert.is(await place(bystander, 3, 3), 'ACK');
  assert.is((await httpPlace('198.51.100.2', 4, 4)).status, 200);
  // Lifted: the range writes again.
  const lifted = await call(server, 'DELETE', `/api/admin/bans/${ban.body.ban.id}`, { cookie: moderator });
  assert.is(lifted.status, 200);
  assert.is((await httpPlace('203.0.113.200', 2, 2)).status, 200);
  assert.is((await call(server, 'DELETE', `/api/admin/bans/${ban.body.ban.id}`, { cookie: moderator })).status, 404);
  await bystander.close();
});

test('an IPv6 ban covers the client\'s whole /64', async () => {
  const ban = await call(server, 'POST', '/api/admin/bans', { cookie: moderator, body: { kind: 'ip', target: '2001:db8:5:6::1', reason: 'v6' } });
  assert.equal([ban.status, ban.body.ban.target], [201, '2001:db8:5:6::/64']);
  const bot = await openClient(server, '2001:db8:5:6:aaaa:bbbb:cccc:dddd');
  assert.is((await bot.next('banned')).reason, 'v6');
  assert.is(await closed(bot), 1008);
  assert.is((await httpPlace('2001:db8:5:7::1', 5, 5)).status, 200, 'the next /64 is not banned');
  await call(server, 'DELETE', `/api/admin/bans/${ban.body.ban.id}`, { cookie: moderator });
});

test('a session ban names the guest as the history shows it; a user ban follows the account; expiry ends a ban', async () => {
  const ip = freshIp();
  const guest = await openClient(server, ip);
  assert.is(await place(guest, 6, 6), 'ACK');
  const history = await call(server, 'GET', '/api/boards/free/pixels/6/6/history');
  const actor = history.body.items[0].who as string;
  assert.match(actor, /^guest:/);
  const ban = await call(server, 'POST', '/api/admin/bans', { cookie: moderator, body: { kind: 'session', target: actor, reason: 'griefing' } });
  assert.is(ban.status, 201);
  assert.is(await closed(guest), 1008);
  // The same address with a new cookie is a new guest: not banned.
  assert.is((await httpPlace(ip, 7, 7)).status, 200);

  await addUser(server, 'troll', 'user');
  const troll = await login(server, 'troll');
  const expiresAt = Date.now() + 60_000;
  const userBan = await call(server, 'POST', '/api/admin/bans', { cookie: moderator, body: { kind: 'user', target: 'troll', reason: 'spam', expiresAt } });
  assert.equal([userBan.status, userBan.body.ban.username, userBan.body.ban.expiresMs], [201, 'troll', expiresAt]);
  assert.match(userBan.body.ban.target, /^\d+$/, 'an account ban targets the account id');
  const refused = await httpPlace(freshIp(), 8, 8, troll);
  assert.equal([refused.status, refused.body.error], [403, 'BANNED']);
  const ws = await openClient(server, freshIp(), { Cookie: troll });
  assert.equal((await ws.next('banned')).expiresAt, expiresAt);
  assert.is(await closed(ws), 1008);
  const past = await call(server, 'POST', '/api/admin/bans', { cookie: moderator, body: { kind: 'ip', target: '192.0.2.1', reason: 'x', expiresAt: 1000 } });
  assert.equal([past.status, past.body.error], [400, 'BAD_JSON']);
  for (const body of [{ kind: 'ip', target: 'nonsense', reason: 'x' }, { kind: 'session', target: 'nobody', reason: 'x' }, { kind: 'planet', target: 'x', reason: 'x' }]) {
    assert.is((await call(server, 'POST', '/api/admin/bans', { cookie: moderator, body })).status, 400, JSON.stringify(body));
  }
  assert.is((await call(server, 'POST', '/api/admin/bans', { cookie: moderator, body: { kind: 'user', target: 'ghost', reason: 'x' } })).status, 404);
  const listed = await call(server, 'GET', '/api/admin/bans', { cookie: moderator });
  assert.equal(listed.body.bans.map((b: { reason: string; username: string | null }) => [b.reason, b.username]).sort(), [['griefing', null], ['spam', 'troll']]);
  for (const b of listed.body.bans) {
    const lifted = await call(server, 'DELETE', `/api/admin/bans/${b.id}`, { cookie: moderator });
    assert.is(lifted.body.ban.username, b.username);
  }
});

test('a region lock: pushed as LOCKS to everyone, refuses WebSocket and HTTP writes inside it alike, public in GET locks', async () => {
  const watcher = await openClient(server, freshIp());
  const writer = await openClient(server, freshIp());
  const lock = await call(server, 'POST', '/api/admin/boards/free/locks', { cookie: moderator, body: { x: 10, y: 10, width: 5, height: 4, reason: 'logo' } });
  assert.is(lock.status, 201);
  assert.equal(await watcher.next('locks'), { type: 'locks', board: FREE, locks: [{ x: 10, y: 10, width: 5, height: 4 }] });
  assert.is(await place(writer, 10, 10), 'LOCKED');
  assert.is(await place(writer, 14, 13), 'LOCKED');
  assert.is(await place(writer, 15, 13), 'ACK');
  const http = await httpPlace(freshIp(), 12, 12);
  assert.equal([http.status, http.body.error], [403, 'LOCKED']);
  assert.is((await httpPlace(freshIp(), 12, 14)).status, 200);
  const listed = await call(server, 'GET', '/api/boards/free/locks');
  assert.equal(listed.body, { locks: [{ id: lock.body.lock.id, x: 10, y: 10, width: 5, height: 4, reason: 'logo' }] });
  // A newcomer hears of it right after HELLO.
  const newcomer = await openClient(server, freshIp());
  assert.equal((await newcomer.next('locks')).locks, [{ x: 10, y: 10, width: 5, height: 4 }]);
  const bad = await call(server, 'POST', '/api/admin/boards/free/locks', { cookie: moderator, body: { x: 60, y: 0, width: 10, height: 1 } });
  assert.is(bad.status, 400, 'past the board edge');
  const removed = await call(server, 'DELETE', `/api/admin/boards/free/locks/${lock.body.lock.id}`, { cookie: moderator });
  assert.is(removed.status, 200);
  assert.equal((await watcher.next('locks')).locks, []);
  assert.is(await place(writer, 10, 10), 'ACK');
  assert.is((await call(server, 'DELETE', `/api/admin/boards/free/locks/${lock.body.lock.id}`, { cookie: moderator })).status, 404);
  await Promise.all([watcher.close(), writer.close(), newcomer.close()]);
});

test('board settings: a freeze and an event window reach clients as BOARD_STATE and refuse writes as LOCKED; a new rate policy applies at once and reaches clients as POLICY', async () => {
  const watcher = await openClient(server, freshIp());
  const frozen = await call(server, 'PUT', '/api/admin/boards/free/settings', { cookie: admin, body: { open: false } });
  assert.equal([frozen.status, frozen.body.settings.open, frozen.body.settings.writable], [200, false, false]);
  assert.equal(await watcher.next('board-state'), { type: 'board-state', board: FREE, open: false, opensAt: 0, closesAt: 0 });
  assert.is(await place(watcher, 20, 20), 'LOCKED');
  assert.is((await httpPlace(freshIp(), 20, 20)).body.error, 'LOCKED');
  const opensAt = Date.now() + 3_600_000;
  const windowed = await call(server, 'PUT', '/api/admin/boards/free/settings', { cookie: admin, body: { open: true, opensAt, closesAt: opensAt + 1000 } });
  assert.is(windowed.status, 200);
  assert.equal(await watcher.next('board-state'), { type: 'board-state', board: FREE, open: true, opensAt, closesAt: opensAt + 1000 });
  assert.is(await place(watcher, 20, 20), 'LOCKED', 'before the window opens');
  assert.equal((await call(server, 'GET', '/api/boards/free/settings')).body.writable, false);
  const newcomer = await openClient(server, freshIp());
  assert.equal((await newcomer.next('board-state')).opensAt, opensAt);
  assert.is((await call(server, 'PUT', '/api/admin/boards/free/settings', { cookie: admin, body: { closesAt: opensAt - 1 } })).status, 400);
  // Open again, with one pixel a minute per session.
  const buckets = [{ key: 'session', capacity: 1, refillPerSecond: 1 / 60, unit: 'pixel' }];
  const limited = await call(server, 'PUT', '/api/admin/boards/free/settings', { cookie: admin, body: { opensAt: null, closesAt: null, buckets } });
  assert.equal([limited.status, limited.body.settings.writable, limited.body.settings.buckets], [200, true, buckets]);
  const pushed = await watcher.next('policy', (m) => JSON.parse(m.json).buckets[0]?.key === 'session');
  assert.equal([pushed.board, JSON.parse(pushed.json).buckets], [FREE, buckets], 'an open connection hears of the new policy (POLICY)');
  assert.is(await place(watcher, 21, 21), 'ACK');
  assert.is(await place(watcher, 22, 21), 'RATE_LIMITED');
  const bad = await call(server, 'PUT', '/api/admin/boards/free/settings', { cookie: admin, body: { buckets: [{ key: 'moon', capacity: 1, refillPerSecond: 1, unit: 'pixel' }] } });
  assert.equal([bad.status, bad.body.error], [400, 'BAD_JSON']);
  assert.is((await call(server, 'PUT', '/api/admin/boards/free/settings', { cookie: admin, body: { buckets: null } })).status, 200);
  assert.is(await place(watcher, 22, 21), 'ACK', 'the configuration\'s policy again');
  await Promise.all([watcher.close(), newcomer.close()]);
});

test('buckets per role: guests get one pace, accounts another', async () => {
  const buckets = [
    { key: 'session', capacity: 1, refillPerSecond: 1 / 60, unit: 'pixel', roles: ['guest'] },
    { key: 'session', capacity: 3, refillPerSecond: 1 / 60, unit: 'pixel', roles: ['user', 'moderator', 'admin'] },
  ];
  const set = await call(server, 'PUT', '/api/admin/boards/free/settings', { cookie: admin, body: { buckets } });
  assert.equal([set.status, set.body.settings.buckets], [200, buckets]);
  const guest = await openClient(server, freshIp());
  assert.equal(JSON.parse((await guest.next('hello')).json).boards[FREE].policy.buckets, buckets, 'HELLO names the roles');
  assert.equal([await place(guest, 40, 40), await place(guest, 41, 40)], ['ACK', 'RATE_LIMITED']);
  await addUser(server, 'regular', 'user');
  const cookie = await login(server, 'regular');
  const member = await openClient(server, freshIp(), { Cookie: cookie });
  assert.equal([await place(member, 40, 41), await place(member, 41, 41), await place(member, 42, 41), await place(member, 43, 41)], ['ACK', 'ACK', 'ACK', 'RATE_LIMITED']);
  const http = [];
  for (let i = 0; i < 4; i++) http.push((await httpPlace(freshIp(), 44 + i, 41, cookie)).status);
  assert.equal(http, [429, 429, 429, 429], 'an account\'s session bucket is the account\'s, whatever cookie or connection it writes from');
  await call(server, 'PUT', '/api/admin/boards/free/settings', { cookie: admin, body: { buckets: null } });
  await Promise.all([guest.close(), member.close()]);
});

test('reports: anyone reports a region (5 a minute per IP); moderators see the queue and resolve or dismiss', async () => {
  const ip = freshIp();
  for (let i = 0; i < 5; i++) {
    const report = await call(server, 'POST', '/api/boards/free/reports', { ip, body: { x: 30 + i, y: 30, width: 2, height: 2, reason: 'offensive' } });
    assert.is(report.status, 201);
  }
  const limited = await call(server, 'POST', '/api/boards/free/reports', { ip, body: { x: 1, y: 1, reason: 'x' } });
  assert.equal([limited.status, limited.body.error], [429, 'TOO_MANY_REPORTS']);
  assert.is((await call(server, 'POST', '/api/boards/free/reports', { body: { x: 63, y: 0, width: 2, reason: 'x' } })).status, 400);
  const queue = await call(server, 'GET', '/api/admin/reports?limit=2', { cookie: moderator });
  assert.equal(queue.body.reports.map((r: { x: number }) => r.x), [34, 33]);
  assert.match((await call(server, 'GET', '/metrics')).body as string, /tessera_reports_open 5/);
  const id = queue.body.reports[0].id;
  const resolved = await call(server, 'POST', `/api/admin/reports/${id}`, { cookie: moderator, body: { status: 'resolved' } });
  assert.equal([resolved.status, resolved.body.report.status, resolved.body.report.handledBy], [200, 'resolved', resolved.body.report.handledBy]);
  assert.is((await call(server, 'POST', `/api/admin/reports/${id}`, { cookie: moderator, body: { status: 'dismissed' } })).status, 404);
  assert.is((await call(server, 'GET', '/api/admin/reports?limit=10', { cookie: moderator })).body.reports.length, 4);
  assert.is((await call(server, 'GET', '/api/admin/reports?status=resolved', { cookie: moderator })).body.reports[0].id, id);
  const metrics = (await call(server, 'GET', '/metrics')).body as string;
  assert.match(metrics, /tessera_reports_open 4/);
  assert.match(metrics, /tessera_locks_active 0/);
  assert.match(metrics, /tessera_bans_active 0/);
});

test.run();
