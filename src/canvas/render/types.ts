// What the renderers need from a board (src/canvas/board.ts's Board satisfies it
// structurally), and the renderers' errors.

export interface RenderableBoard {
  readonly config: {
    readonly id: string;
    readonly width: number;
    readonly height: number;
    readonly chunkSize: number;
    /** Palette index of every pixel of a never-written chunk. */
    readonly background: number;
  };
  /** ceil(width / chunkSize), ceil(height / chunkSize). */
  readonly chunksX: number;
  readonly chunksY: number;
  /** 3 bytes (R, G, B) per palette colour. */
  readonly paletteRgb: Uint8Array;
  /**
   * Chunk `cy * chunksX + cx`: chunkSize² palette indices, row-major with row length
   * chunkSize (edge chunks padded), or null when the chunk was never written. Valid until
   * the next call (a sparse chunk's pixels are copied into one reused buffer).
   */
  chunkData(chunk: number): Uint8Array | null;
  /** Grows with every write to the chunk. */
  chunkVersion(chunk: number): number;
}

/** Largest board `renderBoardPng` renders, per side. */
export const MAX_BOARD_PNG_SIDE = 4096;

/** The board is too big for a single image: serve the overview pyramid instead. */
export class ImageTooLargeError extends Error {
  override readonly name = 'ImageTooLargeError';

  constructor(
    readonly width: number,
    readonly height: number,
    readonly maxSide: number = MAX_BOARD_PNG_SIDE,
  ) {
    super(`image of ${width}×${height} pixels is larger than ${maxSide}×${maxSide}; use the overview tiles`);
  }
}

/** The (level, tx, ty) or (cx, cy) asked for does not exist (the API answers 404 TILE_NOT_FOUND). */
export class TileNotFoundError extends RangeError {
  override readonly name = 'TileNotFoundError';
}
