// A placement row as both engines' queries return it (their PLACEMENT_COLUMNS select these names)
// and its conversion to a record: tiles are stored at pixel coordinates with their side in tile_size.
import type { StoredPlacement } from './storage.js';

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
