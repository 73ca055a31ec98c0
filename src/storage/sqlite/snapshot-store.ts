// Board snapshots: compressed chunks tagged with the last seq they include and the time of it.
// All of them are kept (time travel starts from the newest one at or before a time).
import type { Database, Statement } from 'better-sqlite3';
import { compressChunks } from '../snapshot-codec.js';
import { snapshotOf, type SnapshotRow } from '../snapshot-row.js';
import type { BoardSnapshot, NewBoardSnapshot } from '../storage.js';
import type { Dictionaries } from './placement-writer.js';

const COLUMNS = 'seq, time_ms, width, height, chunk_size, data';
/** AUTOINCREMENT's counter: still right after retention deleted the newest rows. */
export const LAST_SEQ = `SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'placements'), 0)`;

export class SnapshotStore {
  private readonly insert: Statement<[number, number, number, number, number, number, Buffer]>;
  private readonly timeOf: Statement<[number, number, number], number>;
  private readonly newest: Statement<[number], SnapshotRow>;
  private readonly newestAtOrBefore: Statement<[number, number], SnapshotRow>;
  private readonly countAll: Statement<[], number>;
  private readonly lastSeq: Statement<[], number>;

  constructor(private readonly db: Database, private readonly dictionaries: Dictionaries) {
    this.insert = db.prepare(`INSERT INTO snapshots (board, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    // The time of the newest record the snapshot includes. If retention deleted that record, an
    // earlier snapshot of the same seq still knows it.
    this.timeOf = db.prepare<[number, number, number], number>(`SELECT max(
        coalesce((SELECT time_ms FROM placements WHERE seq <= ? ORDER BY seq DESC LIMIT 1), 0),
        coalesce((SELECT max(time_ms) FROM snapshots WHERE board = ? AND seq <= ?), 0))`).pluck();
    this.newest = db.prepare(`SELECT ${COLUMNS} FROM snapshots WHERE board = ? ORDER BY seq DESC, id DESC LIMIT 1`);
    this.newestAtOrBefore = db.prepare(`SELECT ${COLUMNS} FROM snapshots WHERE board = ? AND time_ms <= ?
      ORDER BY time_ms DESC, seq DESC, id DESC LIMIT 1`);
    this.countAll = db.prepare<[], number>('SELECT count(*) FROM snapshots').pluck();
    this.lastSeq = db.prepare<[], number>(LAST_SEQ).pluck();
  }

  async save(snapshot: NewBoardSnapshot): Promise<void> {
    const { boardId, seq, width, height, chunkSize } = snapshot;
    if (![seq, width, height, chunkSize].every(Number.isSafeInteger) || seq < 0 || width < 1 || height < 1 || chunkSize < 1) {
      throw new RangeError(`not a storable snapshot of board ${boardId}`);
    }
    const data = await compressChunks(snapshot.chunks, chunkSize);
    try {
      this.db.transaction(() => {
        // Replay would skip records up to its seq: a snapshot from the future would lose them.
        if (seq > this.lastSeq.get()!) throw new RangeError(`snapshot of board ${boardId} claims seq ${seq}, beyond the last committed one`);
        const board = this.dictionaries.boards.idOf(boardId);
        const timeMs = this.timeOf.get(seq, board, seq)!;
        this.insert.run(board, seq, timeMs, width, height, chunkSize, data);
      })();
    } catch (error) {
      this.dictionaries.boards.forget(); // a board id created in the rolled-back transaction is gone
      throw error;
    }
  }

  latest(boardId: string): Promise<BoardSnapshot | null> {
    const board = this.dictionaries.boards.find(boardId);
    return snapshotOf(boardId, board === undefined ? undefined : this.newest.get(board));
  }

  at(boardId: string, atMs: number): Promise<BoardSnapshot | null> {
    const board = this.dictionaries.boards.find(boardId);
    return snapshotOf(boardId, board === undefined ? undefined : this.newestAtOrBefore.get(board, atMs));
  }

  count(): number {
    return this.countAll.get()!;
  }
}
