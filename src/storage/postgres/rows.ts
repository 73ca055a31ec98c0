// Placement rows in and out of PostgreSQL: the columns every query selects (read back by
// ../placement-row.ts), and a batch of records → one multi-row INSERT (arrays unnested
// server-side, so a tick's batch is one statement whatever its size).
import { asBuffer, SOURCE_CODES } from '../placement-record.js';
import type { PlacementRecord } from '../storage.js';

export const PLACEMENT_COLUMNS =
  'seq, board, x, y, color, previous_color, tile_size, colors, previous_colors, actor, ip, time_ms, source';

export const INSERT_PLACEMENTS = `INSERT INTO placements (${PLACEMENT_COLUMNS})
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::smallint[], $6::smallint[], $7::int[],
    $8::bytea[], $9::bytea[], $10::text[], $11::bytea[], $12::bigint[], $13::smallint[])`;

/** The 13 column arrays of INSERT_PLACEMENTS for records given `seqs` and stored `times`. */
export function insertParams(records: readonly PlacementRecord[], seqs: readonly number[], times: readonly number[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 13 }, () => []);
  records.forEach((record, i) => {
    let row: unknown[];
    if (record.kind === 'pixel') {
      row = [record.x, record.y, record.color, record.previousColor, null, null, null];
    } else {
      const size = Math.sqrt(record.colors.length);
      row = [record.tx * size, record.ty * size, null, null, size, asBuffer(record.colors), asBuffer(record.previousColors)];
    }
    const values = [seqs[i], record.boardId, ...row, record.actor, asBuffer(record.ipHash), times[i], SOURCE_CODES[record.source]];
    values.forEach((value, column) => columns[column]!.push(value));
  });
  return columns;
}

/** A rough upper bound of the bytes a record takes in the table and its indexes, for the size cap. */
export function estimatedBytes(record: PlacementRecord): number {
  const blobs = record.kind === 'tile' ? 2 * record.colors.length : 0;
  return 200 + 3 * (record.boardId.length + record.actor.length) + record.ipHash.length + blobs;
}
