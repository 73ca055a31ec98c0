// Reading placement rows back as records: the columns every query selects, the joins that turn
// ids back into names, and the row → record conversion.
import type { StoredPlacement } from '../storage.js';

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

/**
 * `SELECT ${PLACEMENT_COLUMNS} FROM placements p ${PLACEMENT_JOINS} WHERE ...`. CROSS JOIN keeps
 * placements the outer loop, so each query walks the placements index its WHERE names.
 */
export const PLACEMENT_COLUMNS =
  'p.seq, b.name AS board, p.x, p.y, p.color, p.previous_color, p.tile_size, p.colors, p.previous_colors, ' +
  'a.name AS actor, i.hash AS ip, p.time_ms, p.source';
export const PLACEMENT_JOINS =
  'CROSS JOIN boards b ON b.id = p.board CROSS JOIN actors a ON a.id = p.actor CROSS JOIN ip_hashes i ON i.id = p.ip';

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
