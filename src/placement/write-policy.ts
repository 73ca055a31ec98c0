// What a board lets a writer do, and how fast: the board configuration's
// "policy" section.
import type { BucketSpec } from '../ratelimit/bucket-spec.js';

export interface WritePolicy {
  strokes: boolean;     // PLACE_BATCH of more than one pixel allowed
  maxBatch: number;     // pixels per PLACE_BATCH, 1..65535 (n is u16)
  tileWrites: boolean;  // TILE_WRITE allowed (needs tileSize)
  // Chunks writes may make the board allocate (chunkSize² bytes each); a write that would
  // allocate past it is refused (NOT_ALLOWED). null: every chunk of the board.
  maxChunks: number | null;
  buckets: BucketSpec[];
}
