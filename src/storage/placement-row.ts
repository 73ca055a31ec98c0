// A placement row as both engines' queries return it (their PLACEMENT_COLUMNS select these names)
// and its conversion to a record (tiles are stored at pixel coordinates with their side in
// tile_size), one by one or as a page of history.
import { MAX_PAGE_SIZE, type Page, type StoredPlacement } from './storage.js';

export interface PlacementRow {
  seq: number;
  board: string;
  x: number;
  y: number;
  color: number | null;
  previous_color: number | null;
  tile_size: number | null;
  colors: Buffer | null;
  previous_colors: Buffer | null;
  actor: string;
  ip: Buffer;
  time_ms: number;
  source: number;
}

export function toPlacement(row: PlacementRow): StoredPlacement {
  const common = {
    seq: row.seq,
    boardId: row.board,
    actor: row.actor,
    ipHash: row.ip,
    timeMs: row.time_ms,
    source: row.source === 0 ? 'ws' as const : 'http' as const,
  };
  const size = row.tile_size;
  if (size === null) return { kind: 'pixel', x: row.x, y: row.y, color: row.color!, previousColor: row.previous_color!, ...common };
  return { kind: 'tile', tx: row.x / size, ty: row.y / size, colors: row.colors!, previousColors: row.previous_colors!, ...common };
}

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new RangeError(`page limit must be 1..${MAX_PAGE_SIZE}, not ${limit}`);
  return limit;
}

/** Rows fetched with limit + 1: the extra one only tells that another page exists. */
export function toPage(rows: PlacementRow[], limit: number, cursorAfter: (last: StoredPlacement) => string): Page<StoredPlacement> {
  const items = rows.slice(0, limit).map(toPlacement);
  return { items, next: rows.length > limit ? cursorAfter(items[items.length - 1]!) : null };
}
