// Accounts on the wire: register, login, logout, me; cookie flags; no session fixation; the
// same answer for an unknown user and a wrong password; login limits (429 + Retry-After);
// history attributed to the account; and the authorisation matrix over EVERY /api/admin route
// (unauthenticated 401, user 403, moderator 403 on admin-only routes, foreign Origin 403).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RunningServer } from './support/server.js';
import { addUser, authCookie, call, freshIp, login, PASSWORD, startModerated } from './moderation/support.js';

let server: RunningServer;
test.before(async () => {
  server = await startModerated();
  await addUser(server, 'mod', 'moderator');
  await addUser(server, 'boss', 'admin');
});
test.after(() => server.stop());

test('register signs in: 201, an HttpOnly SameSite=Lax cookie; me names the user; a taken name is 409', async () => {
  const answer = await call(server, 'POST', '/api/auth/register', { body: { username: 'Alice', password: PASSWORD } });
  assert.is(answer.status, 201);
  assert.equal(answer.body.user, { id: answer.body.user.id, username: 'Alice', role: 'user' });
  const setCookie = ([] as string[]).concat(answer.headers['set-cookie']!).find((c) => c.startsWith('tessera_auth='))!;
  assert.match(setCookie, /; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax$/);
  assert.not.match(setCookie, /Secure/);
  const me = await call(server, 'GET', '/api/auth/me', { cookie: authCookie(answer) });
  assert.equal(me.body, { user: { id: answer.body.user.id, username: 'Alice', role: 'user' } });
  assert.equal((await call(server, 'GET', '/api/auth/me')).body, { user: null });
  const again = await call(server, 'POST', '/api/auth/register', { body: { username: 'alice', password: PASSWORD } });
  assert.equal([again.status, again.body.error], [409, 'USERNAME_TAKEN']);
  for (const [body, error] of [
    [{ username: 'a', password: PASSWORD }, 'BAD_USERNAME'],
    [{ username: 'bob bob', password: PASSWORD }, 'BAD_USERNAME'],
    [{ username: 'bobby', password: 'short' }, 'BAD_PASSWORD'],
    [{ username: 'bobby' }, 'BAD_JSON'],
    [{ username: 'bobby', password: PASSWORD, role: 'admin' }, 'BAD_JSON'],
    ['{', 'BAD_JSON'],
  ] as const) {
    const refused = await call(server, 'POST', '/api/auth/register', { body });
    assert.equal([refused.status, refused.body.error], [400, error], JSON.stringify(body));
  }
});

test('login: a new session id every time (no fixation); logout ends it; wrong password and unknown user answer alike', async () => {
  const first = await login(server, 'mod');
  const second = await login(server, 'mod');
  assert.is.not(first, second);
  // A cookie the client chose is never adopted: login ignores it and hands out a new one.
  const chosen = 'tessera_auth=' + 'A'.repeat(43);
  const fixed = await call(server, 'POST', '/api/auth/login', { cookie: chosen, body: { username: 'mod', password: PASSWORD } });
  assert.is.not(authCookie(fixed), chosen);
  assert.is((await call(server, 'GET', '/api/auth/me', { cookie: chosen })).body.user, null);
  const out = await call(server, 'POST', '/api/auth/logout', { cookie: first });
  assert.is(out.status, 200);
  assert.match(([] as string[]).concat(out.headers['set-cookie']!)[0]!, /^tessera_auth=; Path=\/; Max-Age=0/);
  assert.is((await call(server, 'GET', '/api/auth/me', { cookie: first })).body.user, null);
  assert.is((await call(server, 'GET', '/api/auth/me', { cookie: second })).body.user.username, 'mod');
  const wrong = await call(server, 'POST', '/api/auth/login', { body: { username: 'mod', password: 'not the password' } });
  const unknown = await call(server, 'POST', '/api/auth/login', { body: { username: 'nobody-here', password: 'not the password' } });
  assert.equal([wrong.status, wrong.body], [401, { error: 'INVALID_CREDENTIALS', message: 'wrong username or password' }]);
  assert.equal([unknown.status, unknown.body], [wrong.status, wrong.body]);
});

