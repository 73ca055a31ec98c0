// History queries: newest-first pages with keyset cursors, and oldest-first pages for replay and
// time ranges. Every query is one index range (see the indexes in migrations.ts); a page is a
// short statement of its own, so no read holds the connection between pages.
import type { Database, Statement } from 'better-sqlite3';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { checkActors, newestFirst, type Area, type Page, type PageRequest, type StoredPlacement } from '../storage.js';
import type { Dictionaries } from './placement-writer.js';
import { checkLimit, toPage, toPlacement, type PlacementRow } from '../placement-row.js';
import { PLACEMENT_COLUMNS, PLACEMENT_JOINS } from './placement-rows.js';

const SELECT = `SELECT ${PLACEMENT_COLUMNS} FROM placements p ${PLACEMENT_JOINS}`;
const NEWEST = Number.MAX_SAFE_INTEGER;

/** A place in (time, seq) order, which is seq order (storage.ts, "Order and time"). */
export interface TimelinePosition {
  timeMs: number;
  seq: number;
}

export class PlacementHistory {
  private readonly recentPage: Statement<[number, number, number, number], PlacementRow>;
  private readonly areaPage: Statement<Record<string, number>, PlacementRow>;
  private readonly actorPage: Statement<[number, number, number], PlacementRow>;
  private readonly actorCount: Statement<[number], number>;
  private readonly timelinePage: Statement<[number, number, number, number, number], PlacementRow>;
  private readonly timeAtOrBefore: Statement<[number], number>;
  private readonly tileSizes: Statement<[number], number>;
  private readonly pixelPages = new Map<number, Statement<Record<string, number>, PlacementRow>>();

  constructor(private readonly db: Database, private readonly dictionaries: Dictionaries) {
    this.recentPage = db.prepare(`${SELECT} WHERE p.board = ? AND (p.time_ms, p.seq) < (?, ?)
      ORDER BY p.time_ms DESC, p.seq DESC LIMIT ?`);
    this.areaPage = db.prepare(`${SELECT} WHERE p.board = @board AND p.time_ms BETWEEN @from AND @to AND p.seq < @before
      AND p.x < @right AND p.x + coalesce(p.tile_size, 1) > @x AND p.y < @bottom AND p.y + coalesce(p.tile_size, 1) > @y
      ORDER BY p.time_ms DESC, p.seq DESC LIMIT @limit`);
    this.actorPage = db.prepare(`${SELECT} WHERE p.actor = ? AND p.seq < ? ORDER BY p.seq DESC LIMIT ?`);
    this.actorCount = db.prepare<[number], number>('SELECT count(*) FROM placements WHERE actor = ?').pluck();
    this.timelinePage = db.prepare(`${SELECT} WHERE p.board = ? AND (p.time_ms, p.seq) > (?, ?) AND p.time_ms <= ?
      ORDER BY p.time_ms, p.seq LIMIT ?`);
    this.timeAtOrBefore = db.prepare<[number], number>('SELECT time_ms FROM placements WHERE seq <= ? ORDER BY seq DESC LIMIT 1').pluck();
    this.tileSizes = db.prepare<[number], number>('SELECT size FROM tile_sizes WHERE board = ?').pluck();
  }

  recent(boardId: string, page: PageRequest): Page<StoredPlacement> {
    const limit = checkLimit(page.limit);
    const [timeMs, seq] = page.cursor ? decodeCursor('recent', page.cursor, 2) : [NEWEST, NEWEST];
    const board = this.dictionaries.boards.find(boardId);
    if (board === undefined) return { items: [], next: null };
    const rows = this.recentPage.all(board, timeMs!, seq!, limit + 1);
    return toPage(rows, limit, (last) => encodeCursor('recent', [last.timeMs, last.seq]));
  }

  area(boardId: string, area: Area, fromMs: number, toMs: number, page: PageRequest): Page<StoredPlacement> {
    const limit = checkLimit(page.limit);
    const [seq] = page.cursor ? decodeCursor('area', page.cursor, 1) : [NEWEST];
    const board = this.dictionaries.boards.find(boardId);
    if (board === undefined) return { items: [], next: null };
    const { x, y, width, height } = area;
    const rows = this.areaPage.all({ board, from: fromMs, to: toMs, before: seq!, x, y, right: x + width, bottom: y + height, limit: limit + 1 });
    return toPage(rows, limit, (last) => encodeCursor('area', [last.seq]));
  }

