// Storage on PostgreSQL (the pg package). Commits are serialised twice: in call order within the
// process (a promise chain, as the interface asks), and across processes by the state row, which
// every commit locks FOR UPDATE: it hands out seqs in commit order (last_seq + 1, ...) and keeps
// times from going back, so several processes (cluster mode) can share one schema. A commit is
// durable when COMMIT returns (synchronous_commit, PostgreSQL's default: the WAL is flushed).
import type { Pool, PoolClient } from 'pg';
import { CommitFailedError } from '../errors.js';
import { hashIp } from '../ip-hash.js';
import { checkRecord } from '../placement-record.js';
import type { ReplayPage } from '../replay-page.js';
import { compressChunks } from '../snapshot-codec.js';
import { snapshotOf, type SnapshotRow } from '../snapshot-row.js';
import type {
  Area, BoardSnapshot, NewBoardSnapshot, Page, PageRequest, PlacementRecord, Storage, StorageStats, StoredPlacement,
} from '../storage.js';
import { writeBackup } from './backup.js';
import { PostgresModerationStore } from './moderation-store.js';
import { PostgresHistory, type TimelinePosition } from './history.js';
import { postgresReplayPages } from './replay.js';
import { estimatedBytes, INSERT_PLACEMENTS, insertParams } from './rows.js';
import { TABLES } from './schema.js';
import { inTransaction } from './transaction.js';

/** Records per page of placementsAfter / placementsBetween. */
const TIMELINE_PAGE = 1024;
const PRUNE_BATCH = 5_000;
const END_OF_TIME = Number.MAX_SAFE_INTEGER;
const SIZE_OF_TABLES = `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c
  WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND c.relkind = 'r' AND c.relname = ANY($1)`;

const SNAPSHOT_COLUMNS = 'seq, time_ms, width, height, chunk_size, data';

export interface SchemaGuard {
  /** Resolves when this process still holds the schema (or never needed to); else rejects. */
  check(): Promise<void>;
  release(): Promise<void>;
}

export class PostgresStorage implements Storage {
  private readonly history: PostgresHistory;
  private closed = false;
  /** The latest commit, settled or not: the next one runs after it. */
  private commits: Promise<unknown> = Promise.resolve();

  /** Use openPostgresStorage (open.ts). */
  constructor(
    private readonly pool: Pool,
    private readonly guard: SchemaGuard,
    private readonly ipHashSecret: Buffer,
    private readonly maxDatabaseBytes: number | undefined,
  ) {
    this.history = new PostgresHistory(pool);
  }

  /** Accounts, bans, locks, …: in the same schema, on the same pool (closed with the storage). */
  moderation(): PostgresModerationStore {
    return new PostgresModerationStore(this.pool);
  }

  hashIp(ip: string): Uint8Array {
    return hashIp(this.ipHashSecret, ip);
  }

  commit(records: readonly PlacementRecord[]): Promise<number[]> {
    const committed = this.commits.then(() => this.write(records));
    this.commits = committed.catch(() => undefined);
    return committed;
  }

  async lastSeq(): Promise<number> {
    return (await this.pool.query<{ last_seq: number }>('SELECT last_seq FROM state')).rows[0]!.last_seq;
  }

  async saveSnapshot(snapshot: NewBoardSnapshot): Promise<void> {
    const { boardId, seq, width, height, chunkSize } = snapshot;
    if (![seq, width, height, chunkSize].every(Number.isSafeInteger) || seq < 0 || width < 1 || height < 1 || chunkSize < 1) {
      throw new RangeError(`not a storable snapshot of board ${boardId}`);
    }
    const data = await compressChunks(snapshot.chunks, chunkSize);
    await this.transaction(async (client) => {
      const { last_seq: lastSeq } = (await client.query<{ last_seq: number }>('SELECT last_seq FROM state FOR SHARE')).rows[0]!;
      // Replay would skip records up to its seq: a snapshot from the future would lose them.
      if (seq > lastSeq) throw new RangeError(`snapshot of board ${boardId} claims seq ${seq}, beyond the last committed one`);
      // The time of the newest record it includes; if retention deleted it, an earlier snapshot knows it.
      await client.query(`INSERT INTO snapshots (board, seq, time_ms, width, height, chunk_size, data)
        SELECT $1, $2, greatest(
          coalesce((SELECT time_ms FROM placements WHERE seq <= $2 ORDER BY seq DESC LIMIT 1), 0),
          coalesce((SELECT max(time_ms) FROM snapshots WHERE board = $1 AND seq <= $2), 0)), $3, $4, $5, $6`,
      [boardId, seq, width, height, chunkSize, data]);
    });
  }

  async latestSnapshot(boardId: string): Promise<BoardSnapshot | null> {
    return this.loadSnapshot(boardId, `SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE board = $1 ORDER BY seq DESC, id DESC LIMIT 1`, [boardId]);
  }

  async snapshotAt(boardId: string, atMs: number): Promise<BoardSnapshot | null> {
    return this.loadSnapshot(boardId, `SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE board = $1 AND time_ms <= $2
      ORDER BY time_ms DESC, seq DESC, id DESC LIMIT 1`, [boardId, atMs]);
  }

  placementsAfter(boardId: string, afterSeq: number, untilMs = END_OF_TIME): AsyncIterable<StoredPlacement[]> {
    return this.timeline(boardId, () => this.history.positionAfter(afterSeq), untilMs);
  }

  replayPages(boardId: string, afterSeq: number, throughSeq = Infinity): AsyncIterable<ReplayPage> {
    return postgresReplayPages(this.pool, boardId, afterSeq, throughSeq);
  }

