// Messages between the render pool (png-pool.ts) and its workers (png-worker.ts).

/** An encode job; `pixels` is transferred, not copied. */
export type EncodeJob =
  | { id: number; format: 'rgb'; width: number; height: number; pixels: ArrayBuffer }
  | { id: number; format: 'indexed'; width: number; height: number; pixels: ArrayBuffer; paletteRgb: Uint8Array };

/** A job's outcome; `png` is transferred. */
export type EncodeResult =
  | { id: number; ok: true; png: ArrayBuffer }
  | { id: number; ok: false; message: string };
