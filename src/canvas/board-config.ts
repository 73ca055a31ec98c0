// What a board is: its id, size, chunking, palette and tiles. (How it may be
// written to is the placement pipeline's WritePolicy; both are read from the
// JSON configuration by src/config/boards.ts.)

export interface BoardConfig {
  id: string;
  title: string;
  width: number;
  height: number;
  chunkSize: number;
  palette: string[];      // "#RRGGBB", upper-case
  background: number;     // palette index
  tileSize: number | null;
}

// Per-chunk bookkeeping is dense (a version and a slot per chunk, ~16 bytes), so the chunk
// count bounds a board's fixed cost: 2^20 chunks ≈ 16 MiB even if nothing is ever drawn.
export const MAX_CHUNKS_PER_BOARD = 1 << 20;
