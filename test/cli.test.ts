// The server as a user runs it: the listening line, configuration from flags
// and environment, and graceful shutdown on SIGTERM/SIGINT.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../src/config/load.js';
import { SETTING_KEYS, envName, flagName, usage } from '../src/config/settings.js';
import { openSocket, readResponses, readUntilClose } from './support/raw.js';
import { rawWebSocket } from './support/raw-websocket.js';
import { startApp } from './support/server.js';

// Node flags exactly as `npm start` passes them (package.json "config.nodeFlags").
const NODE_FLAGS: string[] = (JSON.parse(readFileSync('package.json', 'utf8')).config?.nodeFlags ?? '').split(' ').filter(Boolean);

function startProcess(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number; line: string }> {
  // Each server keeps its boards in a data directory of its own (the OS's temporary folder).
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  const child = spawn(process.execPath, [...NODE_FLAGS, 'build/src/main.js', ...args], { env: { ...process.env, DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
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
  const { child, port } = await startProcess(['--port', '0', '--host', '127.0.0.1', '--log-level', 'warn', '--echo']);
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
  const server = await startApp({ echo: true, wsCloseTimeoutMs: 100, shutdownTimeoutMs: 60_000 });
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
  const { settings: config } = loadConfig(['--port', '9000', '--max-connections-per-ip=7', '--allowed-origins', 'https://a.example, https://b.example'], { PORT: '1', HOST: '::1', LOG_LEVEL: 'debug' });
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
  assert.throws(() => loadConfig([], { LOG_LEVEL: 'loud' }), /LOG_LEVEL: unknown log level "loud"/);
  assert.throws(() => loadConfig([], { PORT: '80.5' }), /^PORT: must be a whole number from 0 to 65535, got 80.5/);
});

test('configuration: one schema for flags, environment and the JSON file, flags first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-config-'));
  try {
    const file = join(dir, 'config.json');
    const json = JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8'));
    json.server = { ...json.server, port: 7000, tickRateHz: 30, maxHeaderCount: 50, wsPingIntervalMs: 1234 };
    writeFileSync(file, JSON.stringify(json));
    const { settings, boards } = loadConfig(['--config', file, '--tick-rate-hz', '20'], { MAX_HEADER_COUNT: '60', TRUSTED_PROXIES: '10.0.0.0/8, ::1' });
    assert.is(settings.port, 7000, 'from the file');
    assert.is(settings.wsPingIntervalMs, 1234, 'from the file');
    assert.is(settings.maxHeaderCount, 60, 'the environment over the file');
    assert.is(settings.tickRateHz, 20, 'a flag over the file');
    assert.equal(settings.trustedProxies, ['10.0.0.0/8', '::1'], 'a JSON-era setting from the environment');
    assert.is(settings.config, file);
    assert.equal(boards.map((b) => b.id), ['place', 'pixels', 'mosaic']);
    // The file's values are checked like flags, and the error names the file.
    json.server.port = 'eighty';
    writeFileSync(file, JSON.stringify(json));
    assert.throws(() => loadConfig(['--config', file], {}), /server\.port: must be a whole number/);
    assert.throws(() => loadConfig(['--config', file], {}), /got "eighty"/);
    // The file is checked whole, as a file: a typo in it fails even where a flag overrides the value.
    assert.throws(() => loadConfig(['--config', file, '--port', '0'], {}), /server\.port/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('configuration: a flag wins over a bad or empty environment variable', () => {
  assert.is(loadConfig(['--port', '0'], { PORT: 'not-a-port' }).settings.port, 0);
  assert.is(loadConfig([], { PORT: '' }).settings.port, 8080, 'an empty variable is unset');
  assert.throws(() => loadConfig([], { PORT: 'not-a-port' }), /PORT: must be a whole number/);
});

test('configuration: on/off settings; a bare flag means on', () => {
  assert.is(loadConfig([], {}).settings.echo, false, '/echo is off by default');
  assert.is(loadConfig(['--echo'], {}).settings.echo, true);
  assert.is(loadConfig(['--echo', '--port', '0'], {}).settings.echo, true, 'followed by another flag');
  assert.is(loadConfig(['--echo', 'false'], {}).settings.echo, false);
  assert.is(loadConfig(['--ws-compression=false'], {}).settings.wsCompression, false);
  assert.is(loadConfig([], { ECHO: 'true', WS_COMPRESSION: 'false' }).settings.echo, true);
  assert.throws(() => loadConfig([], { ECHO: 'yes' }), /ECHO: must be true or false/);
});

test('--help lists every setting with its flag and environment variable', () => {
  const help = usage();
  for (const key of SETTING_KEYS) {
    assert.ok(help.includes(`--${flagName(key)}, ${envName(key)}`), key);
  }
  assert.ok(help.includes('--slow-client-deadline-ms, SLOW_CLIENT_DEADLINE_MS (default 30000)'));
});

test.run();
