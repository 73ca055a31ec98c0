// Minimal declaration for the parts of pngjs (v7, CommonJS) that Tessera uses.
// Import it as `import pngjs from 'pngjs'; const { PNG } = pngjs;`.
declare module 'pngjs' {
  /** Options of `PNG.sync.write` (pngjs's packer). */
  export interface PngWriteOptions {
    /** Output colour type: 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA (pngjs cannot write palette PNGs). */
    colorType?: 0 | 2 | 4 | 6;
    /** Layout of `data`: same codes as `colorType`. */
    inputColorType?: 0 | 2 | 4 | 6;
    /** Whether `data` has 4 bytes per pixel (true, the default) or 3. */
    inputHasAlpha?: boolean;
    bitDepth?: 8 | 16;
    deflateLevel?: number;
    deflateStrategy?: number;
    deflateChunkSize?: number;
    /** -1 (default) tries all filters per row; a number or list restricts the choice. */
    filterType?: number | number[];
  }

  export interface PngImage {
    width: number;
    height: number;
    data: Uint8Array;
    gamma?: number;
  }

  /** What `PNG.sync.read` returns: `data` is always 8-bit RGBA, 4 bytes per pixel. */
  export interface DecodedPng {
    width: number;
    height: number;
    data: Buffer;
    depth: number;
    colorType: number;
    interlace: boolean;
    palette: boolean;
    color: boolean;
    alpha: boolean;
  }

  export interface PngSync {
    read(buffer: Uint8Array, options?: Record<string, unknown>): DecodedPng;
    write(png: PngImage, options?: PngWriteOptions): Buffer;
  }

  const pngjs: { PNG: { sync: PngSync } };
  export default pngjs;
}
