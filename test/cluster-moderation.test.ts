// Issue 12: moderation state is shared by the cluster. Two members on one PostgreSQL schema and
// one Redis; the first admin made by the CLI in that schema (admin create --database); every
// change made through member A reaches member B's enforcement and B's clients: a ban closes the
// banned client's socket on B (BANNED, 1008) and refuses its writes there; a lock is pushed to
// B's clients as LOCKS and refused on B; a freeze and new rate buckets apply on B. A change
// whose notice was lost (Redis down) reaches B when Redis is back.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodePlace, RejectReason } from '../src/protocol/messages.js';
import { TestCanvasClient } from './support/canvas-client.js';
import { boardsFile, eventually, tearDownCluster, freePort, newClusterRun, readiness, startNode, startOwnRedis, within, type Node } from './support/cluster.js';
import { ADMIN_PASSWORD, adminCreate, send } from './support/cluster-admin.js';
import { servicesFor } from './support/services.js';

const LIMIT_MS = 10_000;
const BOARDS = [{
  id: 'free', title: 'Free', width: 64, height: 64, chunkSize: 16, palette: ['#FFFFFF', '#000000'], background: 0,
  policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: [] },
}];
const BOT_IP = '203.0.113.7';

let request = 0;
/** Places one pixel through `client`: 'ACK' or the refusal's reason name. */
async function place(client: TestCanvasClient, x: number, y: number): Promise<string> {
  const id = ++request;
  client.send(encodePlace(id, 0, x, y, 1));
  const answer = await within(Promise.race([client.next('ack', (m) => m.requestId === id), client.next('reject', (m) => m.requestId === id)]),
    LIMIT_MS, `the answer to request ${id}`);
  return answer.type === 'ack' ? 'ACK' : Object.entries(RejectReason).find(([, code]) => code === answer.reason)![0];
}

test('a ban, a lock, a freeze and new rate buckets made through member A are enforced and pushed by member B', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cluster-moderation-'));
  const run = newClusterRun();
  const nodes: Node[] = [];
  const clients: TestCanvasClient[] = [];
  try {
    const created = await adminCreate(run.databaseUrl);
    assert.is(created.code, 0, created.out);
    assert.match(created.out, /created admin root .*in database schema/);
    const config = boardsFile(dir, BOARDS);
    for (let i = 0; i < 2; i++) nodes.push(await startNode(run, config, ['--trusted-proxies', '127.0.0.1']));
    for (const node of nodes) await eventually('member ready', () => readiness(node), (r) => r.ready);
    const [a, b] = nodes as [Node, Node];

    const login = await send(a, 'POST', '/api/auth/login', { body: { username: 'root', password: ADMIN_PASSWORD } });
    assert.is(login.status, 200, 'the account the CLI made is the cluster\'s');
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    await eventually('the session made on A is known to B', () => send(b, 'GET', '/api/auth/me', { cookie }),
      (me) => me.body.user?.username === 'root', LIMIT_MS);

    const bot = await TestCanvasClient.open(b.wsUrl, { 'X-Forwarded-For': BOT_IP });
    const viewer = await TestCanvasClient.open(b.wsUrl, { 'X-Forwarded-For': '198.51.100.20' });
    clients.push(bot, viewer);
    assert.is(await place(bot, 1, 1), 'ACK', 'the bot writes before the ban');

    // A ban through A: B tells the bot, closes it with 1008, and refuses that IP's writes.
    const closed = new Promise<number>((resolve) => bot.ws.once('close', (code) => resolve(code)));
    const banned = bot.next('banned');
    assert.is((await send(a, 'POST', '/api/admin/bans', { cookie, body: { kind: 'ip', target: BOT_IP, reason: 'raid' } })).status, 201);
    assert.is((await within(banned, LIMIT_MS, 'BANNED on B')).reason, 'raid');
    assert.is(await within(closed, LIMIT_MS, 'the bot closed by B'), 1008);
    const refused = await send(b, 'POST', '/api/boards/free/pixels', { ip: BOT_IP, body: { x: 2, y: 2, color: 1 } });
    assert.equal([refused.status, refused.body.error], [403, 'BANNED']);
    const again = await TestCanvasClient.open(b.wsUrl, { 'X-Forwarded-For': BOT_IP });
    clients.push(again);
    assert.is((await within(again.next('banned'), LIMIT_MS, 'BANNED for a new connection on B')).reason, 'raid');

    // A lock through A: pushed to B's client as LOCKS, refused on B.
    assert.is((await send(a, 'POST', '/api/admin/boards/free/locks', { cookie, body: { x: 10, y: 10, width: 5, height: 4, reason: 'logo' } })).status, 201);
    assert.equal((await within(viewer.next('locks'), LIMIT_MS, 'LOCKS on B')).locks, [{ x: 10, y: 10, width: 5, height: 4 }]);
    assert.is(await place(viewer, 11, 11), 'LOCKED');
    assert.is(await place(viewer, 30, 30), 'ACK', 'outside the lock');

    // A freeze through A: BOARD_STATE on B, writes refused there; then open again with one pixel per session.
    assert.is((await send(a, 'PUT', '/api/admin/boards/free/settings', { cookie, body: { open: false } })).status, 200);
    assert.equal(await within(viewer.next('board-state'), LIMIT_MS, 'BOARD_STATE on B'), { type: 'board-state', board: 0, open: false, opensAt: 0, closesAt: 0 });
    assert.is(await place(viewer, 31, 31), 'LOCKED');
    const buckets = [{ key: 'session', capacity: 1, refillPerSecond: 1 / 600, unit: 'pixel' }];
    assert.is((await send(a, 'PUT', '/api/admin/boards/free/settings', { cookie, body: { open: true, buckets } })).status, 200);
    assert.is((await within(viewer.next('board-state'), LIMIT_MS, 'BOARD_STATE on B')).open, true);
    assert.is(await place(viewer, 32, 32), 'ACK');
    assert.is(await place(viewer, 33, 33), 'RATE_LIMITED', 'B applies the buckets set through A');
    assert.equal((await send(b, 'GET', '/api/boards/free/settings')).body.buckets, buckets);

    // A lifted ban through A: B lets the IP write again.
    const bans = await send(a, 'GET', '/api/admin/bans', { cookie });
    const id = bans.body.bans[0].id;
    assert.is((await send(a, 'DELETE', `/api/admin/bans/${id}`, { cookie })).status, 200);
    await eventually('the IP may write on B again', () => send(b, 'POST', '/api/boards/free/pixels', { ip: BOT_IP, body: { x: 40, y: 40, color: 1 } }),
      (answer) => answer.status === 200, LIMIT_MS);
  } finally {
    await tearDownCluster(run, nodes, clients, dir);
  }
});

