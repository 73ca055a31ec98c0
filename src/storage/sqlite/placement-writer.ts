// Group commit: a batch of records in one transaction. Either every record is stored and has its
// seq, or (disk full, I/O error) SQLite rolls the transaction back and nothing of it remains,
// in the database or in the caches here.
import type { Database, Statement } from 'better-sqlite3';
import { CommitFailedError } from '../errors.js';
import { asBuffer, checkRecord, SOURCE_CODES } from '../placement-record.js';
import type { PlacementRecord } from '../storage.js';
import type { Dictionary } from './dictionary.js';

export interface Dictionaries {
  boards: Dictionary;
  actors: Dictionary;
  ips: Dictionary;
}

type Row = [
  board: number, x: number, y: number, color: number | null, previousColor: number | null,
  tileSize: number | null, colors: Buffer | null, previousColors: Buffer | null,
  actor: number, ip: number, timeMs: number, source: number,
];

export class PlacementWriter {
  private readonly insert: Statement<Row>;
  private readonly insertTileSize: Statement<[number, number]>;
  private readonly addToCount: Statement<[number]>;
  private readonly writeAll: (records: readonly PlacementRecord[]) => number[];
  /** The newest committed time: no record is stored with an earlier one (storage.ts, "Order and time"). */
  private lastTimeMs: number;

  constructor(db: Database, private readonly dictionaries: Dictionaries) {
    this.insert = db.prepare(`
      INSERT INTO placements (board, x, y, color, previous_color, tile_size, colors, previous_colors, actor, ip, time_ms, source)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertTileSize = db.prepare('INSERT OR IGNORE INTO tile_sizes (board, size) VALUES (?, ?)');
    this.addToCount = db.prepare(`UPDATE meta SET value = value + ? WHERE key = 'placements'`);
    this.writeAll = db.transaction((records) => this.writeRows(records));
    const newest = db.prepare('SELECT time_ms FROM placements ORDER BY seq DESC LIMIT 1').pluck().get() as number | undefined;
    this.lastTimeMs = newest ?? 0;
  }

  commit(records: readonly PlacementRecord[]): number[] {
    records.forEach(checkRecord);
    let seqs;
    try {
      seqs = this.writeAll(records);
    } catch (error) {
      // The rolled-back transaction took the ids created in it along.
      this.dictionaries.boards.forget();
      this.dictionaries.actors.forget();
      this.dictionaries.ips.forget();
      throw new CommitFailedError(`storage commit failed: ${(error as Error).message}`, { cause: error });
    }
    for (const record of records) if (record.timeMs > this.lastTimeMs) this.lastTimeMs = record.timeMs;
    return seqs;
  }

  private writeRows(records: readonly PlacementRecord[]): number[] {
    const { boards, actors, ips } = this.dictionaries;
    const seqs: number[] = [];
    let timeMs = this.lastTimeMs;
    for (const record of records) {
      const board = boards.idOf(record.boardId);
      timeMs = Math.max(timeMs, record.timeMs);
      const actor = actors.idOf(record.actor);
      const ip = ips.idOf(asBuffer(record.ipHash));
      const source = SOURCE_CODES[record.source];
      let info;
      if (record.kind === 'pixel') {
        info = this.insert.run(board, record.x, record.y, record.color, record.previousColor, null, null, null, actor, ip, timeMs, source);
      } else {
        const size = Math.sqrt(record.colors.length);
        this.insertTileSize.run(board, size);
        info = this.insert.run(board, record.tx * size, record.ty * size, null, null, size,
          asBuffer(record.colors), asBuffer(record.previousColors), actor, ip, timeMs, source);
      }
      seqs.push(Number(info.lastInsertRowid));
    }
    this.addToCount.run(records.length);
    return seqs;
  }
}
