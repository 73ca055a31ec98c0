// History queries on PostgreSQL: newest-first pages with keyset cursors and oldest-first pages
// for replay and time ranges, each one index range (see schema.ts) and one short statement, so
// no read holds a connection between pages.
import type { Pool } from 'pg';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { checkActors, newestFirst, type Area, type Page, type PageRequest, type StoredPlacement } from '../storage.js';
import { checkLimit, toPage, toPlacement, type PlacementRow } from '../placement-row.js';
import { PLACEMENT_COLUMNS } from './rows.js';

const NEWEST = Number.MAX_SAFE_INTEGER;

/** A place in (time, seq) order, which is seq order (storage.ts, "Order and time"). */
export interface TimelinePosition {
  timeMs: number;
  seq: number;
}

export class PostgresHistory {
  constructor(private readonly pool: Pool) {}

  async recent(boardId: string, page: PageRequest): Promise<Page<StoredPlacement>> {
    const limit = checkLimit(page.limit);
    const [timeMs, seq] = page.cursor ? decodeCursor('recent', page.cursor, 2) : [NEWEST, NEWEST];
    const rows = await this.rows(`SELECT ${PLACEMENT_COLUMNS} FROM placements WHERE board = $1 AND (time_ms, seq) < ($2, $3)
      ORDER BY time_ms DESC, seq DESC LIMIT $4`, [boardId, timeMs, seq, limit + 1]);
    return toPage(rows, limit, (last) => encodeCursor('recent', [last.timeMs, last.seq]));
  }

  async area(boardId: string, area: Area, fromMs: number, toMs: number, page: PageRequest): Promise<Page<StoredPlacement>> {
    const limit = checkLimit(page.limit);
    const [seq] = page.cursor ? decodeCursor('area', page.cursor, 1) : [NEWEST];
    const { x, y, width, height } = area;
    const rows = await this.rows(`SELECT ${PLACEMENT_COLUMNS} FROM placements
      WHERE board = $1 AND time_ms BETWEEN $2 AND $3 AND seq < $4
        AND x < $5 AND x + coalesce(tile_size, 1) > $6 AND y < $7 AND y + coalesce(tile_size, 1) > $8
      ORDER BY time_ms DESC, seq DESC LIMIT $9`, [boardId, fromMs, toMs, seq, x + width, x, y + height, y, limit + 1]);
    return toPage(rows, limit, (last) => encodeCursor('area', [last.seq]));
  }

  /** One index range per actor (placements_by_actor), each at most limit + 1 rows, merged. */
  async byActors(actors: readonly string[], page: PageRequest): Promise<Page<StoredPlacement>> {
    const limit = checkLimit(page.limit);
    const [seq] = page.cursor ? decodeCursor('actor', page.cursor, 1) : [NEWEST];
    const lists = await Promise.all([...new Set(checkActors(actors))].map((actor) => this.rows(`SELECT ${PLACEMENT_COLUMNS} FROM placements
      WHERE actor = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`, [actor, seq, limit + 1])));
    return toPage(newestFirst(lists), limit, (last) => encodeCursor('actor', [last.seq]));
  }

  async countByActors(actors: readonly string[]): Promise<number> {
    const result = await this.pool.query<{ count: number }>('SELECT count(*) AS count FROM placements WHERE actor = ANY($1::text[])', [[...new Set(checkActors(actors))]]);
    return result.rows[0]!.count;
  }

  /** Pixel records at (x, y) and tile records covering it: one index range per tile size in use. */
  async pixel(boardId: string, x: number, y: number, page: PageRequest): Promise<Page<StoredPlacement>> {
    const limit = checkLimit(page.limit);
    const [seq] = page.cursor ? decodeCursor('pixel', page.cursor, 1) : [NEWEST];
    const sizes = (await this.pool.query<{ size: number }>('SELECT size FROM tile_sizes WHERE board = $1 ORDER BY size', [boardId]))
      .rows.map((row) => row.size);
    const params: unknown[] = [boardId, seq, limit + 1, x, y];
    const arm = (at: string) => `(SELECT seq FROM placements WHERE board = $1 AND ${at} AND seq < $2 ORDER BY seq DESC LIMIT $3)`;
    const arms = [arm('x = $4 AND y = $5 AND tile_size IS NULL')];
    for (const size of sizes) {
      params.push(x - (x % size), y - (y % size), size);
      const n = params.length;
      arms.push(arm(`x = $${n - 2} AND y = $${n - 1} AND tile_size = $${n}`));
    }
    const rows = await this.rows(`SELECT ${PLACEMENT_COLUMNS} FROM placements WHERE seq IN (${arms.join(' UNION ALL ')})
      ORDER BY seq DESC LIMIT $3`, params);
    return toPage(rows, limit, (last) => encodeCursor('pixel', [last.seq]));
  }

  /** Up to `limit` records of the board after `from` with time ≤ untilMs, oldest first. */
  async timeline(boardId: string, from: TimelinePosition, untilMs: number, limit: number): Promise<StoredPlacement[]> {
    const rows = await this.rows(`SELECT ${PLACEMENT_COLUMNS} FROM placements
      WHERE board = $1 AND (time_ms, seq) > ($2, $3) AND time_ms <= $4 ORDER BY time_ms, seq LIMIT $5`,
    [boardId, from.timeMs, from.seq, untilMs, limit]);
    return rows.map(toPlacement);
  }

  /** The timeline position just before seq `afterSeq + 1`. */
  async positionAfter(afterSeq: number): Promise<TimelinePosition> {
    // Records after afterSeq are no older than the newest one up to it (storage.ts): start there.
    const result = await this.pool.query<{ time_ms: number }>(
      'SELECT time_ms FROM placements WHERE seq <= $1 ORDER BY seq DESC LIMIT 1', [afterSeq]);
    return { timeMs: result.rows[0]?.time_ms ?? 0, seq: afterSeq };
  }

  /** Every board's records with seq in (afterSeq, throughSeq], in seq order: what a cluster member missed. */
  async range(afterSeq: number, throughSeq: number, limit: number): Promise<StoredPlacement[]> {
    const rows = await this.rows(`SELECT ${PLACEMENT_COLUMNS} FROM placements WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
      [afterSeq, throughSeq, limit]);
    return rows.map(toPlacement);
  }

  private async rows(sql: string, params: unknown[]): Promise<PlacementRow[]> {
    return (await this.pool.query<PlacementRow>(sql, params)).rows;
  }
}
