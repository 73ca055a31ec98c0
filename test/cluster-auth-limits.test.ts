// Issue 12: what guards accounts is the cluster's, not each member's. Two members on one
// PostgreSQL schema and one Redis: a visitor who spreads login attempts over both gets the 5 a
// minute per IP and per username of one process, not 5 per member; and a board reset's
// confirmation token handed out by one member is redeemed through the other, once.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { boardsFile, eventually, newClusterRun, readiness, startNode, tearDownCluster, type Node } from './support/cluster.js';
import { ADMIN_PASSWORD, adminCreate, send } from './support/cluster-admin.js';
import { servicesFor } from './support/services.js';

const BOARDS = [{
  id: 'free', title: 'Free', width: 64, height: 64, chunkSize: 16, palette: ['#FFFFFF', '#000000'], background: 0,
  policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: [] },
}];
/** Login attempts per minute, per IP and per username (src/app/moderation/auth-routes.ts). */
const ATTEMPTS = 5;

async function twoMembers(run: ReturnType<typeof newClusterRun>, dir: string, nodes: Node[]): Promise<[Node, Node]> {
  assert.is((await adminCreate(run.databaseUrl)).code, 0);
  const config = boardsFile(dir, BOARDS);
  for (let i = 0; i < 2; i++) nodes.push(await startNode(run, config, ['--trusted-proxies', '127.0.0.1', '--password-cost-log2', '10']));
  for (const node of nodes) await eventually('member ready', () => readiness(node), (r) => r.ready);
  return nodes as [Node, Node];
}

/** Runs `body` against two fresh members of one cluster, and tears them down after. */
async function withTwoMembers(body: (a: Node, b: Node) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cluster-auth-'));
  const run = newClusterRun();
  const nodes: Node[] = [];
  try {
    const [a, b] = await twoMembers(run, dir, nodes);
    await body(a, b);
  } finally {
    await tearDownCluster(run, nodes, [], dir);
  }
}

test('login attempts spread over two members are limited as in one process: per IP and per username', () => withTwoMembers(async (a, b) => {
  const login = (node: Node, ip: string, username: string) =>
    send(node, 'POST', '/api/auth/login', { ip, body: { username, password: 'not the password' } });

  // One IP, one name, alternating members: 3 attempts reach each, 5 in all are answered.
  const answers: number[] = [];
  for (let i = 0; i < ATTEMPTS; i++) answers.push((await login(i % 2 === 0 ? a : b, '198.51.100.1', 'root')).status);
  assert.equal(answers, Array(ATTEMPTS).fill(401), 'wrong passwords, each counted');
  for (const node of [b, a]) {
    const limited = await login(node, '198.51.100.1', 'root');
    assert.equal([limited.status, limited.body.error], [429, 'TOO_MANY_ATTEMPTS'], 'the sixth attempt, on either member');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  }
  // Each bucket on its own: the IP with another name, the name from another IP.
  assert.is((await login(b, '198.51.100.1', 'somebody')).status, 429, 'the IP\'s attempts are used up on both members');
  assert.is((await login(a, '198.51.100.2', 'root')).status, 429, 'the name\'s attempts are used up on both members');
  assert.is((await login(b, '198.51.100.3', 'somebody')).status, 401, 'another IP and another name still try');
}));

test('a reset confirmation handed out by member A is redeemed through member B, once', () => withTwoMembers(async (a, b) => {
  const signedIn = await send(a, 'POST', '/api/auth/login', { body: { username: 'root', password: ADMIN_PASSWORD } });
  assert.is(signedIn.status, 200);
  const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  await eventually('the session made on A is known to B', () => send(b, 'GET', '/api/auth/me', { cookie }), (me) => me.body.user?.username === 'root');
  assert.is((await send(a, 'POST', '/api/boards/free/pixels', { body: { x: 5, y: 6, color: 1 } })).status, 200);

  const reset = (node: Node, confirm?: string) =>
    send(node, 'POST', '/api/admin/boards/free/reset', { cookie, body: { to: 'background', ...(confirm ? { confirm } : {}) } });
  const asked = await reset(a);
  assert.equal([asked.status, asked.body.error], [409, 'CONFIRMATION_REQUIRED']);
  assert.is((await reset(b, 'a guess')).status, 409, 'only a token handed out confirms');
  const done = await reset(b, asked.body.confirm);
  assert.equal([done.status, done.body.pixels], [200, 1], 'B knows the token A handed out, and the reset is done');
  const again = await reset(a, asked.body.confirm);
  assert.equal([again.status, again.body.error], [409, 'CONFIRMATION_REQUIRED'], 'a token is spent once, on any member');
}));

if (await servicesFor('cluster auth limits', 'PostgreSQL', 'Redis')) test.run();
