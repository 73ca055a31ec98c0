// Turns any image into palette indices: resized in a canvas (the browser does the
// resampling), then every pixel mapped to the nearest palette colour. Mostly
// transparent pixels become -1 ("no colour"): a template leaves them alone, the
// tile editor paints the background there.
import type { Palette } from './palette.js';

export interface IndexedImage {
  width: number;
  height: number;
  /** Palette index per pixel, row-major; -1 = transparent. */
  colors: Int16Array;
}

export type ResizeMode = 'stretch' | 'cover';

/** Decodes an image file or clipboard blob. */
export function decodeImage(blob: Blob): Promise<ImageBitmap> {
  if (!blob.type.startsWith('image/')) return Promise.reject(new Error(`not an image (${blob.type || 'unknown type'})`));
  return createImageBitmap(blob);
}

export function quantize(source: ImageBitmap, width: number, height: number, palette: Palette, mode: ResizeMode = 'stretch'): IndexedImage {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const shrinking = source.width > width || source.height > height;
  ctx.imageSmoothingEnabled = shrinking; // averaging helps a photo; pixel art scaled up must stay crisp
  ctx.imageSmoothingQuality = 'high';
  if (mode === 'cover') {
    // Fill the square, cropping the longer side in the middle.
    const scale = Math.max(width / source.width, height / source.height);
    const w = width / scale;
    const h = height / scale;
    ctx.drawImage(source, (source.width - w) / 2, (source.height - h) / 2, w, h, 0, 0, width, height);
  } else {
    ctx.drawImage(source, 0, 0, width, height);
  }
  const data = ctx.getImageData(0, 0, width, height).data;
  const colors = new Int16Array(width * height);
  for (let i = 0; i < colors.length; i++) {
    const at = i * 4;
    colors[i] = data[at + 3]! < 128 ? -1 : palette.nearest(data[at]!, data[at + 1]!, data[at + 2]!);
  }
  return { width, height, colors };
}

/** Size that keeps the aspect ratio and fits within `max` on both sides. */
export function fitWithin(width: number, height: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / width, max / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
