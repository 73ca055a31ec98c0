// The storage contract: what every engine must do, written once against the Storage interface
// and run per engine (test/storage-<engine>.test.ts). Each test gets fresh data directories
// under the OS temp directory, removed afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CommitFailedError, DataDirectoryInUseError, InvalidCursorError, NewerSchemaError } from '../../src/storage/errors.js';
import { packedColor, packedX, packedY, REPLAY_PAGE_SEQS } from '../../src/storage/replay-page.js';
import { pixelOf, type Page, type PageRequest, type Storage, type StoredPlacement } from '../../src/storage/storage.js';
import type { StorageHarness } from './harnesses.js';
import { pixel, T0, tile, writerRecord, WRITER_BATCH } from './records.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const END = Number.MAX_SAFE_INTEGER;

/** Records with plain arrays for bytes, so Buffers and Uint8Arrays compare equal. */
function plain(records: readonly object[]): unknown[] {
  return records.map((record) => Object.fromEntries(Object.entries(record).map(([key, value]) =>
    [key, value instanceof Uint8Array ? Array.from(value) : value])));
}

async function collect(pages: AsyncIterable<StoredPlacement[]>): Promise<StoredPlacement[]> {
  const all: StoredPlacement[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/** Every page of a newest-first query, following cursors. */
async function everyPage(query: (page: PageRequest) => Promise<Page<StoredPlacement>>, limit: number): Promise<StoredPlacement[][]> {
  const pages: StoredPlacement[][] = [];
  let cursor: string | null = null;
  do {
    const page: Page<StoredPlacement> = await query({ limit, cursor });
    pages.push(page.items);
    cursor = page.next;
  } while (cursor !== null);
  return pages;
}

const seqsOf = (records: readonly StoredPlacement[]) => records.map((record) => record.seq);
const descending = (seqs: readonly number[]) => [...seqs].sort((a, b) => b - a);

async function rejectsWith(call: () => Promise<unknown>, expected: new (...args: never[]) => Error): Promise<void> {
  const outcome = await call().then(() => null, (error: unknown) => error);
  assert.instance(outcome, expected);
}

/** Runs child.ts with the harness's engine; resolves with its stdout once it exits. */
function runChild(engine: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, engine, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => resolve(out.trim()));
  });
}

