// Start-up's replay on SQLite (../replay-page.ts): a page is one statement over a range of seqs,
// walking the table itself in rowid order and returning one packed number per row (pluck), so
// nothing is joined and no row becomes an object. The board's time index would visit the same
// rows through an index and then sort them; `+board` keeps the planner off it.
import type { Database, Statement } from 'better-sqlite3';
import { PACKED_WRITE_SQL, REPLAY_PAGE_SEQS, type ReplayPage, type TileWrite } from '../replay-page.js';
import type { Dictionaries } from './placement-writer.js';
import { LAST_SEQ } from './snapshot-store.js';

interface TileRow {
  x: number;
  y: number;
  tile_size: number;
  colors: Buffer;
}

export class SqliteReplay {
  private readonly page: Statement<[number, number, number], number>;
  private readonly tileAt: Statement<[number], TileRow>;
  private readonly lastSeq: Statement<[], number>;

  constructor(db: Database, private readonly dictionaries: Dictionaries) {
    this.page = db.prepare<[number, number, number], number>(`SELECT ${PACKED_WRITE_SQL} FROM placements
      WHERE seq > ? AND seq <= ? AND +board = ? ORDER BY seq`).pluck();
    this.tileAt = db.prepare('SELECT x, y, tile_size, colors FROM placements WHERE seq = ?');
    this.lastSeq = db.prepare<[], number>(LAST_SEQ).pluck();
  }

  async *pages(boardId: string, afterSeq: number, throughSeq: number): AsyncGenerator<ReplayPage> {
    const board = this.dictionaries.boards.find(boardId);
    if (board === undefined) return;
    const last = Math.min(throughSeq, this.lastSeq.get()!);
    for (let from = afterSeq; from < last; from += REPLAY_PAGE_SEQS) {
      const writes = this.page.all(from, Math.min(from + REPLAY_PAGE_SEQS, last), board);
      if (writes.length > 0) yield { writes, tiles: this.tilesOf(writes) };
    }
  }

  /** Fetches the page's tile records (given as minus their seq) and points the writes at them. */
  private tilesOf(writes: number[]): TileWrite[] {
    const tiles: TileWrite[] = [];
    for (let i = 0; i < writes.length; i++) {
      if (writes[i]! >= 0) continue;
      const row = this.tileAt.get(-writes[i]!)!;
      writes[i] = -1 - tiles.length;
      tiles.push({ tx: row.x / row.tile_size, ty: row.y / row.tile_size, colors: row.colors });
    }
    return tiles;
  }
}
