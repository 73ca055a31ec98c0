// Start-up's replay on PostgreSQL (../replay-page.ts): a page is one statement over a range of
// seqs that returns ONE value, the page's packed writes as 8-byte big-endian integers aggregated
// into a bytea, so neither the server nor the driver makes a row per record.
import type { Pool } from 'pg';
import { PACKED_WRITE_SQL, REPLAY_PAGE_SEQS, type ReplayPage, type TileWrite } from '../replay-page.js';

const PAGE = `SELECT string_agg(int8send(${PACKED_WRITE_SQL}), ''::bytea ORDER BY seq) AS writes
  FROM placements WHERE board = $1 AND seq > $2 AND seq <= $3`;
const TILES = 'SELECT seq, x, y, tile_size, colors FROM placements WHERE seq = ANY($1::bigint[])';

interface TileRow {
  seq: number;
  x: number;
  y: number;
  tile_size: number;
  colors: Buffer;
}

export async function* postgresReplayPages(pool: Pool, boardId: string, afterSeq: number, throughSeq: number): AsyncGenerator<ReplayPage> {
  const lastSeq = (await pool.query<{ last_seq: number }>('SELECT last_seq FROM state')).rows[0]!.last_seq;
  const last = Math.min(throughSeq, lastSeq);
  for (let from = afterSeq; from < last; from += REPLAY_PAGE_SEQS) {
    const { writes: packed } = (await pool.query<{ writes: Buffer | null }>(PAGE, [boardId, from, Math.min(from + REPLAY_PAGE_SEQS, last)])).rows[0]!;
    if (packed === null) continue;
    const writes = new Float64Array(packed.length / 8);
    const tileSeqs: number[] = [];
    for (let i = 0; i < writes.length; i++) {
      const write = packed.readInt32BE(i * 8) * 2 ** 32 + packed.readUInt32BE(i * 8 + 4);
      if (write < 0) tileSeqs.push(-write);
      writes[i] = write;
    }
    yield { writes, tiles: tileSeqs.length === 0 ? [] : await tilesOf(pool, writes, tileSeqs) };
  }
}

/** Fetches the page's tile records (given as minus their seq) and points the writes at them. */
async function tilesOf(pool: Pool, writes: Float64Array, seqs: number[]): Promise<TileWrite[]> {
  const rows = new Map((await pool.query<TileRow>(TILES, [seqs])).rows.map((row) => [row.seq, row]));
  const tiles: TileWrite[] = [];
  for (let i = 0; i < writes.length; i++) {
    if (writes[i]! >= 0) continue;
    const row = rows.get(-writes[i]!)!;
    writes[i] = -1 - tiles.length;
    tiles.push({ tx: row.x / row.tile_size, ty: row.y / row.tile_size, colors: row.colors });
  }
  return tiles;
}
