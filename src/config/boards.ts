// The boards of the JSON configuration (config/default.json ships): each
// board's shape (canvas) and its write policy (placement), checked value by
// value, unknown keys included, with the path of anything wrong.
import type { BoardConfig } from '../canvas/board-config.js';
import { MAX_CHUNKS_PER_BOARD } from '../canvas/board-config.js';
import { normalizeHexColour } from '../canvas/palette.js';
import type { WritePolicy } from '../placement/write-policy.js';
import type { BucketSpec } from '../ratelimit/bucket-spec.js';
import { array, boolean, fail, integer, object, oneOf, onlyKeys, positive, string } from './checks.js';

/** A board as the configuration gives it: what it is, and how it may be written. */
export interface BoardDefinition extends BoardConfig {
  policy: WritePolicy;
}

const BOARD_ID = /^[a-z0-9-]{1,32}$/;
// ONLINE lists every board in one message with an u8 count, so 255 is the most it can carry
// (board indices themselves would allow 256).
export const MAX_BOARDS = 255;

export function parseBoards(value: unknown, where: string): BoardDefinition[] {
  const list = array(value, where);
  if (list.length < 1 || list.length > MAX_BOARDS) fail(where, `needs 1 to ${MAX_BOARDS} boards, got ${list.length}`);
  const boards = list.map((board, i) => parseBoard(board, `${where}[${i}]`));
  const seen = new Map<string, number>();
  boards.forEach((board, i) => {
    const first = seen.get(board.id);
    if (first !== undefined) fail(`${where}[${i}].id`, `"${board.id}" is already the id of ${where}[${first}]`);
    seen.set(board.id, i);
  });
  return boards;
}

function parseBoard(value: unknown, path: string): BoardDefinition {
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
  onlyKeys(o, ['strokes', 'maxBatch', 'tileWrites', 'maxChunks', 'buckets'], path);
  const at = (key: string) => `${path}.${key}`;
  const strokes = boolean(o.strokes, at('strokes'));
  const maxBatch = integer(o.maxBatch, at('maxBatch'), 1, 65535);
  if (!strokes && maxBatch !== 1) fail(at('maxBatch'), `must be 1 when strokes is false, got ${maxBatch}`);
  const tileWrites = o.tileWrites === undefined ? false : boolean(o.tileWrites, at('tileWrites'));
  const maxChunks = o.maxChunks === undefined || o.maxChunks === null ? null : integer(o.maxChunks, at('maxChunks'), 1, MAX_CHUNKS_PER_BOARD);
  const buckets = array(o.buckets, at('buckets')).map((b, i) => parseBucket(b, `${at('buckets')}[${i}]`));
  return { strokes, maxBatch, tileWrites, maxChunks, buckets };
}

export function parseBucket(value: unknown, path: string): BucketSpec {
  const o = object(value, path);
  onlyKeys(o, ['key', 'capacity', 'refillPerSecond', 'unit', 'roles'], path);
  const at = (key: string) => `${path}.${key}`;
  const bucket: BucketSpec = {
    key: oneOf(o.key, at('key'), ['session', 'ip', 'tile'] as const),
    capacity: integer(o.capacity, at('capacity'), 1, 65535),
    refillPerSecond: positive(o.refillPerSecond, at('refillPerSecond')),
    unit: oneOf(o.unit, at('unit'), ['pixel', 'write', 'chunk'] as const),
  };
  if (o.roles === undefined) return bucket;
  const roles = array(o.roles, at('roles')).map((role, i) => oneOf(role, `${at('roles')}[${i}]`, ['guest', 'user', 'moderator', 'admin'] as const));
  return { ...bucket, roles };
}
