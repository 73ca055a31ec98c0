// Synchronous PNG encoding (pngjs), shared by the render worker and the inline path
// for small images.
import pngjs from 'pngjs';

const { PNG } = pngjs;

/**
 * Encodes 8-bit RGB pixels (3 bytes per pixel, row-major) as a PNG (colour type 2).
 * Palette pixel art compresses best unfiltered (deflate finds the repeated 3-byte
 * colours); measured on 2048² images, filter 0 at level 3 was ~3× faster than pngjs's
 * default (every filter tried per row, level 9, RLE) and about half its size.
 */
export function encodeRgbPngSync(rgb: Uint8Array, width: number, height: number): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`bad image size ${width}×${height}`);
  }
  if (rgb.length !== width * height * 3) {
    throw new RangeError(`expected ${width * height * 3} bytes of RGB for ${width}×${height}, got ${rgb.length}`);
  }
  return PNG.sync.write(
    { width, height, data: rgb },
    {
      colorType: 2,
      inputColorType: 2,
      inputHasAlpha: false,
      bitDepth: 8,
      filterType: 0,
      deflateLevel: 3,
      deflateStrategy: 0,
    },
  );
}

/** Palette indices → RGB (3 bytes per pixel) through `paletteRgb`. Unknown indices become black. */
export function expandPalette(indices: Uint8Array, paletteRgb: Uint8Array): Uint8Array<ArrayBuffer> {
  // A 256-entry table, so that out-of-range indices read zeros instead of undefined.
  const table = new Uint8Array(256 * 3);
  table.set(paletteRgb.subarray(0, 256 * 3));
  const n = indices.length;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    const p = indices[i]! * 3;
    rgb[o] = table[p]!;
    rgb[o + 1] = table[p + 1]!;
    rgb[o + 2] = table[p + 2]!;
  }
  return rgb;
}
