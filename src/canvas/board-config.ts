// The boards and the canvas server's settings, from a JSON file (config/default.json ships).
// The file is trusted operator input, but a typo in it should fail loudly at startup with
// the path of the bad value, not surface later as a strange board: so everything is
// checked, unknown keys included.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { BucketSpec } from '../ratelimit/bucket-spec.js';
import { normalizeHexColour } from './palette.js';

export type { BucketKey, BucketSpec } from '../ratelimit/bucket-spec.js';

/** What a board lets a writer do, and how fast (its rate-limit buckets). */
export interface WritePolicy {
  strokes: boolean;     // PLACE_BATCH allowed
  maxBatch: number;     // pixels per PLACE_BATCH, 1..65535 (n is u16)
  tileWrites: boolean;  // TILE_WRITE allowed (needs tileSize)
  buckets: BucketSpec[];
}

export interface BoardConfig {
  id: string;
  title: string;
  width: number;
  height: number;
  chunkSize: number;
  palette: string[];      // "#RRGGBB", upper-case
  background: number;     // palette index
  tileSize: number | null;
  policy: WritePolicy;
}

export interface ServerSettings {
  tickRateHz: number;
  trustedProxies: string[];  // addresses or CIDR ranges whose X-Forwarded-For we believe
  maxSubscriptionsPerClient: number;
  slowClientHighWaterBytes: number;
  slowClientHardLimitBytes: number;
  slowClientDeadlineMs: number;
}

export interface AppConfig {
  server: ServerSettings;
  boards: BoardConfig[];
}

export const DEFAULT_SERVER_SETTINGS: Readonly<ServerSettings> = {
  tickRateHz: 60,
  trustedProxies: [],
  maxSubscriptionsPerClient: 1024,
  slowClientHighWaterBytes: 262_144,
  slowClientHardLimitBytes: 4_194_304,
  slowClientDeadlineMs: 30_000,
};

// This file runs as build/src/canvas/board-config.js; the config folder is at the project root.
export const DEFAULT_CONFIG_PATH: string = fileURLToPath(new URL('../../../config/default.json', import.meta.url));

const BOARD_ID = /^[a-z0-9-]{1,32}$/;
// ONLINE lists every board in one message with an u8 count, so 255 is the most it can carry
// (board indices themselves would allow 256).
export const MAX_BOARDS = 255;
// Per-chunk bookkeeping is dense (a version and a slot per chunk, ~16 bytes), so the chunk
// count bounds a board's fixed cost: 2^20 chunks ≈ 16 MiB even if nothing is ever drawn.
export const MAX_CHUNKS_PER_BOARD = 1 << 20;