test('Secure is set when a trusted proxy says the browser spoke https', async () => {
  const answer = await call(server, 'POST', '/api/auth/login', { body: { username: 'mod', password: PASSWORD }, headers: { 'X-Forwarded-Proto': 'https' } });
  assert.match(([] as string[]).concat(answer.headers['set-cookie']!)[0]!, /; HttpOnly; Secure; SameSite=Lax$/);
});

test('login attempts: 5 a minute per username (from any IP) and per IP (for any username), then 429 with Retry-After', async () => {
  for (let i = 0; i < 5; i++) assert.is((await call(server, 'POST', '/api/auth/login', { body: { username: 'victim', password: 'guess' + i } })).status, 401);
  const limited = await call(server, 'POST', '/api/auth/login', { body: { username: 'victim', password: 'guess' } });
  assert.equal([limited.status, limited.body.error], [429, 'TOO_MANY_ATTEMPTS']);
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  const ip = freshIp();
  for (let i = 0; i < 5; i++) assert.is((await call(server, 'POST', '/api/auth/login', { ip, body: { username: `user${i}x`, password: 'guess' } })).status, 401);
  assert.is((await call(server, 'POST', '/api/auth/login', { ip, body: { username: 'mod', password: PASSWORD } })).status, 429, 'even with the right password');
  const metrics = (await call(server, 'GET', '/metrics')).body as string;
  assert.match(metrics, /tessera_logins_total\{result="limited"\} [1-9]/);
  assert.match(metrics, /tessera_logins_total\{result="failed"\} [1-9]/);
  assert.match(metrics, /tessera_logins_total\{result="ok"\} [1-9]/);
});

test('a signed-in writer is its account in the history; a guest who registers keeps its guest history linked', async () => {
  const guest = await call(server, 'POST', '/api/boards/free/pixels', { body: { x: 1, y: 1, color: 2 } });
  assert.is(guest.status, 200);
  const guestCookie = ([] as string[]).concat(guest.headers['set-cookie']!)[0]!.split(';')[0]!;
  const registered = await call(server, 'POST', '/api/auth/register', { cookie: guestCookie, body: { username: 'carol', password: PASSWORD } });
  const cookie = `${guestCookie}; ${authCookie(registered)}`;
  assert.is((await call(server, 'POST', '/api/boards/free/pixels', { cookie, body: { x: 1, y: 1, color: 3 } })).status, 200);
  const history = await call(server, 'GET', '/api/boards/free/pixels/1/1/history');
  const actors = history.body.items.map((item: { who: string }) => item.who);
  assert.is(actors[0], `user:${registered.body.user.id}`);
  assert.is(history.body.items[0].name, 'carol', 'display names appear in pixel history');
  assert.is(history.body.items[1].name, undefined, 'guests have none');
  const mine = await call(server, 'GET', '/api/sessions/me/history', { cookie });
  assert.equal([mine.body.who, mine.body.count], [`user:${registered.body.user.id}`, 2], 'the account\'s placements and the guest\'s before it');
  assert.equal(mine.body.items.map((item: { who: string; color: number }) => [item.who, item.color]), [[actors[0], 3], [actors[1], 2]]);
  const paged = await call(server, 'GET', '/api/sessions/me/history?limit=1', { cookie });
  const rest = await call(server, 'GET', `/api/sessions/me/history?limit=1&cursor=${paged.body.next}`, { cookie });
  assert.equal([paged.body.items[0].color, rest.body.items[0].color, rest.body.next], [3, 2, null]);
  const record = await server.moderation!.store.userByName('carol');
  assert.is(record!.guestActor, actors[1]);
});

// ---- the authorisation matrix ----

