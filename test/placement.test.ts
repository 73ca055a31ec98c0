// The placement pipeline, stage by stage and as a whole: validate, authorise,
// rate-limit, commit (immediate and deferred), apply. Time is a ManualClock.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Board } from '../src/canvas/board.js';
import { DEFAULT_CONFIG_PATH, loadAppConfig } from '../src/config/load.js';
import type { BoardDefinition as BoardConfig } from '../src/config/boards.js';
import { newChunks } from '../src/placement/allocation.js';
import { apply } from '../src/placement/apply.js';
import { allowEveryone, type Authoriser } from '../src/placement/authorise.js';
import { inMemoryCommit, type CommitStage } from '../src/placement/commit.js';
import { PlacementPipeline, type PlacementMetrics } from '../src/placement/pipeline.js';
import { BoardRateLimits } from '../src/placement/rate-limit.js';
import { validate } from '../src/placement/validate.js';
import type { PlacementResult, Write, WriteRequest } from '../src/placement/write.js';
import { RejectReason } from '../src/protocol/types.js';
import { ManualClock } from './support/manual-clock.js';

const defaults = loadAppConfig(DEFAULT_CONFIG_PATH);
const [PLACE, PIXELS, MOSAIC] = defaults.boards as [BoardConfig, BoardConfig, BoardConfig];
const alice = { session: 'alice', ip: '10.0.0.1' };
const bob = { session: 'bob', ip: '10.0.0.2' };

function stroke(...pixels: [number, number, number][]): Write {
  const bytes = new Uint8Array(pixels.length * 5);
  pixels.forEach(([x, y, c], i) => bytes.set([x >> 8, x & 255, y >> 8, y & 255, c], i * 5));
  return { kind: 'batch', pixels: bytes, count: pixels.length };
}

function countingMetrics() {
  const placed: Record<string, number> = {};
  const rejects: string[] = [];
  const metrics: PlacementMetrics = {
    pixelsPlaced: { inc: ({ board }, by = 1) => void (placed[board] = (placed[board] ?? 0) + by) },
    rejects: { inc: ({ reason }) => void rejects.push(reason) },
  };
  return { metrics, placed, rejects };
}

/** A commit stage that holds every request until the test settles it, as a durable store would. */
class DeferredCommit implements CommitStage {
  readonly pending: { request: WriteRequest; settle: (ok: boolean) => void }[] = [];
  commit(request: WriteRequest): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ request, settle: (ok) => (ok ? resolve() : reject(new Error('disk full'))) });
    });
  }
}

// ---- validate ----

test('validate: pixels inside the board with palette colours only', () => {
  const board = new Board(PLACE, 0);
  assert.is(validate(board, PLACE.policy, { kind: 'pixel', x: 999, y: 999, color: 15 }), null);
  assert.is(validate(board, PLACE.policy, { kind: 'pixel', x: 1000, y: 0, color: 1 }), RejectReason.INVALID_COORDS);
  assert.is(validate(board, PLACE.policy, { kind: 'pixel', x: 1.5, y: 0, color: 1 }), RejectReason.INVALID_COORDS);
  assert.is(validate(board, PLACE.policy, { kind: 'pixel', x: 0, y: 0, color: 16 }), RejectReason.INVALID_COLOR);
});

test('validate: strokes only where allowed, within maxBatch, every pixel checked', () => {
  const place = new Board(PLACE, 0);
  const pixels = new Board(PIXELS, 1);
  assert.is(validate(place, PLACE.policy, stroke([1, 1, 1])), null, 'a one-pixel batch is a placement');
  assert.is(validate(place, PLACE.policy, stroke([1, 1, 1], [2, 2, 2])), RejectReason.NOT_ALLOWED, 'no strokes on place');
  assert.is(validate(pixels, PIXELS.policy, stroke([1, 1, 1], [2, 2, 2])), null);
  assert.is(validate(pixels, PIXELS.policy, { kind: 'batch', pixels: new Uint8Array(0), count: 0 }), RejectReason.NOT_ALLOWED);
  assert.is(validate(pixels, PIXELS.policy, stroke([1, 1, 1], [900, 2, 2])), RejectReason.INVALID_COORDS);
  assert.is(validate(pixels, PIXELS.policy, stroke([1, 1, 1], [2, 2, 32])), RejectReason.INVALID_COLOR);
  const tooLong = Array.from({ length: PIXELS.policy.maxBatch + 1 }, (_, i) => [i, 0, 1] as [number, number, number]);
  assert.is(validate(pixels, PIXELS.policy, stroke(...tooLong)), RejectReason.NOT_ALLOWED);
});

