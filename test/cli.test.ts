// The server as a user runs it: the listening line, configuration from flags
// and environment, and graceful shutdown on SIGTERM/SIGINT.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { openSocket, readResponses, readUntilClose } from './support/raw.js';
import { rawWebSocket } from './support/raw-websocket.js';
import { startApp } from './support/server.js';

// Node flags exactly as `npm start` passes them (package.json "config.nodeFlags").
const NODE_FLAGS: string[] = (JSON.parse(readFileSync('package.json', 'utf8')).config?.nodeFlags ?? '').split(' ').filter(Boolean);

function startProcess(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number; line: string }> {
  const child = spawn(process.execPath, [...NODE_FLAGS, 'build/src/main.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const line = output.split('\n')[0]!;
      if (output.includes('\n')) resolve({ child, port: Number(line.split(':').pop()), line });
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening: ${output}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

test('prints exactly one "listening on" line with the real port; PORT and HOST from the environment', async () => {
  const { child, port, line } = await startProcess([], { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
  assert.match(line, /^listening on http:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(port > 0);
  // PNGs are encoded in a worker thread, which must start under the same Node flags.
  const png = await fetch(`http://127.0.0.1:${port}/api/boards/place/chunks/0/0.png`);
  assert.is(png.status, 200);
  assert.is(png.headers.get('content-type'), 'image/png');
  child.kill('SIGINT');
  assert.is(await exited(child), 0);
});

test('SIGTERM: WebSockets get 1001, idle keep-alive connections close, exit 0', async () => {
  const { child, port } = await startProcess(['--port', '0', '--host', '127.0.0.1', '--log-level', 'warn']);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/echo`);
  await new Promise((resolve) => ws.once('open', resolve));
  const wsClosed = new Promise<number>((resolve) => ws.once('close', resolve));
  const idle = await openSocket(port);
  idle.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
  await readResponses(idle, 1);
  const idleClosed = readUntilClose(idle);
  child.kill('SIGTERM');
  assert.is(await wsClosed, 1001);
  await idleClosed;
  assert.is(await exited(child), 0);
});

test('a peer that never answers our close frame is dropped after the close timeout', async () => {
  const server = await startApp({ wsCloseTimeoutMs: 100, shutdownTimeoutMs: 60_000 });
  const raw = await rawWebSocket(server.port);
  const started = Date.now();
  await server.stop(); // resolves only once every socket is closed
  const frame = raw.frames[0]!;
  assert.is(frame.opcode, 0x8);
  assert.is(frame.payload.readUInt16BE(0), 1001);
  await raw.closed;
  assert.ok(Date.now() - started < 30_000, 'closed by the close timeout, not the shutdown deadline');
});

test('configuration: flags over environment over defaults, and clear errors', () => {
  const config = loadConfig(['--port', '9000', '--max-connections-per-ip=7', '--allowed-origins', 'https://a.example, https://b.example'], { PORT: '1', HOST: '::1', LOG_LEVEL: 'debug' });
  assert.is(config.port, 9000);
  assert.is(config.host, '::1');
  assert.is(config.logLevel, 'debug');
  assert.is(config.maxConnectionsPerIp, 7);
  assert.equal(config.allowedOrigins, ['https://a.example', 'https://b.example']);
  assert.is(config.headerTimeoutMs, 10_000);
  assert.throws(() => loadConfig(['--port', '70000'], {}), /65535/);
  assert.throws(() => loadConfig(['--port', 'abc'], {}), /whole number/);
  assert.throws(() => loadConfig(['--nope', '1'], {}), /unknown flag --nope/);
  assert.throws(() => loadConfig(['--port'], {}), /needs a value/);
  assert.throws(() => loadConfig([], { LOG_LEVEL: 'loud' }), /loud/);
});

test.run();
