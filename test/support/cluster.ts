// Cluster tests' processes: real servers (build/src/main.js) in child processes sharing one
// PostgreSQL schema and one Redis key prefix, both unique to the test run and removed after it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { Redis } from 'ioredis';
import { decodeChunkPixels } from '../../src/protocol/chunk-encoding.js';
import { encodeSubscribe } from '../../src/protocol/messages.js';
import { TestCanvasClient } from './canvas-client.js';
import { DATABASE_URL, REDIS_URL } from './services.js';

export interface ClusterRun {
  schema: string;
  prefix: string;
  databaseUrl: string;
  redisUrl: string;
}

/** A run of its own; `databasePort` routes the members' database connections through another port (a proxy). */
export function newClusterRun(redisUrl = REDIS_URL, databasePort?: number): ClusterRun {
  const id = randomBytes(6).toString('hex');
  const schema = `tessera_c_${id}`;
  const prefix = `tessera-test:${id}:`;
  const database = new URL(DATABASE_URL);
  if (databasePort !== undefined) database.port = String(databasePort);
  database.searchParams.set('schema', schema);
  const redis = new URL(redisUrl);
  redis.searchParams.set('prefix', prefix);
  return { schema, prefix, databaseUrl: database.toString(), redisUrl: redis.toString() };
}

/** Drops the run's schema and deletes its keys. */
export async function removeClusterRun(run: ClusterRun, redisUrl = REDIS_URL): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${run.schema}" CASCADE`);
  await client.end();
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const keys = await redis.keys(`${run.prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } catch {
    // a Redis of the test's own that is gone already
  } finally {
    redis.disconnect();
  }
}

export interface Node {
  child: ChildProcess;
  port: number;
  url: string;
  wsUrl: string;
  exited: Promise<number | null>;
}

export function boardsFile(dir: string, boards: unknown[]): string {
  const file = join(dir, 'boards.json');
  writeFileSync(file, JSON.stringify({ server: {}, boards }));
  return file;
}

/** Starts one cluster member; resolves once it listens. */
export function startNode(run: ClusterRun, configFile: string, extra: string[] = [], redisUrl = run.redisUrl): Promise<Node> {
  const args = ['build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--config', configFile, '--log-level', 'warn',
    '--database', run.databaseUrl, '--redis', redisUrl, '--snapshot-interval-ms', '0', ...extra];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (match) resolve({ child, port: Number(match[1]), url: `http://127.0.0.1:${match[1]}`, wsUrl: `ws://127.0.0.1:${match[1]}/ws`, exited });
    });
    void exited.then((code) => reject(new Error(`cluster member exited (${code}) before listening`)));
  });
}

export interface Readiness {
  status: number;
  ready: boolean;
  appliedSeq: number;
}

export async function readiness(node: Node): Promise<Readiness> {
  try {
    const response = await fetch(`${node.url}/health/ready`);
    const body = await response.json() as { ready: boolean; appliedSeq: number };
    return { status: response.status, ...body };
  } catch {
    return { status: 0, ready: false, appliedSeq: -1 };
  }
}

/** Polls `condition` every 50 ms until it holds; fails after `limitMs` (a bound, not a synchronisation). */
export async function eventually<T>(what: string, probe: () => Promise<T>, condition: (value: T) => boolean, limitMs = 20_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (condition(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A board's pixels as one process shows them to a new subscriber (chunk snapshots). */
export async function boardSeenBy(node: Node, board: number, size: number, chunkSize: number): Promise<Uint8Array> {
  const viewer = await TestCanvasClient.open(node.wsUrl);
  const per = size / chunkSize;
  const coords: number[] = [];
  for (let cy = 0; cy < per; cy++) for (let cx = 0; cx < per; cx++) coords.push(cx, cy);
  viewer.send(encodeSubscribe(board, coords));
  const pixels = new Uint8Array(size * size);
  for (let i = 0; i < per * per; i++) {
    const chunk = await within(viewer.next('chunk'), 20_000, 'a chunk snapshot');
    const chunkPixels = decodeChunkPixels(chunk.encoding, chunk.pixels, chunkSize, 0);
    for (let row = 0; row < chunkSize; row++) {
      pixels.set(chunkPixels.subarray(row * chunkSize, (row + 1) * chunkSize), (chunk.cy * chunkSize + row) * size + chunk.cx * chunkSize);
    }
  }
  await viewer.close();
  return pixels;
}

/** The database's history of a board replayed in seq order onto an empty board, with each pixel's colours in order. */
export async function replayFromDatabase(run: ClusterRun, boardId: string, size: number): Promise<{ pixels: Uint8Array; lastSeq: number; history: Map<number, number[]> }> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ seq: string; x: number; y: number; color: number }>(
      `SELECT seq, x, y, color FROM "${run.schema}".placements WHERE board = $1 AND tile_size IS NULL ORDER BY seq`, [boardId]);
    const { rows: [state] } = await client.query<{ last_seq: string }>(`SELECT last_seq FROM "${run.schema}".state`);
    const pixels = new Uint8Array(size * size);
    const history = new Map<number, number[]>();
    for (const row of rows) {
      const at = row.y * size + row.x;
      pixels[at] = row.color;
      let colors = history.get(at);
      if (!colors) history.set(at, (colors = []));
      colors.push(row.color);
    }
    return { pixels, lastSeq: Number(state!.last_seq), history };
  } finally {
    await client.end();
  }
}

/** A free loopback port (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own (never the machine's), on `port`, keeping nothing on disk. */
export async function startOwnRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  await eventually('own redis-server answers', async () => {
    try {
      if (probe.status !== 'ready') await probe.connect();
      return await probe.ping();
    } catch {
      probe.disconnect();
      return 'no';
    }
  }, (answer) => answer === 'PONG', 10_000);
  probe.disconnect();
  return child;
}

/**
 * A TCP relay from a loopback port to `target` that the test can cut (every connection through
 * it dropped, new ones refused at once) and restore: a database that vanishes and comes back.
 */
export class CuttableProxy {
  private readonly sockets = new Set<Socket>();
  private cut = false;
  private readonly server: Server;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer((inbound) => {
      if (this.cut) return inbound.destroy();
      const outbound = connect(this.target.port, this.target.host);
      for (const socket of [inbound, outbound]) {
        this.sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => {
          this.sockets.delete(socket);
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port)));
  }

  setCut(cut: boolean): void {
    this.cut = cut;
    if (cut) for (const socket of this.sockets) socket.destroy();
  }

  close(): Promise<void> {
    this.setCut(true);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** `promise`, or a failure naming `what` after `limitMs`: no test waits forever. */
export function within<T>(promise: Promise<T>, limitMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${limitMs} ms`)), limitMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A cluster test's teardown: its clients closed, its members stopped, its schema, key prefix and files removed. */
export async function tearDownCluster(run: ClusterRun, nodes: readonly Node[], clients: readonly TestCanvasClient[], dir: string, redisUrl = REDIS_URL): Promise<void> {
  await Promise.all(clients.map((client) => client.close()));
  for (const node of nodes) node.child.kill('SIGTERM');
  await Promise.all(nodes.map((node) => node.exited));
  await removeClusterRun(run, redisUrl);
  rmSync(dir, { recursive: true, force: true });
}
