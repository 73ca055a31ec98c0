// Start-up's view of history: what each write did to its board, without who, when or what it
// replaced, and without an object per write. A server restarting on 10 million placements
// replays them all (or the minutes after the newest snapshot), so both engines read only the
// position and colour of a pixel record, packed into one number by the database itself, and a
// page is one array of numbers (the few tile records aside).

/** A tile record as replay needs it: tile (tx, ty) and its tileSize² colours, row-major. */
export interface TileWrite {
  tx: number;
  ty: number;
  colors: Uint8Array;
}

/**
 * One page of a board's writes, in seq order. writes[i] ≥ 0 is a pixel record, packed as
 * x · 2^24 + y · 2^8 + colour (x, y < 2^16 and colour < 2^8, as every board is: boards.ts);
 * writes[i] < 0 is the tile record tiles[-1 - writes[i]].
 */
export interface ReplayPage {
  writes: ArrayLike<number>;
  tiles: TileWrite[];
}

/** Seqs per replay page: a page holds at most this many records (fewer when other boards share the range). */
export const REPLAY_PAGE_SEQS = 65_536;

/**
 * The SQL (both engines) that packs a pixel row of the placements table as ReplayPage.writes
 * does, and gives a tile row as minus its seq: the engine then fetches that tile (tile writes
 * are few) and puts -1 - its index in the page's tiles in its place.
 */
export const PACKED_WRITE_SQL = 'CASE WHEN tile_size IS NULL THEN CAST(x AS BIGINT) * 16777216 + y * 256 + color ELSE -seq END';

export const packedX = (write: number): number => Math.floor(write / 16777216);
// Below 2^53 the low 32 bits survive ToInt32, and y and colour lie in them.
export const packedY = (write: number): number => (write >> 8) & 0xffff;
export const packedColor = (write: number): number => write & 0xff;
