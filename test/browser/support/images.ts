// PNG files made on the fly for upload tests (templates, the tile editor).
import pngjs from 'pngjs';

const { PNG } = pngjs;

/** A width × height RGBA PNG whose pixel (x, y) is `pixel(x, y)` = [r, g, b, a]. */
export function makePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Buffer {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  }
  return PNG.sync.write({ width, height, data }, { colorType: 6 });
}

export function hexToRgba(hex: string): [number, number, number, number] {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff, 255];
}
