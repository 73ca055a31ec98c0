// Storage on an embedded SQLite database (better-sqlite3), whose calls are synchronous: each
// method does its work in one short statement or transaction, so calls never interleave inside
// the database; long reads come in pages, one statement each. What may take long runs elsewhere:
// snapshot compression in zlib's thread pool, checkpoints (the fsyncs) in their own thread
// (checkpointer.ts), which is also why a commit may have to wait its turn.
import type { Database, Statement } from 'better-sqlite3';
import { statSync } from 'node:fs';
import { hashIp } from '../ip-hash.js';
import type { ReplayPage } from '../replay-page.js';
import type {
  Area, BoardSnapshot, NewBoardSnapshot, Page, PageRequest, PlacementRecord, Storage, StorageStats, StoredPlacement,
} from '../storage.js';
import type { Checkpointer } from './checkpointer.js';
import { Dictionary } from './dictionary.js';
import { PlacementHistory, type TimelinePosition } from './history.js';
import type { DataDirectoryLock } from './lock.js';
import { PlacementWriter, type Dictionaries } from './placement-writer.js';
import { SqliteModerationStore } from './moderation-store.js';
import { SqliteReplay } from './replay.js';
import { Retention } from './retention.js';
import { LAST_SEQ, SnapshotStore } from './snapshot-store.js';

/** Records per page of placementsAfter / placementsBetween. */
const TIMELINE_PAGE = 1024;
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

export class SqliteStorage implements Storage {
  private readonly writer: PlacementWriter;
  private readonly history: PlacementHistory;
  private readonly replay: SqliteReplay;
  private readonly snapshots: SnapshotStore;
  private readonly retention: Retention;
  private readonly lastSeqQuery: Statement<[], number>;
  private readonly countQuery: Statement<[], number>;
  private closed = false;
  /** The latest commit, settled or not: the next one runs after it. */
  private commits: Promise<unknown> = Promise.resolve();

  /** Use openSqliteStorage (open.ts). */
  constructor(
    private readonly db: Database,
    private readonly lock: DataDirectoryLock,
    private readonly checkpointer: Checkpointer,
    private readonly ipHashSecret: Buffer,
    private readonly file: string,
  ) {
    const dictionaries: Dictionaries = {
      boards: new Dictionary(db, 'boards', 'name'),
      actors: new Dictionary(db, 'actors', 'name'),
      ips: new Dictionary(db, 'ip_hashes', 'hash'),
    };
    this.writer = new PlacementWriter(db, dictionaries);
    this.history = new PlacementHistory(db, dictionaries);
    this.replay = new SqliteReplay(db, dictionaries);
    this.snapshots = new SnapshotStore(db, dictionaries);
    this.retention = new Retention(db);
    this.lastSeqQuery = db.prepare<[], number>(LAST_SEQ).pluck();
    this.countQuery = db.prepare<[], number>(`SELECT value FROM meta WHERE key = 'placements'`).pluck();
  }

  /** The moderation store on the same database (src/storage/moderation.ts). */
  moderation(): SqliteModerationStore {
    return new SqliteModerationStore(this.db);
  }

  hashIp(ip: string): Uint8Array {
    return hashIp(this.ipHashSecret, ip);
  }

  commit(records: readonly PlacementRecord[]): Promise<number[]> {
    // In call order, after any wait for the log to start over (checkpointer.ts).
    const committed = this.commits
      .then(() => this.checkpointer.restarting?.catch(() => undefined))
      .then(() => this.writer.commit(records));
    this.commits = committed.catch(() => undefined);
    return committed;
  }

  async lastSeq(): Promise<number> {
    return this.lastSeqQuery.get()!;
  }

  saveSnapshot(snapshot: NewBoardSnapshot): Promise<void> {
    return this.snapshots.save(snapshot);
  }

  latestSnapshot(boardId: string): Promise<BoardSnapshot | null> {
    return this.snapshots.latest(boardId);
  }

  snapshotAt(boardId: string, atMs: number): Promise<BoardSnapshot | null> {
    return this.snapshots.at(boardId, atMs);
  }

  placementsAfter(boardId: string, afterSeq: number, untilMs = END_OF_TIME): AsyncIterable<StoredPlacement[]> {
    return this.timeline(boardId, () => this.history.positionAfter(afterSeq), untilMs);
  }

  replayPages(boardId: string, afterSeq: number, throughSeq = Infinity): AsyncIterable<ReplayPage> {
    return this.replay.pages(boardId, afterSeq, throughSeq);
  }

  placementsBetween(boardId: string, fromMs: number, toMs: number): AsyncIterable<StoredPlacement[]> {
    // (time, seq) > (fromMs, -1) is time ≥ fromMs.
    return this.timeline(boardId, () => ({ timeMs: fromMs, seq: -1 }), toMs);
  }

  async pixelHistory(boardId: string, x: number, y: number, page: PageRequest): Promise<Page<StoredPlacement>> {
    return this.history.pixel(boardId, x, y, page);
  }

  async recentPlacements(boardId: string, page: PageRequest): Promise<Page<StoredPlacement>> {
    return this.history.recent(boardId, page);
  }

  async areaPlacements(boardId: string, area: Area, fromMs: number, toMs: number, page: PageRequest): Promise<Page<StoredPlacement>> {
    return this.history.area(boardId, area, fromMs, toMs, page);
  }

  async actorPlacements(actors: readonly string[], page: PageRequest): Promise<Page<StoredPlacement>> {
    return this.history.byActors(actors, page);
  }

  async actorPlacementCount(actors: readonly string[]): Promise<number> {
    return this.history.countByActors(actors);
  }

  async backup(toFile: string): Promise<void> {
    await this.db.backup(toFile);
  }

  prune(beforeMs: number): Promise<number> {
    return this.retention.prune(beforeMs);
  }

  async stats(): Promise<StorageStats> {
    return {
      bytes: fileSize(this.file) + fileSize(`${this.file}-wal`),
      placements: this.countQuery.get()!,
      snapshots: this.snapshots.count(),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits;
    await this.checkpointer.stop();
    this.db.close(); // checkpoints what is left and removes the log
    this.lock.release();
  }

  /** Pages of the board's records from `start` (computed when iteration begins) through untilMs. */
  private async *timeline(boardId: string, start: () => TimelinePosition, untilMs: number): AsyncGenerator<StoredPlacement[]> {
    let from = start();
    for (;;) {
      const page = this.history.timeline(boardId, from, untilMs, TIMELINE_PAGE);
      if (page.length > 0) yield page;
      if (page.length < TIMELINE_PAGE) return;
      const last = page[page.length - 1]!;
      from = { timeMs: last.timeMs, seq: last.seq };
    }
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // no write-ahead log right now
  }
}
