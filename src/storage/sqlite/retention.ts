// Retention: deletes records older than a time that the board's newest snapshot includes, so
// start-up (newest snapshot + the records after it) never needs what was deleted. Deletes run in
// batches of their own transactions, yielding to the event loop between them.
import type { Database, Statement } from 'better-sqlite3';
import { setImmediate as nextTurn } from 'node:timers/promises';

const BATCH = 5_000;

export class Retention {
  private readonly newestSnapshots: Statement<[], { board: number; seq: number }>;
  private readonly deleteBatch: (board: number, beforeMs: number, maxSeq: number) => number;

  constructor(db: Database) {
    this.newestSnapshots = db.prepare('SELECT board, max(seq) AS seq FROM snapshots GROUP BY board');
    const remove = db.prepare<[number, number, number, number]>(`DELETE FROM placements WHERE seq IN
      (SELECT seq FROM placements WHERE board = ? AND time_ms < ? AND seq <= ? LIMIT ?)`);
    const subtractFromCount = db.prepare<[number]>(`UPDATE meta SET value = value - ? WHERE key = 'placements'`);
    this.deleteBatch = db.transaction((board: number, beforeMs: number, maxSeq: number) => {
      const { changes } = remove.run(board, beforeMs, maxSeq, BATCH);
      subtractFromCount.run(changes);
      return changes;
    });
  }

  async prune(beforeMs: number): Promise<number> {
    let total = 0;
    for (const { board, seq } of this.newestSnapshots.all()) {
      for (;;) {
        const deleted = this.deleteBatch(board, beforeMs, seq);
        total += deleted;
        if (deleted < BATCH) break;
        await nextTurn();
      }
    }
    return total;
  }
}
