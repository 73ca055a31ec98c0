// What makes the canvas outlive the process: the storage (SQLite in the data
// directory), the durable commit stage of the placement pipeline, start-up
// (the newest snapshot of each board, then every write after it), periodic
// snapshots and history retention. With no data directory the canvas lives in
// memory only.
import type { Board } from '../canvas/board.js';
import type { Clock } from '../clock.js';
import type { ServerConfig } from '../config/settings.js';
import { inMemoryCommit, type CommitStage } from '../placement/commit.js';
import { DurableCommit } from '../placement/durable-commit.js';
import { openSqliteStorage } from '../storage/sqlite/open.js';
import type { StoredPlacement, Storage } from '../storage/storage.js';
import type { Logger } from '../telemetry/log.js';
import type { Registry } from '../telemetry/metrics.js';

const DAY_MS = 24 * 60 * 60 * 1000;
// Retention is checked this often (and at start-up).
const RETENTION_EVERY_MS = 60 * 60 * 1000;

export interface Persistence {
  /** null when the canvas lives in memory only. */
  readonly storage: Storage | null;
  readonly commit: CommitStage;
  /** Loads every board: its newest snapshot, then the writes after it. Before any client. */
  restore(boards: readonly Board[]): Promise<RestoreReport>;
  /** Starts periodic snapshots (and retention) of `boards`. */
  start(boards: readonly Board[]): void;
  /** Lets pending commits finish, snapshots what changed, and closes the storage. */
  close(boards: readonly Board[]): Promise<void>;
}

export interface RestoreReport {
  snapshotChunks: number;
  replayed: number;
  ms: number;
}

export async function openPersistence(config: ServerConfig, log: Logger, clock: Clock, registry: Registry): Promise<Persistence> {
  if (config.dataDir === '') return inMemory;
  const storage = await openSqliteStorage(config.dataDir, config.maxDatabaseMb > 0 ? { maxDatabaseBytes: config.maxDatabaseMb * 1024 * 1024 } : {});
  const metrics = {
    commits: registry.counter('tessera_storage_commits_total', 'Group commits (one transaction each)', ['result']),
    records: registry.counter('tessera_storage_records_total', 'Placement records committed'),
    commitSeconds: registry.counter('tessera_storage_commit_seconds_total', 'Time from a group commit’s start to its durability'),
    snapshots: registry.counter('tessera_storage_snapshots_total', 'Board snapshots saved'),
  };
  const commit = new DurableCommit(storage, clock, await storage.lastSeq(), {
    committed(records, ms) {
      metrics.commits.inc({ result: 'ok' });
      metrics.records.inc(undefined, records);
      metrics.commitSeconds.inc(undefined, ms / 1000);
    },
    failed(error) {
      metrics.commits.inc({ result: 'failed' });
      log.error('commit failed: its writes were refused', { error: String(error) });
    },
  });
  return new DurablePersistence(storage, commit, config, log, clock, () => metrics.snapshots.inc());
}

const inMemory: Persistence = {
  storage: null,
  commit: inMemoryCommit,
  restore: async () => ({ snapshotChunks: 0, replayed: 0, ms: 0 }),
  start: () => {},
  close: async () => {},
};

class DurablePersistence implements Persistence {
  private snapshotTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  /** Per board index: its totalVersion when last snapshotted (unchanged boards are skipped). */
  private readonly snapshotted = new Map<number, number>();
  private snapshotting: Promise<void> = Promise.resolve();

  constructor(
    readonly storage: Storage,
    readonly commit: DurableCommit,
    private readonly config: ServerConfig,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly countSnapshot: () => void,
  ) {}