test('validate: tiles only on tiled boards, whole and in range', () => {
  const mosaic = new Board(MOSAIC, 0);
  const size = MOSAIC.tileSize!;
  const tile = new Uint8Array(size * size);
  assert.is(validate(mosaic, MOSAIC.policy, { kind: 'tile', tx: 0, ty: 0, colors: tile }), null);
  assert.is(validate(mosaic, MOSAIC.policy, { kind: 'tile', tx: MOSAIC.width / size, ty: 0, colors: tile }), RejectReason.INVALID_COORDS);
  assert.is(validate(mosaic, MOSAIC.policy, { kind: 'tile', tx: 0, ty: 0, colors: tile.subarray(1) }), RejectReason.NOT_ALLOWED);
  assert.is(validate(new Board(PLACE, 0), PLACE.policy, { kind: 'tile', tx: 0, ty: 0, colors: tile }), RejectReason.NOT_ALLOWED);
});

// ---- rate limits ----

test('rate limits: one pixel per cooldown on place, retry-after from the bucket', () => {
  const board = new Board(PLACE, 0);
  const limits = new BoardRateLimits([PLACE.policy]);
  const pixel: Write = { kind: 'pixel', x: 0, y: 0, color: 1 };
  assert.is(limits.consume(board, alice, pixel, 0), null);
  assert.equal(limits.consume(board, alice, pixel, 1000), { reason: RejectReason.RATE_LIMITED, retryAfterMs: 4000 });
  assert.is(limits.consume(board, bob, pixel, 1000), null, 'buckets are per writer');
  assert.is(limits.consume(board, alice, pixel, 5000), null, 'refilled after 5 s');
});

test('rate limits: a stroke costs its pixels; one larger than any bucket is NOT_ALLOWED', () => {
  const board = new Board(PIXELS, 0);
  const limits = new BoardRateLimits([PIXELS.policy]);
  const capacity = PIXELS.policy.buckets[0]!.capacity;
  const fill = (n: number) => stroke(...Array.from({ length: n }, (_, i) => [i, 0, 1] as [number, number, number]));
  assert.equal(limits.consume(board, alice, fill(capacity + 1000), 0), { reason: RejectReason.NOT_ALLOWED, retryAfterMs: 0 });
  assert.is(limits.consume(board, alice, fill(capacity), 0), null);
  assert.is(limits.consume(board, alice, fill(1), 0)?.reason, RejectReason.RATE_LIMITED);
  assert.is(limits.quota(board, alice, 0).available, 0);
});

test('rate limits: a tile write also spends the tile’s own bucket', () => {
  const board = new Board(MOSAIC, 0);
  const limits = new BoardRateLimits([MOSAIC.policy]);
  const size = MOSAIC.tileSize!;
  const tileBucket = MOSAIC.policy.buckets.find((b) => b.key === 'tile');
  assert.ok(tileBucket, 'the mosaic has a per-tile bucket');
  const write = (tx: number): Write => ({ kind: 'tile', tx, ty: 0, colors: new Uint8Array(size * size) });
  let writes = 0;
  while (limits.consume(board, { session: `s${writes}`, ip: `10.0.${writes >> 8}.${writes & 255}` }, write(0), 0) === null) writes++;
  assert.is(writes, tileBucket.capacity, 'different writers share one tile’s bucket');
  assert.is(limits.consume(board, { session: 'other', ip: '10.9.9.9' }, write(1), 0), null, 'another tile has its own');
});

// ---- apply ----

test('allocation: a write counts the distinct chunks it touches that hold no pixels yet', () => {
  const mosaic = new Board(MOSAIC, 0); // chunks of 256
  assert.is(newChunks(mosaic, { kind: 'pixel', x: 5, y: 5, color: 1 }), 1);
  assert.is(newChunks(mosaic, stroke([0, 0, 1], [255, 255, 1], [256, 0, 1], [300, 10, 1], [0, 256, 1])), 3, 'three chunks, two pixels in each of two');
  assert.is(newChunks(mosaic, { kind: 'tile', tx: 9, ty: 0, colors: new Uint8Array(32 * 32) }), 1, 'tile (9, 0) lies in chunk (1, 0)');
  mosaic.setPixel(256, 0, 1);
  assert.is(newChunks(mosaic, stroke([0, 0, 1], [256, 0, 1], [300, 10, 1])), 1, 'chunk (1, 0) is allocated now');
  assert.is(newChunks(mosaic, { kind: 'tile', tx: 9, ty: 0, colors: new Uint8Array(32 * 32) }), 0);
  assert.is(newChunks(mosaic, stroke([256, 0, 1])), 0);
});

