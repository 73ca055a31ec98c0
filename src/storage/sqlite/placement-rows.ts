// Reading placement rows back as records: the columns every query selects and the joins that turn
// ids back into names (the row → record conversion is ../placement-row.ts).

/**
 * `SELECT ${PLACEMENT_COLUMNS} FROM placements p ${PLACEMENT_JOINS} WHERE ...`. CROSS JOIN keeps
 * placements the outer loop, so each query walks the placements index its WHERE names.
 */
export const PLACEMENT_COLUMNS =
  'p.seq, b.name AS board, p.x, p.y, p.color, p.previous_color, p.tile_size, p.colors, p.previous_colors, ' +
  'a.name AS actor, i.hash AS ip, p.time_ms, p.source';
export const PLACEMENT_JOINS =
  'CROSS JOIN boards b ON b.id = p.board CROSS JOIN actors a ON a.id = p.actor CROSS JOIN ip_hashes i ON i.id = p.ip';