test('a ban made through A while Redis is down (its notice lost) reaches B when Redis is back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cluster-moderation-'));
  const port = await freePort();
  let redis = await startOwnRedis(port);
  const redisUrl = `redis://127.0.0.1:${port}`;
  const run = newClusterRun(redisUrl);
  const nodes: Node[] = [];
  const clients: TestCanvasClient[] = [];
  try {
    assert.is((await adminCreate(run.databaseUrl)).code, 0);
    const config = boardsFile(dir, BOARDS);
    for (let i = 0; i < 2; i++) nodes.push(await startNode(run, config, ['--trusted-proxies', '127.0.0.1'], redisUrl));
    for (const node of nodes) await eventually('member ready', () => readiness(node), (r) => r.ready);
    const [a, b] = nodes as [Node, Node];
    const login = await send(a, 'POST', '/api/auth/login', { body: { username: 'root', password: ADMIN_PASSWORD } });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const bot = await TestCanvasClient.open(b.wsUrl, { 'X-Forwarded-For': BOT_IP });
    clients.push(bot);

    const stopped = new Promise<void>((resolve) => redis.once('exit', () => resolve()));
    redis.kill('SIGKILL');
    await stopped;
    for (const node of nodes) await eventually('not ready without Redis', () => readiness(node), (r) => !r.ready);
    const banned = bot.next('banned');
    assert.is((await send(a, 'POST', '/api/admin/bans', { cookie, body: { kind: 'ip', target: BOT_IP, reason: 'raid' } })).status, 201,
      'the ban is the database\'s: it needs no Redis');
    assert.is((await send(b, 'POST', '/api/boards/free/pixels', { ip: BOT_IP, body: { x: 2, y: 2, color: 1 } })).body.error, 'UNAVAILABLE',
      'B cannot know yet, and takes no write without Redis');

    redis = await startOwnRedis(port);
    assert.is((await within(banned, 30_000, 'BANNED on B after Redis came back')).reason, 'raid');
    await eventually('B ready again', () => readiness(b), (r) => r.ready, 30_000);
    const refused = await send(b, 'POST', '/api/boards/free/pixels', { ip: BOT_IP, body: { x: 3, y: 3, color: 1 } });
    assert.equal([refused.status, refused.body.error], [403, 'BANNED']);
  } finally {
    await tearDownCluster(run, nodes, clients, dir, redisUrl);
    redis.kill('SIGKILL');
  }
});

if (await servicesFor('cluster moderation', 'PostgreSQL', 'Redis')) test.run();