test('apply: pixels, strokes and tiles reach the board and its change tracker', () => {
  const board = new Board(MOSAIC, 0);
  assert.is(apply(board, { kind: 'pixel', x: 5, y: 6, color: 7 }), 1);
  assert.is(board.getPixel(5, 6), 7);
  assert.is(apply(board, stroke([0, 0, 1], [300, 0, 2])), 2);
  assert.equal([board.getPixel(0, 0), board.getPixel(300, 0)], [1, 2]);
  const size = MOSAIC.tileSize!;
  assert.is(apply(board, { kind: 'tile', tx: 1, ty: 1, colors: new Uint8Array(size * size).fill(9) }), size * size);
  assert.is(board.getPixel(size, size), 9);
  assert.is(board.takeChanges().reduce((n, change) => n + change.offsets.length, 0), 3 + size * size);
});

// ---- the pipeline ----

function pipelineWith(stages: { authorise?: Authoriser; commit?: CommitStage } = {}) {
  const board = new Board(PLACE, 0);
  const clock = new ManualClock();
  const counted = countingMetrics();
  const pipeline = new PlacementPipeline([PLACE.policy], { authorise: stages.authorise ?? allowEveryone, commit: stages.commit ?? inMemoryCommit }, clock, counted.metrics);
  const pixel = (x: number, y: number, color: number, writer = alice): WriteRequest => ({ board, writer, write: { kind: 'pixel', x, y, color }, source: 'ws' });
  return { board, clock, pipeline, pixel, ...counted };
}

test('pipeline: an in-memory write is applied and acknowledged at once', () => {
  const { board, pipeline, pixel, placed } = pipelineWith();
  assert.equal(pipeline.submit(pixel(3, 4, 5)), { ok: true, count: 1, color: 5 });
  assert.is(board.getPixel(3, 4), 5);
  assert.equal(placed, { place: 1 });
});

test('pipeline: refusals in stage order, counted by reason, the board untouched', () => {
  const locked: Authoriser = { check: (_b, writer) => (writer.session === 'bob' ? RejectReason.BANNED : null) };
  const { board, clock, pipeline, pixel, rejects } = pipelineWith({ authorise: locked });
  // An invalid write is refused by validation before the authoriser sees it.
  assert.equal(pipeline.submit(pixel(1000, 0, 1, bob)), { ok: false, reason: RejectReason.INVALID_COORDS, retryAfterMs: 0 });
  // A banned writer is refused before it spends a token.
  assert.equal(pipeline.submit(pixel(1, 1, 1, bob)), { ok: false, reason: RejectReason.BANNED, retryAfterMs: 0 });
  assert.ok((pipeline.submit(pixel(1, 1, 2)) as PlacementResult).ok);
  clock.advance(1000);
  assert.equal(pipeline.submit(pixel(2, 2, 3)), { ok: false, reason: RejectReason.RATE_LIMITED, retryAfterMs: 4000 });
  assert.equal(rejects, ['INVALID_COORDS', 'BANNED', 'RATE_LIMITED']);
  assert.equal([board.getPixel(1, 1), board.getPixel(2, 2)], [2, PLACE.background]);
  assert.equal(pipeline.quota(board, alice), { available: 0, capacity: 1, nextInMs: 4000 });
  clock.advance(4000);
  assert.is(pipeline.quota(board, alice).available, 1);
});

test('pipeline: a deferred commit applies and acknowledges only once committed, in order', async () => {
  const commit = new DeferredCommit();
  const { board, pipeline, pixel } = pipelineWith({ commit });
  const first = pipeline.submit(pixel(7, 7, 3));
  const second = pipeline.submit(pixel(7, 7, 4, bob));
  assert.instance(first, Promise);
  assert.is(board.getPixel(7, 7), PLACE.background, 'nothing is applied before the commit');
  assert.equal(commit.pending.map((p) => p.request.writer.session), ['alice', 'bob']);
  commit.pending[0]!.settle(true);
  commit.pending[1]!.settle(true);
  assert.equal(await first, { ok: true, count: 1, color: 3 });
  assert.equal(await second, { ok: true, count: 1, color: 4 });
  assert.is(board.getPixel(7, 7), 4, 'the later write wins');
});

test('pipeline: a failed commit is refused as UNAVAILABLE and leaves the board as it was', async () => {
  const commit = new DeferredCommit();
  const { board, pipeline, pixel, rejects, placed } = pipelineWith({ commit });
  const result = pipeline.submit(pixel(8, 8, 9));
  commit.pending[0]!.settle(false);
  assert.equal(await result, { ok: false, reason: RejectReason.UNAVAILABLE, retryAfterMs: 0 });
  assert.is(board.getPixel(8, 8), PLACE.background);
  assert.equal(rejects, ['UNAVAILABLE']);
  assert.equal(placed, {});
});

test.run();