export function registerStorageContract(harness: StorageHarness): void {
  const test = suite(`storage contract (${harness.engine})`);
  let dirs: string[] = [];
  let opened: Storage[] = [];

  const freshDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-storage-'));
    dirs.push(dir);
    return dir;
  };
  const track = (storage: Storage) => (opened.push(storage), storage);
  const open = async (dir: string) => track(await harness.open(dir));

  test.after.each(async () => {
    for (const storage of opened) await storage.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await harness.cleanup?.();
    opened = [];
    dirs = [];
  });

  test('open creates a missing data directory; a new store is empty', async () => {
    const storage = await open(join(freshDir(), 'nested', 'data'));
    assert.is(await storage.lastSeq(), 0);
    assert.equal(await storage.stats().then((stats) => [stats.placements, stats.snapshots]), [0, 0]);
    assert.is(await storage.latestSnapshot('main'), null);
    assert.equal(await storage.recentPlacements('main', { limit: 10 }), { items: [], next: null });
    assert.equal(await storage.commit([]), []);
  });

  test('commit stores pixel and tile records in order, with increasing seqs, and reads them back', async () => {
    const storage = await open(freshDir());
    const ipHash = storage.hashIp('203.0.113.7');
    const first = [pixel('main', 1, 2, 3, { previousColor: 9, ipHash, actor: 'bob' }), tile('main', 2, 3, 4, 5, { ipHash, timeMs: T0 + 1 })];
    const second = [pixel('other', 0, 0, 1, { source: 'http', timeMs: T0 + 2 })];
    const seqs = [...await storage.commit(first), ...await storage.commit(second)];
    assert.is(seqs.length, 3);
    assert.ok(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!);
    assert.is(await storage.lastSeq(), seqs[2]);
    const main = await collect(storage.placementsAfter('main', 0));
    assert.equal(plain(main), plain(first.map((record, i) => ({ ...record, seq: seqs[i]! }))));
    assert.equal(plain(await collect(storage.placementsAfter('other', 0))), plain([{ ...second[0]!, seq: seqs[2]! }]));
    assert.is((await storage.stats()).placements, 3);
  });

  test('commits apply in call order, also when called before the previous one settled', async () => {
    const storage = await open(freshDir());
    const calls = Array.from({ length: 20 }, (_, i) => storage.commit([pixel('main', i, 0, 1), pixel('main', i, 1, 1)]));
    const seqs = (await Promise.all(calls)).flat();
    assert.equal(seqs, [...seqs].sort((a, b) => a - b));
    assert.equal((await collect(storage.placementsAfter('main', 0))).map((record) => record.kind === 'pixel' && record.x), calls.flatMap((_, i) => [i, i]));
  });

  test('hashIp: a keyed 32-byte hash, stable per data directory, different between directories', async () => {
    const dir = freshDir();
    let storage = await open(dir);
    const hash = Buffer.from(storage.hashIp('198.51.100.1'));
    assert.is(hash.length, 32);
    assert.equal(Buffer.from(storage.hashIp('198.51.100.1')), hash);
    assert.not.equal(Buffer.from(storage.hashIp('198.51.100.2')), hash);
    await storage.close();
    storage = await open(dir);
    assert.equal(Buffer.from(storage.hashIp('198.51.100.1')), hash, 'the secret persists');
    const elsewhere = await open(freshDir());
    assert.not.equal(Buffer.from(elsewhere.hashIp('198.51.100.1')), hash, 'each directory has its own secret');
  });

  test('committed records and seqs survive close and reopen', async () => {
    const dir = freshDir();
    let storage = await open(dir);
    const seqs = await storage.commit([pixel('main', 5, 5, 1), pixel('main', 6, 6, 2)]);
    await storage.close();
    storage = await open(dir);
    assert.equal(seqsOf(await collect(storage.placementsAfter('main', 0))), seqs);
    const [next] = await storage.commit([pixel('main', 7, 7, 3)]);
    assert.ok(next! > seqs[1]!);
  });

  test('times never go backwards along seq: an earlier time is stored as the last committed one', async () => {
    const storage = await open(freshDir());
    await storage.commit([pixel('main', 0, 0, 1, { timeMs: T0 + 100 }), pixel('main', 1, 0, 1, { timeMs: T0 + 50 })]);
    await storage.commit([pixel('main', 2, 0, 1, { timeMs: T0 + 10 }), pixel('main', 3, 0, 1, { timeMs: T0 + 200 })]);
    const times = (await collect(storage.placementsAfter('main', 0))).map((record) => record.timeMs - T0);
    assert.equal(times, [100, 100, 100, 200]);
  });

  test('a batch with a malformed record is refused whole', async () => {
    const storage = await open(freshDir());
    await rejectsWith(() => storage.commit([pixel('main', 0, 0, 1), pixel('main', -1, 0, 1)]), TypeError);
    await rejectsWith(() => storage.commit([tile('main', 0, 0, 4, 1, { previousColors: new Uint8Array(3) })]), TypeError);
    assert.is(await storage.lastSeq(), 0);
    assert.is((await storage.stats()).placements, 0);
  });

  test('disk full: the commit rejects, stores nothing of its batch, and the store stays intact and usable', async () => {
    const dir = freshDir();
    let storage = await open(dir);
    const before = await storage.commit([pixel('main', 1, 1, 1), tile('main', 0, 0, 4, 2)]);
    await storage.close();
    storage = track(await harness.openWithRoomFor(dir, 64 * 1024));
    const big = Array.from({ length: 5000 }, (_, i) => pixel('main', i % 500, (i / 500) | 0, 3, { actor: `actor-${i}` }));
    const failure = await storage.commit(big).then(() => null, (error: unknown) => error);
    assert.instance(failure, CommitFailedError);
    assert.match((failure as Error).message, /full/);
    assert.is(await storage.lastSeq(), before[1]);
    assert.is((await storage.stats()).placements, 2);
    assert.equal(seqsOf(await collect(storage.placementsAfter('main', 0))), before);
    assert.is(await storage.actorPlacementCount(['actor-0']), 0);
    const small = await storage.commit([pixel('main', 2, 2, 4, { actor: 'actor-0' })]);
    assert.ok(small[0]! > before[1]!, 'a batch that fits still commits');
    assert.is(await storage.actorPlacementCount(['actor-0']), 1);
    await storage.close();
    assert.is(await harness.integrityCheck(dir), 'ok');
    storage = await open(dir);
    assert.is((await storage.commit(big)).length, 5000);
    assert.is((await storage.stats()).placements, 5003);
  });

  test('snapshots: compressed chunks round-trip; the newest wins; chunks are read when save is called', async () => {
    const storage = await open(freshDir());
    assert.is(await storage.latestSnapshot('main'), null);
    const [seq] = await storage.commit([pixel('main', 0, 0, 1, { timeMs: T0 + 5 })]);
    const pixels = new Uint8Array(16 * 16).map((_, i) => i % 7);
    const chunks = [{ index: 0, version: 3, pixels }, { index: 9, version: 1, pixels: new Uint8Array(256).fill(2) }];
    const saving = storage.saveSnapshot({ boardId: 'main', seq: seq!, width: 100, height: 60, chunkSize: 16, chunks });
    pixels.fill(99); // the board moves on while the snapshot is compressed
    await saving;
    const loaded = await storage.latestSnapshot('main');
    assert.equal(
      { ...loaded!, chunks: plain(loaded!.chunks) },
      { boardId: 'main', seq, timeMs: T0 + 5, width: 100, height: 60, chunkSize: 16, chunks: plain([{ index: 0, version: 3, pixels: new Uint8Array(256).map((_, i) => i % 7) }, chunks[1]!]) },
    );
    await storage.saveSnapshot({ boardId: 'main', seq: seq!, width: 100, height: 60, chunkSize: 16, chunks: [] });
    assert.equal((await storage.latestSnapshot('main'))!.chunks, []);
    assert.is(await storage.latestSnapshot('other'), null);
    await rejectsWith(() => storage.saveSnapshot({ boardId: 'main', seq: seq! + 1, width: 100, height: 60, chunkSize: 16, chunks: [] }), RangeError);
    assert.is((await storage.stats()).snapshots, 2);
  });

  test('start-up: the newest snapshot plus the records after it rebuild the board', async () => {
    const storage = await open(freshDir());
    const board = new Uint8Array(64);
    const apply = (target: Uint8Array, record: StoredPlacement) => {
      if (record.kind === 'pixel') target[record.y * 8 + record.x] = record.color;
    };
    let snapshotSeq = 0;
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 40 }, (_, i) => pixel('main', (i * 3 + round) % 8, (i * 5) % 8, (i + round) % 16, { timeMs: T0 + round * 100 + i }));
      await storage.commit([...batch, pixel('noise', 1, 1, 15)]);
      if (round === 1) {
        snapshotSeq = await storage.lastSeq();
        for (const record of await collect(storage.placementsAfter('main', 0))) apply(board, record);
        await storage.saveSnapshot({ boardId: 'main', seq: snapshotSeq, width: 8, height: 8, chunkSize: 8, chunks: [{ index: 0, version: 80, pixels: board }] });
      }
    }
    const fromEmpty = new Uint8Array(64);
    for (const record of await collect(storage.placementsAfter('main', 0))) apply(fromEmpty, record);
    const snapshot = (await storage.latestSnapshot('main'))!;
    const rebuilt = new Uint8Array(snapshot.chunks[0]!.pixels);
    const replay = await collect(storage.placementsAfter('main', snapshot.seq));
    assert.is(replay.length, 40);
    assert.ok(replay.every((record) => record.seq > snapshotSeq && record.boardId === 'main'));
    for (const record of replay) apply(rebuilt, record);
    assert.equal(rebuilt, fromEmpty);
  });

  test('placementsAfter and placementsBetween stream one board in seq order, in pages, within their bounds', async () => {
    const storage = await open(freshDir());
    const seqs: number[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const records = Array.from({ length: 1000 }, (_, i) => pixel(i % 2 ? 'main' : 'other', i % 100, batch, 1, { timeMs: T0 + batch * 1000 + i }));
      const committed = await storage.commit(records);
      seqs.push(...committed.filter((_, i) => i % 2 === 1));
    }
    const pages: number[] = [];
    const streamed: StoredPlacement[] = [];
    for await (const page of storage.placementsAfter('main', 0)) (pages.push(page.length), streamed.push(...page));
    assert.ok(pages.length > 1, 'more than one page');
    assert.equal(seqsOf(streamed), seqs);
    assert.equal(seqsOf(await collect(storage.placementsAfter('main', seqs[1234]!))), seqs.slice(1235));
    const until = T0 + 2000 + 499;
    assert.equal(seqsOf(await collect(storage.placementsAfter('main', seqs[10]!, until))), seqs.slice(11, 1250));
    assert.equal(seqsOf(await collect(storage.placementsBetween('main', T0 + 1001, T0 + 3001))), seqs.slice(500, 1501));
    assert.equal(await collect(storage.placementsBetween('main', T0 + 9000, END)), []);
    assert.equal(await collect(storage.placementsAfter('nowhere', 0)), []);
  });

  test('replayPages: what each record of one board wrote, packed, in seq order, across pages and within bounds', async () => {
    const storage = await open(freshDir());
    const mixed = (round: number) => [
      pixel('main', 65535, 65535, 255), pixel('other', 1, 1, 1), tile('main', 2, 3, 4, 7 + round),
      ...Array.from({ length: 20 }, (_, i) => pixel(i % 3 ? 'main' : 'other', 1000 + i, i * 7 + round, i % 16)),
      tile('main', 0, 1, 2, round, { colors: new Uint8Array([1, 2, 3, round]) }), pixel('main', 0, 0, 0),
    ];
    await storage.commit(mixed(0));
    // Past the first page: records of another board fill most of it.
    const filler = Array.from({ length: REPLAY_PAGE_SEQS - 10 }, (_, i) => pixel('other', i % 100, 0, 1));
    await storage.commit(filler);
    await storage.commit(mixed(1));
    const main = (await collect(storage.placementsAfter('main', 0)));
    const described = (records: readonly StoredPlacement[]) => records.map((record) => record.kind === 'pixel'
      ? `pixel ${record.x},${record.y} ${record.color}` : `tile ${record.tx},${record.ty} ${Array.from(record.colors).join(' ')}`);
    const replayed = async (afterSeq: number, throughSeq?: number, boardId = 'main') => {
      const pages: string[][] = [];
      for await (const page of storage.replayPages(boardId, afterSeq, throughSeq)) {
        pages.push(Array.from(page.writes, (write) => {
          if (write >= 0) return `pixel ${packedX(write)},${packedY(write)} ${packedColor(write)}`;
          const tile = page.tiles[-1 - write]!;
          return `tile ${tile.tx},${tile.ty} ${Array.from(tile.colors).join(' ')}`;
        }));
      }
      return pages;
    };
    const pages = await replayed(0);
    assert.is(pages.length, 2, 'two pages: the filler left the rest of the first one to other records');
    assert.equal(pages.flat(), described(main));
    const k = 17;
    assert.equal((await replayed(main[k]!.seq)).flat(), described(main.slice(k + 1)));
    assert.equal((await replayed(main[2]!.seq, main[30]!.seq)).flat(), described(main.slice(3, 31)));
    assert.equal(await replayed(main[main.length - 1]!.seq), []);
    assert.equal(await replayed(0, undefined, 'nowhere'), []);
  });

  test('time travel: the newest snapshot at or before a time, then the records up to it', async () => {
    const storage = await open(freshDir());
    const [a] = await storage.commit([pixel('main', 0, 0, 1, { timeMs: T0 + 10 })]);
    const geometry = { boardId: 'main', width: 8, height: 8, chunkSize: 8, chunks: [] };
    await storage.saveSnapshot({ ...geometry, seq: a! });
    const [b, c] = await storage.commit([pixel('main', 1, 0, 2, { timeMs: T0 + 20 }), pixel('main', 2, 0, 3, { timeMs: T0 + 30 })]);
    await storage.saveSnapshot({ ...geometry, seq: c! });
    assert.is(await storage.snapshotAt('main', T0 + 9), null);
    assert.is((await storage.snapshotAt('main', T0 + 10))!.seq, a);
    assert.is((await storage.snapshotAt('main', T0 + 29))!.seq, a);
    assert.is((await storage.snapshotAt('main', T0 + 30))!.seq, c);
    const at25 = (await storage.snapshotAt('main', T0 + 25))!;
    assert.equal(seqsOf(await collect(storage.placementsAfter('main', at25.seq, T0 + 25))), [b]);
  });

  test('pixel history: pixel records and covering tiles, newest first, paged without duplicates or gaps', async () => {
    const storage = await open(freshDir());
    const mine: number[] = [];
    for (let round = 0; round < 6; round++) {
      const seqs = await storage.commit([
        pixel('main', 5, 6, round), pixel('main', 6, 5, 1), pixel('other', 5, 6, 1),
        tile('main', 1, 1, 4, round), tile('main', 0, 1, 4, 1), tile('main', 1, 0, 4, 1),
        pixel('main', 5, 6, round + 1, { actor: 'bob' }),
      ]);
      mine.push(seqs[0]!, seqs[3]!, seqs[6]!);
    }
    const pages = await everyPage((page) => storage.pixelHistory('main', 5, 6, page), 4);
    assert.equal(pages.map((page) => page.length), [4, 4, 4, 4, 2]);
    assert.equal(seqsOf(pages.flat()), descending(mine));
    const newestTile = pages.flat().find((record) => record.kind === 'tile')!;
    assert.equal(pixelOf(newestTile, 5, 6), { color: 5, previousColor: 0 });
    assert.equal(await storage.pixelHistory('main', 9, 9, { limit: 5 }), { items: [], next: null });
  });

  test('cursors: new records between pages cause no duplicates; bad cursors and limits are refused', async () => {
    const storage = await open(freshDir());
    const old = await storage.commit(Array.from({ length: 10 }, () => pixel('main', 1, 1, 1)));
    const first = await storage.pixelHistory('main', 1, 1, { limit: 4 });
    await storage.commit([pixel('main', 1, 1, 2)]);
    const rest = await everyPage((page) => storage.pixelHistory('main', 1, 1, { ...page, cursor: page.cursor ?? first.next }), 4);
    assert.equal(seqsOf([...first.items, ...rest.flat()]), descending(old));
    await rejectsWith(() => storage.pixelHistory('main', 1, 1, { limit: 4, cursor: 'garbage' }), InvalidCursorError);
    const recent = await storage.recentPlacements('main', { limit: 2 });
    await rejectsWith(() => storage.pixelHistory('main', 1, 1, { limit: 4, cursor: recent.next }), InvalidCursorError);
    await rejectsWith(() => storage.recentPlacements('main', { limit: 0 }), RangeError);
    await rejectsWith(() => storage.actorPlacements(['alice'], { limit: 1001 }), RangeError);
  });

  test('recent placements: one board, newest first, paged across records that share a time', async () => {
    const storage = await open(freshDir());
    const seqs: number[] = [];
    for (let batch = 0; batch < 4; batch++) {
      const committed = await storage.commit(Array.from({ length: 25 }, (_, i) => pixel(i % 5 ? 'main' : 'other', i, 0, 1, { timeMs: T0 + batch })));
      seqs.push(...committed.filter((_, i) => i % 5 !== 0));
    }
    const pages = await everyPage((page) => storage.recentPlacements('main', page), 7);
    assert.equal(pages.map((page) => page.length), [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 3]);
    assert.equal(seqsOf(pages.flat()), descending(seqs));
  });

  test("an actor's placements across boards, newest first, and their count", async () => {
    const storage = await open(freshDir());
    const seqs = await storage.commit([
      pixel('main', 0, 0, 1, { actor: 'carol' }), pixel('main', 1, 0, 1, { actor: 'dave' }),
      tile('other', 0, 0, 2, 1, { actor: 'carol' }), pixel('other', 3, 3, 1, { actor: 'carol' }),
    ]);
    const carol = [seqs[0]!, seqs[2]!, seqs[3]!];
    const pages = await everyPage((page) => storage.actorPlacements(['carol'], page), 2);
    assert.equal(seqsOf(pages.flat()), descending(carol));
    assert.is(await storage.actorPlacementCount(['carol']), 3);
    assert.is(await storage.actorPlacementCount(['dave']), 1);
    assert.is(await storage.actorPlacementCount(['nobody']), 0);
    assert.equal(await storage.actorPlacements(['nobody'], { limit: 5 }), { items: [], next: null });
  });

  test("an area's placements: pixels inside, tiles overlapping, within the time range, newest first, in pages", async () => {
    const storage = await open(freshDir());
    const seqs = await storage.commit([
      pixel('main', 10, 10, 1, { timeMs: T0 }), // inside, but before the range
      pixel('main', 10, 10, 2, { timeMs: T0 + 10 }), // inside: the top-left corner
      pixel('main', 13, 12, 3, { timeMs: T0 + 11 }), // inside: the bottom-right corner
      pixel('main', 14, 12, 4, { timeMs: T0 + 12 }), // just right of it
      pixel('main', 12, 9, 4, { timeMs: T0 + 12 }), // just above it
      pixel('other', 11, 11, 5, { timeMs: T0 + 13 }), // another board
      tile('main', 2, 2, 4, 6, { timeMs: T0 + 14 }), // pixels 8..11 × 8..11: overlaps
      tile('main', 3, 1, 4, 7, { timeMs: T0 + 15 }), // pixels 12..15 × 4..7: does not
      pixel('main', 11, 11, 8, { timeMs: T0 + 16 }), // inside
      pixel('main', 11, 11, 9, { timeMs: T0 + 30 }), // inside, but after the range
    ]);
    const area = { x: 10, y: 10, width: 4, height: 3 };
    const expected = [seqs[8]!, seqs[6]!, seqs[2]!, seqs[1]!];
    for (const size of [1, 3, 4]) {
      const pages = await everyPage((page) => storage.areaPlacements('main', area, T0 + 5, T0 + 20, page), size);
      assert.equal(seqsOf(pages.flat()), expected, `pages of ${size}`);
    }
    assert.equal(seqsOf((await storage.areaPlacements('main', area, T0, T0 + 30, { limit: 100 })).items), [seqs[9]!, ...expected, seqs[0]!], 'both ends inclusive');
    assert.equal(await storage.areaPlacements('nowhere', area, T0, T0 + 30, { limit: 5 }), { items: [], next: null });
    await rejectsWith(() => storage.areaPlacements('main', area, T0, T0 + 30, { limit: 0 }), RangeError);
  });

  test('several actors (an account and the guest it was): their records merged newest first, in pages without gaps or repeats', async () => {
    const storage = await open(freshDir());
    const seqs = await storage.commit(Array.from({ length: 9 }, (_, i) => pixel('main', i, 0, 1, { actor: ['guest:g', 'user:1', 'other'][i % 3]! })));
    const mine = seqs.filter((_, i) => i % 3 !== 2);
    for (const size of [1, 2, 4, 6, 7]) {
      const pages = await everyPage((page) => storage.actorPlacements(['user:1', 'guest:g', 'nobody'], page), size);
      assert.equal(seqsOf(pages.flat()), descending(mine), `pages of ${size}`);
    }
    assert.is(await storage.actorPlacementCount(['user:1', 'guest:g', 'nobody']), 6);
    assert.is(await storage.actorPlacementCount(['user:1', 'user:1']), 3, 'an actor named twice counts once');
    assert.equal(seqsOf((await storage.actorPlacements(['user:1', 'user:1'], { limit: 10 })).items), descending(seqs.filter((_, i) => i % 3 === 1)));
    await rejectsWith(() => storage.actorPlacements([], { limit: 5 }), RangeError);
    await rejectsWith(() => storage.actorPlacements(Array.from({ length: 9 }, (_, i) => `a${i}`), { limit: 5 }), RangeError);
  });

  test('backup while open and writing: a store opened from it has the same contents, as of one moment', async () => {
    const storage = await open(freshDir());
    await storage.commit(Array.from({ length: 3000 }, (_, i) => pixel('main', i % 300, i % 7, i % 16, { timeMs: T0 + i })));
    await storage.saveSnapshot({ boardId: 'main', seq: 3000, width: 8, height: 8, chunkSize: 8, chunks: [] });
    const file = join(freshDir(), 'backup.db');
    const backingUp = storage.backup(file);
    await storage.commit([pixel('main', 1, 2, 3, { timeMs: T0 + 5000 })]);
    await backingUp;
    const restoredDir = join(freshDir(), 'restored');
    await harness.restoreBackup(file, restoredDir);
    const restored = await open(restoredDir);
    // A consistent copy: everything up to the moment it was taken (the write made meanwhile may
    // or may not be in it, depending on the engine), nothing torn.
    const cut = await restored.lastSeq();
    assert.ok(cut >= 3000);
    const original = (await collect(storage.placementsAfter('main', 0))).filter((record) => record.seq <= cut);
    assert.equal(plain(await collect(restored.placementsAfter('main', 0))), plain(original));
    assert.ok(original.length >= 3000);
    assert.equal(await restored.latestSnapshot('main'), await storage.latestSnapshot('main'));
    assert.equal(Buffer.from(restored.hashIp('192.0.2.1')), Buffer.from(storage.hashIp('192.0.2.1')));
  });

  test('backup from another process while the store is open', async () => {
    const dir = freshDir();
    const storage = await open(dir);
    await storage.commit(Array.from({ length: 500 }, (_, i) => pixel('main', i, 0, 1, { timeMs: T0 + i })));
    const file = join(freshDir(), 'backup.db');
    assert.is(await runChild(harness.engine, 'backup', dir, file), 'done');
    const restoredDir = join(freshDir(), 'restored');
    await harness.restoreBackup(file, restoredDir);
    const restored = await open(restoredDir);
    assert.equal(plain(await collect(restored.placementsAfter('main', 0))), plain(await collect(storage.placementsAfter('main', 0))));
    assert.is((await storage.commit([pixel('main', 0, 1, 1)])).length, 1, 'the store still writes');
  });

  test('retention: prunes old records that the newest snapshot includes, nothing else', async () => {
    const storage = await open(freshDir());
    const day = 86_400_000;
    const old = await storage.commit([pixel('main', 0, 0, 1, { timeMs: T0 }), pixel('keep', 0, 0, 1, { timeMs: T0 }), pixel('main', 1, 0, 1, { timeMs: T0 + day })]);
    const geometry = { boardId: 'main', width: 8, height: 8, chunkSize: 8, chunks: [] };
    await storage.saveSnapshot({ ...geometry, seq: old[0]! });
    await storage.saveSnapshot({ ...geometry, seq: old[2]! });
    const recent = await storage.commit([pixel('main', 2, 0, 1, { timeMs: T0 + 10 * day })]);
    assert.is(await storage.prune(T0 + 5 * day), 2);
    assert.equal(seqsOf(await collect(storage.placementsAfter('main', 0))), recent, 'kept: newer than the cut or than the snapshot');
    assert.is((await collect(storage.placementsAfter('keep', 0))).length, 1, 'a board without a snapshot keeps everything');
    assert.is((await storage.stats()).placements, 2);
    assert.is(await storage.prune(T0 + 5 * day), 0);
    await storage.saveSnapshot({ ...geometry, seq: recent[0]! });
    assert.is(await storage.prune(T0 + 20 * day), 1, 'even the newest record, once a snapshot has it');
    assert.is(await storage.lastSeq(), recent[0]);
    const [next] = await storage.commit([pixel('main', 3, 0, 1, { timeMs: T0 + 11 * day })]);
    assert.ok(next! > recent[0]!, 'seqs are never reused');
    assert.equal(seqsOf(await collect(storage.placementsAfter('main', (await storage.latestSnapshot('main'))!.seq))), [next]);
  });

  test('stats: bytes on disk grow with the records', async () => {
    const storage = await open(freshDir());
    const empty = (await storage.stats()).bytes;
    assert.ok(empty > 0);
    await storage.commit(Array.from({ length: 5000 }, (_, i) => pixel('main', i % 1000, (i / 1000) | 0, 1)));
    assert.ok((await storage.stats()).bytes > empty + 5000 * 20);
  });

  test('a second opener of the same data directory is refused, in this process and from another', async () => {
    const dir = freshDir();
    const storage = await open(dir);
    const refusal = await harness.open(dir).then((other) => (track(other), null), (error: unknown) => error);
    assert.instance(refusal, DataDirectoryInUseError);
    assert.match((refusal as Error).message, `${harness.where(dir)} is in use by another Tessera server`);
    assert.match(await runChild(harness.engine, 'open', dir), /^DataDirectoryInUseError: .*in use by another Tessera server/);
    await storage.close();
    assert.is(await runChild(harness.engine, 'open', dir), 'opened', 'closing releases it');
  });

  test('a data directory written by a newer version is refused', async () => {
    const dir = freshDir();
    await (await open(dir)).close();
    await harness.markNewerSchema(dir);
    const refusal = await harness.open(dir).then((other) => (track(other), null), (error: unknown) => error);
    assert.instance(refusal, NewerSchemaError);
    assert.match((refusal as Error).message, /written by a newer version of Tessera/);
    assert.is(await runChild(harness.engine, 'open', dir), `NewerSchemaError: ${(refusal as Error).message}`);
  });

  test('kill -9 of a writing process loses no committed record, and frees the data directory', async () => {
    const dir = freshDir();
    const child = spawn(process.execPath, [CHILD, harness.engine, 'write', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const committed: { first: number; seqs: number[] }[] = [];
    for await (const line of createInterface({ input: child.stdout })) {
      committed.push(JSON.parse(line));
      if (committed.length === 30) child.kill('SIGKILL');
    }
    assert.is(await exited, null);
    const storage = await open(dir); // also proves the lock died with the process
    const stored = new Map((await collect(storage.placementsAfter('main', 0))).map((record) => [record.seq, record]));
    const ipHash = storage.hashIp('127.0.0.1');
    for (const { first, seqs } of committed) {
      seqs.forEach((seq, i) => assert.equal(plain([stored.get(seq) ?? {}]), plain([{ ...writerRecord(first + i, ipHash), seq }])));
    }
    assert.ok(stored.size >= committed.length * WRITER_BATCH);
    assert.is(stored.size % WRITER_BATCH, 0, 'whole batches only');
  });

  test.run();
}
