// A board's palette in the forms the client needs: hex for the UI, RGB for colour
// matching, and 32-bit RGBA words to write straight into ImageData.

export class Palette {
  readonly hex: readonly string[];
  /** r, g, b per entry. */
  readonly rgb: Uint8Array;
  /** One RGBA word per entry, in the byte order of a Uint32Array view of ImageData. */
  readonly words: Uint32Array;
  private readonly nearestCache = new Map<number, number>();

  constructor(hexColours: readonly string[]) {
    this.hex = hexColours.map((c) => c.toUpperCase());
    this.rgb = new Uint8Array(hexColours.length * 3);
    this.words = new Uint32Array(hexColours.length);
    const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    hexColours.forEach((hex, i) => {
      const [r, g, b] = parseHex(hex);
      this.rgb.set([r, g, b], i * 3);
      this.words[i] = littleEndian
        ? ((0xff << 24) | (b << 16) | (g << 8) | r) >>> 0
        : ((r << 24) | (g << 16) | (b << 8) | 0xff) >>> 0;
    });
  }

  get size(): number {
    return this.hex.length;
  }

  /**
   * The palette index closest to an RGB colour. "Redmean" weighting: a cheap
   * approximation of perceived difference that beats plain RGB distance on
   * skin tones and greens. Memoised, since images repeat colours a lot.
   */
  nearest(r: number, g: number, b: number): number {
    const key = (r << 16) | (g << 8) | b;
    const cached = this.nearestCache.get(key);
    if (cached !== undefined) return cached;
    let best = 0;
    let bestDistance = Infinity;
    for (let i = 0; i < this.hex.length; i++) {
      const pr = this.rgb[i * 3]!;
      const dr = r - pr;
      const dg = g - this.rgb[i * 3 + 1]!;
      const db = b - this.rgb[i * 3 + 2]!;
      const meanR = (r + pr) / 2;
      const distance = (2 + meanR / 256) * dr * dr + 4 * dg * dg + (2 + (255 - meanR) / 256) * db * db;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = i;
      }
    }
    if (this.nearestCache.size > 65536) this.nearestCache.clear();
    this.nearestCache.set(key, best);
    return best;
  }

  /** The entry least like entry `index` (a first colour that shows on the background). */
  farthestFrom(index: number): number {
    let best = 0;
    let bestDistance = -1;
    for (let i = 0; i < this.size; i++) {
      let distance = 0;
      for (let c = 0; c < 3; c++) distance += (this.rgb[i * 3 + c]! - this.rgb[index * 3 + c]!) ** 2;
      if (distance > bestDistance) {
        bestDistance = distance;
        best = i;
      }
    }
    return best;
  }

  nearestHex(hex: string): number {
    const [r, g, b] = parseHex(hex);
    return this.nearest(r, g, b);
  }
}

export function parseHex(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.replace('#', ''), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}