  /** One index range per actor, each at most limit + 1 rows, merged. */
  byActors(actors: readonly string[], page: PageRequest): Page<StoredPlacement> {
    const limit = checkLimit(page.limit);
    const [seq] = page.cursor ? decodeCursor('actor', page.cursor, 1) : [NEWEST];
    const ids = this.actorIds(actors);
    const rows = newestFirst(ids.map((id) => this.actorPage.all(id, seq!, limit + 1)));
    return toPage(rows, limit, (last) => encodeCursor('actor', [last.seq]));
  }

  countByActors(actors: readonly string[]): number {
    return this.actorIds(actors).reduce((sum, id) => sum + this.actorCount.get(id)!, 0);
  }

  /** The known ones among `actors`, each once. */
  private actorIds(actors: readonly string[]): number[] {
    const ids = checkActors(actors).map((actor) => this.dictionaries.actors.find(actor));
    return [...new Set(ids.filter((id): id is number => id !== undefined))];
  }

  /** Pixel records at (x, y) and tile records covering it: one index lookup per tile size in use. */
  pixel(boardId: string, x: number, y: number, page: PageRequest): Page<StoredPlacement> {
    const limit = checkLimit(page.limit);
    const [seq] = page.cursor ? decodeCursor('pixel', page.cursor, 1) : [NEWEST];
    const board = this.dictionaries.boards.find(boardId);
    if (board === undefined) return { items: [], next: null };
    const sizes = this.tileSizes.all(board);
    const params: Record<string, number> = { board, x, y, before: seq!, limit: limit + 1 };
    sizes.forEach((size, i) => {
      params[`size${i}`] = size;
      params[`x${i}`] = x - (x % size);
      params[`y${i}`] = y - (y % size);
    });
    const rows = this.pixelStatement(sizes.length).all(params);
    return toPage(rows, limit, (last) => encodeCursor('pixel', [last.seq]));
  }

  /** Up to `limit` records of the board after `from` with time ≤ untilMs, oldest first. */
  timeline(boardId: string, from: TimelinePosition, untilMs: number, limit: number): StoredPlacement[] {
    const board = this.dictionaries.boards.find(boardId);
    if (board === undefined) return [];
    return this.timelinePage.all(board, from.timeMs, from.seq, untilMs, limit).map(toPlacement);
  }

  /** The timeline position just before seq `afterSeq + 1`. */
  positionAfter(afterSeq: number): TimelinePosition {
    // Records after afterSeq are no older than the newest one up to it (storage.ts): start there.
    return { timeMs: this.timeAtOrBefore.get(afterSeq) ?? 0, seq: afterSeq };
  }

  private pixelStatement(tileSizeCount: number): Statement<Record<string, number>, PlacementRow> {
    let statement = this.pixelPages.get(tileSizeCount);
    if (statement) return statement;
    // Each arm takes its own newest `limit` through the pixel index; the union is at most
    // (1 + tile sizes) × limit rows, sorted once.
    const arm = (where: string) =>
      `SELECT seq FROM (SELECT seq FROM placements WHERE ${where} AND seq < @before ORDER BY seq DESC LIMIT @limit)`;
    const arms = [arm('board = @board AND x = @x AND y = @y AND tile_size IS NULL')];
    for (let i = 0; i < tileSizeCount; i++) arms.push(arm(`board = @board AND x = @x${i} AND y = @y${i} AND tile_size = @size${i}`));
    statement = this.db.prepare(`SELECT ${PLACEMENT_COLUMNS} FROM (${arms.join(' UNION ALL ')}) hits
      CROSS JOIN placements p ON p.seq = hits.seq ${PLACEMENT_JOINS} ORDER BY p.seq DESC LIMIT @limit`);
    this.pixelPages.set(tileSizeCount, statement);
    return statement;
  }
}
