// Storage: where placements, snapshots and history live, behind one engine-neutral interface.
//
// What it keeps
//   - Every accepted write as one record with a global sequence number (seq): a pixel, or a
//     whole tile with its pixels. Records are appended in group commits (one transaction per
//     tick) and never changed; retention may delete old ones that a snapshot already covers.
//   - Compressed snapshots of each board's chunks, tagged with the last seq they include.
//     Start-up = the newest snapshot + the records after it (placementsAfter).
//   - A per-data-directory secret for hashing client IPs (hashIp): addresses are never stored.
//
// Order and time
//   seq order is the order writes were applied. Times never decrease along it: commit stores
//   each record's time as max(its timeMs, the last committed time), so a clock stepped back
//   across a restart cannot put history out of order, and a time range is a seq range.
//
// Engines
//   SQLite (src/storage/sqlite/, embedded, the default) and later PostgreSQL implement this
//   interface and pass the same contract tests (test/storage/contract.ts). Every method is
//   async, even where SQLite is synchronous underneath, because a networked engine is not.
//   Long reads stream in bounded pages (AsyncIterable of arrays), never the whole history.
//
// Durability
//   commit resolves only when its records survive a crash of the process (kill -9); it rejects
//   with CommitFailedError (and stores nothing of the batch) when the engine cannot write.
//   (SQLite: a power loss may lose the last commits, never corrupts; see sqlite/open.ts.)
//
// Recipes
//   Start-up:     s = latestSnapshot(board); load s.chunks (or an empty board);
//                 apply every page of replayPages(board, s?.seq ?? 0).
//   Board at T:   s = snapshotAt(board, T); the same with placementsAfter(board, s?.seq ?? 0, T).
//   Timelapse:    placementsBetween(board, from, to), streamed page by page.
//   SQLite data directory: tessera.db (+ -wal, -shm while open) and tessera.lock; a backup is one
//   database file: copy it to tessera.db of an empty directory to serve from it.
//
// Files
//   storage.ts (this interface), errors.ts, cursor.ts (opaque page cursors), ip-hash.ts,
//   snapshot-codec.ts (the compressed chunk blob), replay-page.ts (start-up's lean pages);
//   sqlite/open.ts is where the SQLite engine starts (lock.ts, migrations.ts, then SqliteStorage
//   composing placement-writer.ts, history.ts, replay.ts, snapshot-store.ts, retention.ts,
//   checkpointer.ts); sqlite/backup.ts backs up from outside.

import type { ReplayPage } from './replay-page.js';

export type PlacementSource = 'ws' | 'http';

interface RecordCommon {
  boardId: string;
  /** Who: a session id or a user id. */
  actor: string;
  /** hashIp(client address): a keyed hash, never the address itself. */
  ipHash: Uint8Array;
  /** Milliseconds since the Unix epoch. */
  timeMs: number;
  source: PlacementSource;
}

export interface PixelRecord extends RecordCommon {
  kind: 'pixel';
  x: number;
  y: number;
  color: number;
  previousColor: number;
}

/** A tile write: tileSize² colours, row-major; tile (tx, ty) covers pixels from (tx·size, ty·size). */
export interface TileRecord extends RecordCommon {
  kind: 'tile';
  tx: number;
  ty: number;
  colors: Uint8Array;
  previousColors: Uint8Array;
}

export type PlacementRecord = PixelRecord | TileRecord;

/** A record as stored: with the global sequence number commit gave it. */
export type StoredPlacement = PlacementRecord & { seq: number };

/** One written chunk of a board: chunkSize² palette indices, row-major. */
export interface SnapshotChunk {
  index: number;
  version: number;
  pixels: Uint8Array;
}

export interface NewBoardSnapshot {
  boardId: string;
  /** The snapshot includes every record up to and including this seq (and none after it); at most lastSeq(). */
  seq: number;
  width: number;
  height: number;
  chunkSize: number;
  /** Written chunks only (a chunk never written is background at version 0). */
  chunks: readonly SnapshotChunk[];
}

export interface BoardSnapshot extends NewBoardSnapshot {
  /** The time of the newest record it includes (0 if none): the board as it was then. */
  timeMs: number;
}

/** A rectangle of pixels. */
export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PageRequest {
  /** 1..MAX_PAGE_SIZE. */
  limit: number;
  /** `next` of the previous page; absent or null for the first page. */
  cursor?: string | null;
}

/** Newest first. `next` is an opaque cursor for the following page, null after the last one. */
export interface Page<T> {
  items: T[];
  next: string | null;
}

export const MAX_PAGE_SIZE = 1000;
/** Actors one actorPlacements query may name; more is a RangeError. */
export const MAX_ACTORS = 8;