  async restore(boards: readonly Board[]): Promise<RestoreReport> {
    const started = this.clock.now();
    let snapshotChunks = 0;
    let replayed = 0;
    for (const board of boards) {
      const { id, width, height, chunkSize } = board.config;
      const snapshot = await this.storage.latestSnapshot(id);
      if (snapshot !== null) {
        if (snapshot.width !== width || snapshot.height !== height || snapshot.chunkSize !== chunkSize) {
          throw new Error(
            `board "${id}" is ${width}×${height} in chunks of ${chunkSize} in the configuration, but ${snapshot.width}×${snapshot.height} ` +
            `in chunks of ${snapshot.chunkSize} in ${this.config.dataDir}: give the changed board a new id, or use another data directory`,
          );
        }
        for (const chunk of snapshot.chunks) board.restoreChunk(chunk.index, chunk.version, chunk.pixels);
        snapshotChunks += snapshot.chunks.length;
      }
      const before = replayed;
      for await (const page of this.storage.placementsAfter(id, snapshot?.seq ?? 0)) {
        for (const record of page) replayed += replay(board, record);
      }
      board.takeChanges(); // nobody watches yet: history is not news
      // A board that needed a replay is due a snapshot (the next one, or at shutdown), so the
      // next start need not replay the same records again.
      if (replayed === before) this.snapshotted.set(board.index, board.totalVersion);
    }
    const report = { snapshotChunks, replayed, ms: Math.round(this.clock.now() - started) };
    this.log.info('boards restored', { dataDir: this.config.dataDir, ...report, lastSeq: this.commit.lastCommittedSeq });
    return report;
  }

  start(boards: readonly Board[]): void {
    if (this.config.snapshotIntervalMs > 0) {
      this.snapshotTimer = setInterval(() => void this.snapshot(boards), this.config.snapshotIntervalMs);
      this.snapshotTimer.unref();
    }
    if (this.config.historyRetentionDays > 0) {
      void this.prune();
      this.retentionTimer = setInterval(() => void this.prune(), RETENTION_EVERY_MS);
      this.retentionTimer.unref();
    }
  }

  async close(boards: readonly Board[]): Promise<void> {
    if (this.snapshotTimer) clearInterval(this.snapshotTimer);
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    await this.commit.drain();
    await this.snapshot(boards);
    await this.storage.close();
  }

  /**
   * Saves every board that changed since its last snapshot. All boards are captured in one
   * synchronous pass (saveSnapshot copies the pixels before it returns), at the seq of the
   * last committed write: every write up to it is on the boards, and none after it.
   */
  snapshot(boards: readonly Board[]): Promise<void> {
    const seq = this.commit.lastCommittedSeq;
    const saves: Promise<void>[] = [];
    for (const board of boards) {
      const version = board.totalVersion;
      if (this.snapshotted.get(board.index) === version) continue;
      const { id, width, height, chunkSize } = board.config;
      saves.push(this.storage.saveSnapshot({ boardId: id, seq, width, height, chunkSize, chunks: [...board.writtenChunks()] }).then(() => {
        this.snapshotted.set(board.index, version);
        this.countSnapshot();
      }));
    }
    this.snapshotting = this.snapshotting.then(() => Promise.all(saves)).then(
      () => {},
      (error) => this.log.error('snapshot failed', { error: String(error) }),
    );
    return this.snapshotting;
  }

  private async prune(): Promise<void> {
    try {
      const deleted = await this.storage.prune(this.clock.now() - this.config.historyRetentionDays * DAY_MS);
      if (deleted > 0) this.log.info('history pruned', { deleted, retentionDays: this.config.historyRetentionDays });
    } catch (error) {
      this.log.error('history pruning failed', { error: String(error) });
    }
  }
}

/** Writes one stored record back onto its board; returns the pixels written. */
export function replay(board: Board, record: StoredPlacement): number {
  if (record.kind === 'pixel') {
    if (!board.isInside(record.x, record.y)) return 0;
    board.setPixel(record.x, record.y, record.color);
    return 1;
  }
  if (!board.isValidTile(record.tx, record.ty) || record.colors.length !== (board.config.tileSize ?? 0) ** 2) return 0;
  return board.writeTile(record.tx, record.ty, record.colors);
}