const ADMIN_ONLY = new Set([
  'PUT /api/admin/boards/:id/settings', 'POST /api/admin/boards/:id/reset', 'PUT /api/admin/users/:name/role', 'GET /api/admin/audit',
]);
const concrete = (path: string) => path.replace(':id', 'free').replace(':n', '1').replace(':name', 'mod');

test('authorisation matrix: every /api/admin route, unauthenticated, as user, as moderator, from a foreign origin', async () => {
  const routes = server.router!.routes().filter((route) => route.path.startsWith('/api/admin/'));
  assert.ok(routes.length >= 13, `${routes.length} admin routes`);
  for (const name of ADMIN_ONLY) assert.ok(routes.some((r) => `${r.method} ${r.path}` === name), `${name} exists`);
  await addUser(server, 'plain', 'user');
  await addUser(server, 'mod2', 'moderator');
  const user = await login(server, 'plain');
  const moderator = await login(server, 'mod2');
  const admin = await login(server, 'boss');
  for (const { method, path } of routes) {
    const name = `${method} ${path}`;
    const url = concrete(path);
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    const anonymous = await call(server, method, url, { body });
    assert.equal([anonymous.status, anonymous.body.error], [401, 'UNAUTHENTICATED'], `${name} unauthenticated`);
    const asUser = await call(server, method, url, { body, cookie: user });
    assert.equal([asUser.status, asUser.body.error], [403, 'FORBIDDEN'], `${name} as user`);
    const asModerator = await call(server, method, url, { body, cookie: moderator });
    if (ADMIN_ONLY.has(name)) assert.equal([asModerator.status, asModerator.body.error], [403, 'FORBIDDEN'], `${name} as moderator`);
    else assert.not.ok([401, 403].includes(asModerator.status), `${name} as moderator: ${asModerator.status}`);
    const foreign = await call(server, method, url, { body, cookie: admin, headers: { Origin: 'https://evil.example' } });
    assert.equal([foreign.status, foreign.body.error], [403, 'ORIGIN_NOT_ALLOWED'], `${name} from a foreign origin`);
    const own = await call(server, method, url, { body, cookie: admin, headers: { Origin: `http://127.0.0.1:${server.port}` } });
    assert.not.ok([401, 403].includes(own.status), `${name} as admin from the own origin: ${own.status}`);
  }
  // The account routes that change state refuse foreign origins too (login CSRF).
  for (const path of ['/api/auth/login', '/api/auth/register', '/api/auth/logout']) {
    const foreign = await call(server, 'POST', path, { body: { username: 'mod', password: PASSWORD }, headers: { Origin: 'https://evil.example' } });
    assert.is(foreign.status, 403, path);
  }
});

test('an admin changes a role; the audit log pages newest first with who, what and the result', async () => {
  const admin = await login(server, 'boss');
  await addUser(server, 'promoted', 'user');
  const role = await call(server, 'PUT', '/api/admin/users/promoted/role', { cookie: admin, body: { role: 'moderator' } });
  assert.equal([role.status, role.body.user.role], [200, 'moderator']);
  const asModerator = await login(server, 'promoted');
  assert.is((await call(server, 'GET', '/api/admin/bans', { cookie: asModerator })).status, 200);
  const page = await call(server, 'GET', '/api/admin/audit?limit=1', { cookie: admin });
  assert.is(page.status, 200);
  assert.is(page.body.entries.length, 1);
  const [entry] = page.body.entries;
  assert.equal([entry.username, entry.action, entry.params], ['boss', 'role', { username: 'promoted', role: 'moderator' }]);
  assert.ok(page.body.next !== null);
  const more = await call(server, 'GET', `/api/admin/audit?limit=200&before=${page.body.next}`, { cookie: admin });
  assert.ok(more.body.entries.every((e: { id: number }) => e.id < entry.id));
  assert.is((await call(server, 'GET', '/api/admin/audit?limit=0', { cookie: admin })).status, 400);
  assert.match((await call(server, 'GET', '/metrics')).body as string, /tessera_admin_actions_total\{action="role"\} 1/);
});

test.run();
