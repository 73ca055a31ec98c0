// The server on PostgreSQL storage (--database): writes are acknowledged once in the database
// and come back after a restart; the schema is held like a data directory; the size cap
// (--max-database-mb) refuses writes as UNAVAILABLE and leaves the board unchanged; start-up
// refusals (workers without Redis, services out of reach) say what is wrong.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { parseAppConfig } from '../src/config/load.js';
import { DataDirectoryInUseError } from '../src/storage/errors.js';
import { encodePlace, encodePlaceBatch, RejectReason } from '../src/protocol/messages.js';
import { TestCanvasClient } from './support/canvas-client.js';
import { startApp } from './support/server.js';
import { DATABASE_URL, servicesFor } from './support/services.js';

const SIZE = 128;
const CONFIG = parseAppConfig({
  server: {},
  boards: [{
    id: 'free', title: 'Free', width: SIZE, height: SIZE, chunkSize: 32, palette: ['#FFFFFF', '#222222', '#E50000', '#0000EA'], background: 0,
    policy: { strokes: true, maxBatch: 1000, tileWrites: false, buckets: [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }] },
  }],
});
const schemas: string[] = [];
function freshDatabase(): string {
  const schema = `tessera_t_${randomBytes(8).toString('hex')}`;
  schemas.push(schema);
  const url = new URL(DATABASE_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

test.after(async () => {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

test('writes acknowledged on PostgreSQL come back after a restart; a second server on the schema is refused', async () => {
  const database = freshDatabase();
  const app = await startApp({ dataDir: '', database }, CONFIG);
  const client = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  client.send(encodePlace(1, 0, 10, 20, 3));
  assert.is((await client.next('ack', (m) => m.requestId === 1)).count, 1);
  client.send(encodePlaceBatch(2, 0, [11, 20, 2, 12, 20, 1]));
  assert.is((await client.next('ack', (m) => m.requestId === 2)).count, 2);
  const refusal = await startApp({ dataDir: '', database }, CONFIG).then(async (other) => (await other.stop(), null), (error: unknown) => error);
  assert.instance(refusal, DataDirectoryInUseError);
  await client.close();
  await app.stop();

  const again = await startApp({ dataDir: '', database }, CONFIG);
  try {
    const board = again.canvas!.boards[0]!;
    assert.equal([board.getPixel(10, 20), board.getPixel(11, 20), board.getPixel(12, 20)], [3, 2, 1]);
    const history = await fetch(`${again.httpUrl}/api/boards/free/pixels/10/20/history`).then((response) => response.json()) as { items: unknown[] };
    assert.is(history.items.length, 1);
  } finally {
    await again.stop();
  }
});

test('the size cap refuses writes as UNAVAILABLE and leaves the board as it was', async () => {
  const app = await startApp({ dataDir: '', database: freshDatabase(), maxDatabaseMb: 1 }, CONFIG);
  const client = await TestCanvasClient.open(`${app.wsUrl}/ws`);
  try {
    const board = app.canvas!.boards[0]!;
    let refused: number[] | null = null;
    for (let request = 1; request <= 150 && refused === null; request++) {
      const pixels = Array.from({ length: 500 }, (_, k) => (request * 500 + k) % (SIZE * SIZE));
      const before = pixels.map((i) => board.getPixel(i % SIZE, Math.floor(i / SIZE)));
      client.send(encodePlaceBatch(request, 0, pixels.flatMap((i) => [i % SIZE, Math.floor(i / SIZE), 1 + (request % 3)])));
      const answer = await Promise.race([client.next('ack', (m) => m.requestId === request), client.next('reject', (m) => m.requestId === request)]);
      if (answer.type === 'reject') {
        assert.is(answer.reason, RejectReason.UNAVAILABLE);
        refused = pixels.map((i) => board.getPixel(i % SIZE, Math.floor(i / SIZE)));
        assert.equal(refused, before, 'a refused write leaves the board as it was');
      }
    }
    assert.ok(refused !== null, 'the cap was reached');
  } finally {
    await client.close();
    await app.stop();
  }
});

/** Runs the server with `args`; resolves with its exit code and what it wrote to stderr. */
function refusal(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['build/src/main.js', '--port', '0', '--host', '127.0.0.1', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

test('start-up refusals say what is wrong: workers without Redis, Redis without PostgreSQL, services out of reach', async () => {
  const workers = await refusal(['--workers', '2']);
  assert.is(workers.code, 2);
  assert.match(workers.stderr, '--workers: 2 workers need --redis (REDIS_URL)');
  const redisAlone = await refusal(['--redis', 'redis://127.0.0.1:6379']);
  assert.is(redisAlone.code, 2);
  assert.match(redisAlone.stderr, 'cluster mode needs --database (DATABASE_URL)');
  const closedPort = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
  const noDatabase = await refusal(['--database', `postgres://postgres@127.0.0.1:${closedPort}/test`]);
  assert.is(noDatabase.code, 2);
  assert.match(noDatabase.stderr, `cannot reach PostgreSQL for database schema "tessera" at 127.0.0.1:${closedPort}/test`);
  const noRedis = await refusal(['--database', freshDatabase(), '--redis', `redis://127.0.0.1:${closedPort}`]);
  assert.is(noRedis.code, 2);
  assert.match(noRedis.stderr, `cluster mode: cannot reach Redis at 127.0.0.1:${closedPort}`);
});

if (await servicesFor('PostgreSQL server', 'PostgreSQL')) test.run();
