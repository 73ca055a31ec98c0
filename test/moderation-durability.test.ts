// Moderation state survives kill -9: the real server as a child process on a data directory
// whose first admin the CLI made (`main.js admin create`, password on stdin); accounts,
// sessions, bans, locks, board settings, reports and the audit log set over HTTP; the server
// killed with SIGKILL right after the 200s; a new server on the directory enforces all of it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TestCanvasClient } from './support/canvas-client.js';

const NODE_FLAGS: string[] = (JSON.parse(readFileSync('package.json', 'utf8')).config?.nodeFlags ?? '').split(' ').filter(Boolean);
const ENV = { ...process.env, PASSWORD_COST_LOG2: '10' };
const PASSWORD = 'a long admin password';
const CONFIG = {
  server: {},
  boards: [{
    id: 'free', title: 'Free', width: 64, height: 64, chunkSize: 16, palette: ['#FFFFFF', '#000000', '#FF0000', '#0000FF'], background: 0,
    policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: [] },
  }],
};

const dir = mkdtempSync(join(tmpdir(), 'tessera-moderation-durability-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const dataDir = join(dir, 'data');
const configFile = join(dir, 'boards.json');
writeFileSync(configFile, JSON.stringify(CONFIG));

function run(args: string[], stdin: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, 'build/src/main.js', ...args], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => resolve({ code, out }));
    child.stdin.end(stdin);
  });
}

function startServer(): Promise<{ child: ChildProcess; port: number; exited: Promise<unknown> }> {
  const args = [...NODE_FLAGS, 'build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--config', configFile, '--data-dir', dataDir,
    '--log-level', 'warn', '--trusted-proxies', '127.0.0.1'];
  const child = spawn(process.execPath, args, { env: ENV, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]), exited });
    });
    void exited.then(() => reject(new Error(`server exited before listening: ${output}`)));
  });
}

async function send(port: number, method: string, path: string, options: { cookie?: string; body?: unknown; ip?: string } = {}) {
  const headers: Record<string, string> = { 'X-Forwarded-For': options.ip ?? '192.0.2.50' };
  if (options.cookie) headers.Cookie = options.cookie;
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, ...(options.body ? { body: JSON.stringify(options.body) } : {}) });
  return { status: response.status, headers: response.headers, body: await response.json() as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

test('the admin CLI makes the first admin; bans, locks, settings, reports, sessions and the audit survive kill -9', async () => {
  const created = await run(['admin', 'create', '--username', 'root', '--data-dir', dataDir], `${PASSWORD}\n`);
  assert.is(created.code, 0, created.out);
  assert.match(created.out, /created admin root/);
  const taken = await run(['admin', 'create', '--username', 'ROOT', '--data-dir', dataDir], `${PASSWORD}\n`);
  assert.is(taken.code, 1, 'the name is taken, whatever its case');
  const usage = await run(['admin', 'create', '--data-dir', dataDir], `${PASSWORD}\n`);
  assert.is(usage.code, 2);

  const first = await startServer();
  const login = await send(first.port, 'POST', '/api/auth/login', { body: { username: 'root', password: PASSWORD } });
  assert.is(login.status, 200);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  assert.is((await send(first.port, 'POST', '/api/admin/bans', { cookie, body: { kind: 'ip', target: '203.0.113.0/24', reason: 'raid' } })).status, 201);
  assert.is((await send(first.port, 'POST', '/api/admin/boards/free/locks', { cookie, body: { x: 1, y: 2, width: 3, height: 4, reason: 'logo' } })).status, 201);
  assert.is((await send(first.port, 'PUT', '/api/admin/boards/free/settings', { cookie, body: { closesAt: 4_102_444_800_000 } })).status, 200);
  assert.is((await send(first.port, 'POST', '/api/boards/free/reports', { body: { x: 9, y: 9, reason: 'spam' } })).status, 201);
  first.child.kill('SIGKILL');
  await first.exited;

  const second = await startServer();
  try {
    const me = await send(second.port, 'GET', '/api/auth/me', { cookie });
    assert.equal(me.body.user, { id: 1, username: 'root', role: 'admin' }, 'the session survived');
    const banned = await send(second.port, 'POST', '/api/boards/free/pixels', { ip: '203.0.113.9', body: { x: 30, y: 30, color: 1 } });
    assert.equal([banned.status, banned.body.error], [403, 'BANNED']);
    const locked = await send(second.port, 'POST', '/api/boards/free/pixels', { body: { x: 2, y: 3, color: 1 } });
    assert.equal([locked.status, locked.body.error], [403, 'LOCKED']);
    assert.is((await send(second.port, 'POST', '/api/boards/free/pixels', { body: { x: 30, y: 30, color: 1 } })).status, 200);
    assert.equal((await send(second.port, 'GET', '/api/boards/free/locks')).body.locks, [{ id: 1, x: 1, y: 2, width: 3, height: 4, reason: 'logo' }]);
    assert.is((await send(second.port, 'GET', '/api/boards/free/settings')).body.closesAt, 4_102_444_800_000);
    assert.equal((await send(second.port, 'GET', '/api/admin/reports', { cookie })).body.reports.map((r: { reason: string }) => r.reason), ['spam']);
    const audit = await send(second.port, 'GET', '/api/admin/audit', { cookie });
    assert.equal(audit.body.entries.map((e: { action: string }) => e.action), ['settings', 'lock', 'ban', 'create-user']);
    const bot = await TestCanvasClient.open(`ws://127.0.0.1:${second.port}/ws`, { 'X-Forwarded-For': '203.0.113.200' });
    const code = new Promise((resolve) => bot.ws.once('close', resolve));
    assert.is((await bot.next('banned')).reason, 'raid');
    assert.is(await code, 1008);
    const viewer = await TestCanvasClient.open(`ws://127.0.0.1:${second.port}/ws`);
    assert.equal((await viewer.next('locks')).locks, [{ x: 1, y: 2, width: 3, height: 4 }]);
    assert.equal((await viewer.next('board-state')).closesAt, 4_102_444_800_000);
    await viewer.close();
  } finally {
    second.child.kill('SIGTERM');
    await second.exited;
  }
});

test.run();