export function loadAppConfig(path: string): AppConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  try {
    return parseAppConfig(value);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

export function parseAppConfig(value: unknown): AppConfig {
  const root = object(value, '(config)');
  onlyKeys(root, ['server', 'boards'], '');
  const server = parseServerSettings(root.server ?? {}, 'server');
  const boardList = array(root.boards, 'boards');
  if (boardList.length < 1 || boardList.length > MAX_BOARDS) {
    fail('boards', `needs 1 to ${MAX_BOARDS} boards, got ${boardList.length}`);
  }
  const boards = boardList.map((board, i) => parseBoard(board, `boards[${i}]`));
  const seen = new Map<string, number>();
  boards.forEach((board, i) => {
    const first = seen.get(board.id);
    if (first !== undefined) fail(`boards[${i}].id`, `"${board.id}" is already the id of boards[${first}]`);
    seen.set(board.id, i);
  });
  return { server, boards };
}

function parseServerSettings(value: unknown, path: string): ServerSettings {
  const o = object(value, path);
  onlyKeys(o, Object.keys(DEFAULT_SERVER_SETTINGS), path);
  const d = DEFAULT_SERVER_SETTINGS;
  const at = (key: string) => `${path}.${key}`;
  const settings: ServerSettings = {
    tickRateHz: o.tickRateHz === undefined ? d.tickRateHz : number(o.tickRateHz, at('tickRateHz'), 1, 1000),
    trustedProxies: o.trustedProxies === undefined
      ? [...d.trustedProxies]
      : array(o.trustedProxies, at('trustedProxies')).map((p, i) => addressOrRange(p, `${at('trustedProxies')}[${i}]`)),
    maxSubscriptionsPerClient: o.maxSubscriptionsPerClient === undefined
      ? d.maxSubscriptionsPerClient
      : integer(o.maxSubscriptionsPerClient, at('maxSubscriptionsPerClient'), 1, 1 << 20),
    slowClientHighWaterBytes: o.slowClientHighWaterBytes === undefined
      ? d.slowClientHighWaterBytes
      : integer(o.slowClientHighWaterBytes, at('slowClientHighWaterBytes'), 1, Number.MAX_SAFE_INTEGER),
    slowClientHardLimitBytes: o.slowClientHardLimitBytes === undefined
      ? d.slowClientHardLimitBytes
      : integer(o.slowClientHardLimitBytes, at('slowClientHardLimitBytes'), 1, Number.MAX_SAFE_INTEGER),
    slowClientDeadlineMs: o.slowClientDeadlineMs === undefined
      ? d.slowClientDeadlineMs
      : integer(o.slowClientDeadlineMs, at('slowClientDeadlineMs'), 0, Number.MAX_SAFE_INTEGER),
  };
  if (settings.slowClientHardLimitBytes < settings.slowClientHighWaterBytes) {
    fail(at('slowClientHardLimitBytes'),
      `${settings.slowClientHardLimitBytes} is below slowClientHighWaterBytes (${settings.slowClientHighWaterBytes})`);
  }
  return settings;
}

function parseBoard(value: unknown, path: string): BoardConfig {
  const o = object(value, path);
  onlyKeys(o, ['id', 'title', 'width', 'height', 'chunkSize', 'palette', 'background', 'tileSize', 'policy'], path);
  const at = (key: string) => `${path}.${key}`;

  const id = string(o.id, at('id'));
  if (!BOARD_ID.test(id)) fail(at('id'), `${JSON.stringify(id)} must be 1 to 32 of a-z, 0-9 and -`);
  const title = string(o.title, at('title'));
  if (title.trim() === '') fail(at('title'), 'must not be empty');

  // Coordinates travel as u16; offsets inside a chunk too, hence chunkSize² ≤ 65536.
  const width = integer(o.width, at('width'), 1, 65535);
  const height = integer(o.height, at('height'), 1, 65535);
  const chunkSize = integer(o.chunkSize, at('chunkSize'), 8, 256);
  const chunks = Math.ceil(width / chunkSize) * Math.ceil(height / chunkSize);
  if (chunks > MAX_CHUNKS_PER_BOARD) {
    fail(at('chunkSize'), `${width}×${height} in chunks of ${chunkSize} is ${chunks} chunks, more than ${MAX_CHUNKS_PER_BOARD}`);
  }

  const palette = array(o.palette, at('palette')).map((c, i) => {
    const colour = normalizeHexColour(c);
    if (colour === null) fail(`${at('palette')}[${i}]`, `${JSON.stringify(c)} is not a #RRGGBB colour`);
    return colour;
  });
  if (palette.length < 2 || palette.length > 256) fail(at('palette'), `needs 2 to 256 colours, got ${palette.length}`);
  palette.forEach((colour, i) => {
    const first = palette.indexOf(colour);
    if (first !== i) fail(`${at('palette')}[${i}]`, `"${colour}" repeats palette[${first}]`);
  });
  const background = integer(o.background, at('background'), 0, palette.length - 1);

  let tileSize: number | null = null;
  if (o.tileSize !== undefined && o.tileSize !== null) {
    tileSize = integer(o.tileSize, at('tileSize'), 1, chunkSize);
    // A tile must sit inside one chunk (one CHUNK version per tile write) and the tiles must
    // cover the board exactly.
    if (chunkSize % tileSize !== 0) fail(at('tileSize'), `${tileSize} does not divide chunkSize ${chunkSize}`);
    if (width % tileSize !== 0 || height % tileSize !== 0) {
      fail(at('tileSize'), `${tileSize} does not divide the board's ${width}×${height}`);
    }
  }

  const policy = parsePolicy(o.policy, at('policy'));
  if (policy.tileWrites && tileSize === null) fail(at('policy.tileWrites'), 'needs a tileSize');
  return { id, title, width, height, chunkSize, palette, background, tileSize, policy };
}

function parsePolicy(value: unknown, path: string): WritePolicy {
  const o = object(value, path);
  onlyKeys(o, ['strokes', 'maxBatch', 'tileWrites', 'buckets'], path);
  const at = (key: string) => `${path}.${key}`;
  const strokes = boolean(o.strokes, at('strokes'));
  const maxBatch = integer(o.maxBatch, at('maxBatch'), 1, 65535);
  if (!strokes && maxBatch !== 1) fail(at('maxBatch'), `must be 1 when strokes is false, got ${maxBatch}`);
  const tileWrites = o.tileWrites === undefined ? false : boolean(o.tileWrites, at('tileWrites'));
  const buckets = array(o.buckets, at('buckets')).map((b, i) => parseBucket(b, `${at('buckets')}[${i}]`));
  return { strokes, maxBatch, tileWrites, buckets };
}

function parseBucket(value: unknown, path: string): BucketSpec {
  const o = object(value, path);
  onlyKeys(o, ['key', 'capacity', 'refillPerSecond', 'unit'], path);
  const at = (key: string) => `${path}.${key}`;
  return {
    key: oneOf(o.key, at('key'), ['session', 'ip', 'tile'] as const),
    capacity: integer(o.capacity, at('capacity'), 1, 65535),
    refillPerSecond: positive(o.refillPerSecond, at('refillPerSecond')),
    unit: oneOf(o.unit, at('unit'), ['pixel', 'write'] as const),
  };
}

// ---- small checkers: each returns the typed value or throws naming the path ----

function fail(path: string, problem: string): never {
  throw new Error(path === '' ? problem : `${path}: ${problem}`);
}

const describe = (value: unknown): string =>
  value === undefined ? 'nothing' : Array.isArray(value) ? 'an array' : JSON.stringify(value);

function object(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, `must be an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) fail(path === '' ? key : `${path}.${key}`, `unknown setting (expected one of ${allowed.join(', ')})`);
  }
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, `must be an array, got ${describe(value)}`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, `must be a string, got ${describe(value)}`);
  return value;
}

function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(path, `must be true or false, got ${describe(value)}`);
  return value;
}

function number(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(path, `must be a number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function positive(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(path, `must be a number > 0, got ${describe(value)}`);
  return value;
}

function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(path, `must be a whole number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, path: string, choices: readonly T[]): T {
  if (!choices.includes(value as T)) fail(path, `must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${describe(value)}`);
  return value as T;
}

/** "10.0.0.1", "::1", "10.0.0.0/8", "fd00::/8". */
function addressOrRange(value: unknown, path: string): string {
  const text = string(value, path);
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(address);
  const prefix = slash === -1 ? null : text.slice(slash + 1);
  const maxPrefix = family === 6 ? 128 : 32;
  const prefixOk = prefix === null || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
  if (family === 0 || !prefixOk) fail(path, `${JSON.stringify(text)} is not an IP address or CIDR range`);
  return text;
}