  placementsBetween(boardId: string, fromMs: number, toMs: number): AsyncIterable<StoredPlacement[]> {
    // (time, seq) > (fromMs, -1) is time ≥ fromMs.
    return this.timeline(boardId, async () => ({ timeMs: fromMs, seq: -1 }), toMs);
  }

  /** Every board's records with seq in (afterSeq, throughSeq], oldest first, at most `limit`. */
  placementsInRange(afterSeq: number, throughSeq: number, limit: number): Promise<StoredPlacement[]> {
    return this.history.range(afterSeq, throughSeq, limit);
  }

  pixelHistory(boardId: string, x: number, y: number, page: PageRequest): Promise<Page<StoredPlacement>> {
    return this.history.pixel(boardId, x, y, page);
  }

  recentPlacements(boardId: string, page: PageRequest): Promise<Page<StoredPlacement>> {
    return this.history.recent(boardId, page);
  }

  areaPlacements(boardId: string, area: Area, fromMs: number, toMs: number, page: PageRequest): Promise<Page<StoredPlacement>> {
    return this.history.area(boardId, area, fromMs, toMs, page);
  }

  actorPlacements(actors: readonly string[], page: PageRequest): Promise<Page<StoredPlacement>> {
    return this.history.byActors(actors, page);
  }

  actorPlacementCount(actors: readonly string[]): Promise<number> {
    return this.history.countByActors(actors);
  }

  backup(toFile: string): Promise<void> {
    return writeBackup(this.pool, toFile);
  }

  async prune(beforeMs: number): Promise<number> {
    const newest = await this.pool.query<{ board: string; seq: number }>('SELECT board, max(seq) AS seq FROM snapshots GROUP BY board');
    let total = 0;
    for (const { board, seq } of newest.rows) {
      for (;;) {
        const deleted = await this.transaction(async (client) => {
          const { rowCount } = await client.query(`DELETE FROM placements WHERE seq IN
            (SELECT seq FROM placements WHERE board = $1 AND time_ms < $2 AND seq <= $3 LIMIT $4)`, [board, beforeMs, seq, PRUNE_BATCH]);
          await client.query('UPDATE state SET placements = placements - $1', [rowCount ?? 0]);
          return rowCount ?? 0;
        });
        total += deleted;
        if (deleted < PRUNE_BATCH) break;
      }
    }
    return total;
  }

  async stats(): Promise<StorageStats> {
    const [bytes, state, snapshots] = await Promise.all([
      this.pool.query<{ bytes: number }>(SIZE_OF_TABLES, [TABLES]),
      this.pool.query<{ placements: number }>('SELECT placements FROM state'),
      this.pool.query<{ count: number }>('SELECT count(*) AS count FROM snapshots'),
    ]);
    return { bytes: bytes.rows[0]!.bytes, placements: state.rows[0]!.placements, snapshots: snapshots.rows[0]!.count };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commits;
    await this.guard.release();
    await this.pool.end();
  }

  private async write(records: readonly PlacementRecord[]): Promise<number[]> {
    records.forEach(checkRecord);
    if (records.length === 0) return [];
    try {
      await this.guard.check();
      return await this.transaction(async (client) => {
        const state = (await client.query<{ last_seq: number; last_time_ms: number }>(
          'SELECT last_seq, last_time_ms FROM state FOR UPDATE')).rows[0]!;
        if (this.maxDatabaseBytes !== undefined) await this.checkRoom(client, records);
        const seqs: number[] = [];
        const times: number[] = [];
        let timeMs = state.last_time_ms;
        records.forEach((record, i) => {
          timeMs = Math.max(timeMs, record.timeMs);
          seqs.push(state.last_seq + 1 + i);
          times.push(timeMs);
        });
        await client.query(INSERT_PLACEMENTS, insertParams(records, seqs, times));
        const tiles = records.filter((record) => record.kind === 'tile');
        if (tiles.length > 0) {
          await client.query(`INSERT INTO tile_sizes (board, size) SELECT * FROM unnest($1::text[], $2::int[]) ON CONFLICT DO NOTHING`,
            [tiles.map((record) => record.boardId), tiles.map((record) => Math.sqrt(record.colors.length))]);
        }
        await client.query('UPDATE state SET last_seq = $1, last_time_ms = $2, placements = placements + $3',
          [seqs[seqs.length - 1], timeMs, records.length]);
        return seqs;
      });
    } catch (error) {
      throw new CommitFailedError(`storage commit failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The size cap (--max-database-mb): a batch that would take the tables past it is refused before it is written. */
  private async checkRoom(client: PoolClient, records: readonly PlacementRecord[]): Promise<void> {
    const { bytes } = (await client.query<{ bytes: number }>(SIZE_OF_TABLES, [TABLES])).rows[0]!;
    const needed = records.reduce((sum, record) => sum + estimatedBytes(record), 0);
    if (bytes + needed > this.maxDatabaseBytes!) {
      throw new Error(`database full: ${bytes} bytes stored, the batch needs about ${needed} more, the cap is ${this.maxDatabaseBytes}`);
    }
  }

  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, work);
  }

  private async loadSnapshot(boardId: string, sql: string, params: unknown[]): Promise<BoardSnapshot | null> {
    return snapshotOf(boardId, (await this.pool.query<SnapshotRow>(sql, params)).rows[0]);
  }

  /** Pages of the board's records from `start` (computed when iteration begins) through untilMs. */
  private async *timeline(boardId: string, start: () => Promise<TimelinePosition>, untilMs: number): AsyncGenerator<StoredPlacement[]> {
    let from = await start();
    for (;;) {
      const page = await this.history.timeline(boardId, from, untilMs, TIMELINE_PAGE);
      if (page.length > 0) yield page;
      if (page.length < TIMELINE_PAGE) return;
      const last = page[page.length - 1]!;
      from = { timeMs: last.timeMs, seq: last.seq };
    }
  }
}
