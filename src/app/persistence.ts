// What makes the canvas outlive the process: the storage (SQLite in the data
// directory, or PostgreSQL), the durable commit stage of the placement pipeline,
// start-up (the newest snapshot of each board, then every write after it),
// periodic snapshots and history retention. open-persistence.ts picks and opens
// it; cluster-persistence.ts wraps it for a cluster member.
import type { Board } from '../canvas/board.js';
import type { Clock } from '../clock.js';
import type { ServerConfig } from '../config/settings.js';
import type { CommitStage } from '../placement/commit.js';
import { DurableCommit } from '../placement/durable-commit.js';
import type { ModerationStore } from '../storage/moderation.js';
import type { ModerationNotice } from '../cluster/moderation-notices.js';
import type { SharedBucket } from '../cluster/shared-rate-limits.js';
import type { Confirmations } from './moderation/confirmations.js';
import type { BucketSpec } from '../ratelimit/bucket-spec.js';
import type { Storage } from '../storage/storage.js';
import type { Logger } from '../telemetry/log.js';
import { replayPage } from './replay.js';

const DAY_MS = 24 * 60 * 60 * 1000;
// Retention is checked this often (and at start-up).
const RETENTION_EVERY_MS = 60 * 60 * 1000;

export interface Persistence {
  /** null when the canvas lives in memory only. */
  readonly storage: Storage | null;
  /** Accounts, bans, locks, …: in the storage's database (SQLite or PostgreSQL), or in memory with the canvas. */
  readonly moderation: ModerationStore;
  readonly commit: CommitStage;
  /** Loads every board: its newest snapshot, then the writes after it. Before any client. */
  restore(boards: readonly Board[]): Promise<RestoreReport>;
  /** Whether writes can be taken (/health/ready): in cluster mode, only while caught up and Redis and the database answer. */
  ready(): boolean;
  /** The seq every write up to which is on the boards (0 in memory). */
  appliedSeq(): number;
  /** Cluster mode: shares this process's online counts; returns how to turn them into every member's. */
  shareOnline?(local: () => readonly number[]): (local: readonly number[]) => number[];
  /**
   * Cluster mode: moderation changes other members commit go to `reload`; the answer tells them
   * of this member's (after each commit) and shares changed rate-limit buckets.
   */
  shareModeration?(reload: (notice: ModerationNotice) => void): ModerationPeers;
  /** Starts periodic snapshots (and retention) of `boards`. */
  start(boards: readonly Board[]): void;
  /** Lets pending commits finish, snapshots what changed, and closes the storage. */
  close(boards: readonly Board[]): Promise<void>;
}

export interface ModerationPeers {
  announce(notice: ModerationNotice): void;
  bucketsChanged(boardId: string, buckets: readonly BucketSpec[]): void;
  /** Buckets every member takes from (login attempts): all or none; 0, or the ms to wait. Rejects when Redis does not answer. */
  takeShared(buckets: readonly SharedBucket[]): Promise<number>;
  /** Confirmation tokens every member knows (a reset confirmed through any member). */
  confirmations: Confirmations;
}

export interface RestoreReport {
  snapshotChunks: number;
  replayed: number;
  ms: number;
}

export class DurablePersistence implements Persistence {
  private snapshotTimer: NodeJS.Timeout | null = null;
  private retentionTimer: NodeJS.Timeout | null = null;
  /** Per board index: its totalVersion when last snapshotted (unchanged boards are skipped). */
  private readonly snapshotted = new Map<number, number>();
  private snapshotting: Promise<void> = Promise.resolve();

  constructor(
    readonly storage: Storage,
    readonly moderation: ModerationStore,
    readonly commit: DurableCommit,
    private readonly config: ServerConfig,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly countSnapshot: () => void,
  ) {}

  ready(): boolean {
    return true;
  }

  appliedSeq(): number {
    return this.commit.lastCommittedSeq;
  }

  /** Loads every board (up to throughSeq: a cluster member follows the log from there). */
  async restore(boards: readonly Board[], throughSeq = Infinity): Promise<RestoreReport> {
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
            `in chunks of ${snapshot.chunkSize} in ${this.config.database === '' ? this.config.dataDir : 'the database'}: ` +
            'give the changed board a new id, or use another data directory (or schema)',
          );
        }
        for (const chunk of snapshot.chunks) board.restoreChunk(chunk.index, chunk.version, chunk.pixels);
        snapshotChunks += snapshot.chunks.length;
      }
      const before = replayed;
      for await (const page of this.storage.replayPages(id, snapshot?.seq ?? 0, throughSeq)) {
        replayed += replayPage(board, page);
        board.takeChanges(); // nobody watches yet: history is not news (and the tracker stays small)
      }
      // A board that needed a replay is due a snapshot (the next one, or at shutdown), so the
      // next start need not replay the same records again.
      if (replayed === before) this.snapshotted.set(board.index, board.totalVersion);
    }
    const report = { snapshotChunks, replayed, ms: Math.round(this.clock.now() - started) };
    this.log.info('boards restored', { ...(this.config.database === '' ? { dataDir: this.config.dataDir } : { storage: 'postgres' }), ...report, lastSeq: this.commit.lastCommittedSeq });
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