/** The actors of an actorPlacements query, checked. */
export function checkActors(actors: readonly string[]): readonly string[] {
  if (actors.length < 1 || actors.length > MAX_ACTORS) throw new RangeError(`from 1 to ${MAX_ACTORS} actors, got ${actors.length}`);
  return actors;
}

/** Rows of several newest-first lists (each `seq < cursor`, at most limit + 1 long) as one, newest first. */
export function newestFirst<T extends { seq: number }>(lists: readonly T[][]): T[] {
  return lists.length === 1 ? lists[0]! : lists.flat().sort((a, b) => b.seq - a.seq);
}

export interface StorageStats {
  /** Bytes on disk (for SQLite: the database file and its write-ahead log). */
  bytes: number;
  placements: number;
  snapshots: number;
}

export interface Storage {
  /** HMAC-SHA256 of the address under this data directory's secret (32 bytes). */
  hashIp(ip: string): Uint8Array;

  /**
   * Stores the records in ONE transaction (all or none) and returns their seqs, in order.
   * Resolves once they are durable; rejects with CommitFailedError otherwise. Commits apply in
   * call order; the records must not change until the promise settles.
   */
  commit(records: readonly PlacementRecord[]): Promise<number[]>;

  /** The newest committed seq (0 when nothing was ever committed). */
  lastSeq(): Promise<number>;

  /**
   * Compresses and keeps a board's chunks. Reads the chunk pixels before returning the promise
   * (call it between ticks; the arrays may change afterwards).
   */
  saveSnapshot(snapshot: NewBoardSnapshot): Promise<void>;
  latestSnapshot(boardId: string): Promise<BoardSnapshot | null>;
  /** The newest snapshot whose timeMs is at or before atMs, for time travel. */
  snapshotAt(boardId: string, atMs: number): Promise<BoardSnapshot | null>;

  /** The board's records with seq > afterSeq and time ≤ untilMs (default: all), in seq order, in pages. */
  placementsAfter(boardId: string, afterSeq: number, untilMs?: number): AsyncIterable<StoredPlacement[]>;
  /**
   * Start-up's replay: what the board's records with afterSeq < seq ≤ throughSeq (default: all)
   * wrote, in seq order, in pages of positions and colours (replay-page.ts), with no object per
   * record. A page covers at most REPLAY_PAGE_SEQS seqs; pages without a record of the board are skipped.
   */
  replayPages(boardId: string, afterSeq: number, throughSeq?: number): AsyncIterable<ReplayPage>;
  /** The board's records with fromMs ≤ time ≤ toMs, in seq order, in pages. */
  placementsBetween(boardId: string, fromMs: number, toMs: number): AsyncIterable<StoredPlacement[]>;

  /** Records that wrote pixel (x, y): pixel records and the tile records covering it. */
  pixelHistory(boardId: string, x: number, y: number, page: PageRequest): Promise<Page<StoredPlacement>>;
  recentPlacements(boardId: string, page: PageRequest): Promise<Page<StoredPlacement>>;
  /**
   * Records of the board that wrote a pixel of `area` (pixel records inside it, tile records
   * overlapping it) with fromMs ≤ time ≤ toMs. One walk down the board's time index over that
   * range, so a page costs at most the board's records in the range.
   */
  areaPlacements(boardId: string, area: Area, fromMs: number, toMs: number, page: PageRequest): Promise<Page<StoredPlacement>>;
  /**
   * The records of any of `actors` (1..MAX_ACTORS: an account and the guest it was before),
   * across boards, merged newest first; an unknown actor has none.
   */
  actorPlacements(actors: readonly string[], page: PageRequest): Promise<Page<StoredPlacement>>;
  actorPlacementCount(actors: readonly string[]): Promise<number>;

  /** A consistent copy of everything, made while the storage stays open and writable. */
  backup(toFile: string): Promise<void>;
  /**
   * Deletes records older than beforeMs that the board's newest snapshot already includes
   * (a board without a snapshot keeps everything). Returns how many were deleted.
   */
  prune(beforeMs: number): Promise<number>;
  stats(): Promise<StorageStats>;

  /** Releases the data directory (its lock included); a second call does nothing. */
  close(): Promise<void>;
}

/** The colour a record gave pixel (x, y) and the colour it replaced there; the pixel must be one it wrote. */
export function pixelOf(record: PlacementRecord, x: number, y: number): { color: number; previousColor: number } {
  if (record.kind === 'pixel') return { color: record.color, previousColor: record.previousColor };
  const size = Math.sqrt(record.colors.length);
  const offset = (y - record.ty * size) * size + (x - record.tx * size);
  return { color: record.colors[offset]!, previousColor: record.previousColors[offset]! };
}
