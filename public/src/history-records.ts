// A board's placements from the timelapse stream, held in columns (typed arrays that
// grow by doubling), so a million records cost ~14 MB and no objects: the timelapse
// player replays them, the heatmap and the virgin map read them.
import { TimelapseReader, type TimelapseStreamHeader } from '../../src/protocol/timelapse-reader.js';

/** Boards larger than this (in pixels) get no player or overlays: one RGBA image of the board must fit. */
export const MAX_HISTORY_PIXELS = 4096 * 4096;

export class HistoryRecords {
  header: TimelapseStreamHeader | null = null;
  count = 0;
  /** Unix ms of each record. */
  times = new Float64Array(1024);
  /** A pixel's y·width + x, or for a tile write −(its index in `tiles`) − 1. */
  targets = new Int32Array(1024);
  colors = new Uint8Array(1024);
  /** Each tile write's tile and colours (row-major, tileSize²). */
  readonly tiles: { tx: number; ty: number; colors: Uint8Array }[] = [];
  /** Whether the stream ended whole (an incomplete body means the server failed mid-way). */
  complete = false;

  get startMs(): number {
    return this.header?.startMs ?? 0;
  }

  get endMs(): number {
    return this.count === 0 ? this.startMs : this.times[this.count - 1]!;
  }

  /** The first record later than `timeMs` (binary search: the times never go back). */
  indexAfter(timeMs: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid]! <= timeMs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Calls `pixel` for every board pixel record i wrote (one, or a whole tile's). */
  forEachPixel(i: number, pixel: (offset: number, color: number) => void): void {
    const header = this.header!;
    const target = this.targets[i]!;
    if (target >= 0) return pixel(target, this.colors[i]!);
    const tile = this.tiles[-target - 1]!;
    const size = header.tileSize;
    const x0 = tile.tx * size;
    const y0 = tile.ty * size;
    for (let dy = 0; dy < size; dy++) {
      const y = y0 + dy;
      if (y >= header.height) break;
      for (let dx = 0; dx < size; dx++) {
        const x = x0 + dx;
        if (x < header.width) pixel(y * header.width + x, tile.colors[dy * size + dx]!);
      }
    }
  }

  private add(timeMs: number, target: number, color: number): void {
    if (this.count === this.times.length) {
      this.times = grow(this.times, new Float64Array(this.count * 2));
      this.targets = grow(this.targets, new Int32Array(this.count * 2));
      this.colors = grow(this.colors, new Uint8Array(this.count * 2));
    }
    this.times[this.count] = timeMs;
    this.targets[this.count] = target;
    this.colors[this.count] = color;
    this.count++;
  }

  /** Reads a timelapse response as it arrives; `progress` after each piece. Rejects on an HTTP error or a bad stream. */
  static async fetch(url: string, signal: AbortSignal, progress: (records: HistoryRecords) => void = () => {}): Promise<HistoryRecords> {
    const records = new HistoryRecords();
    const reader = new TimelapseReader({
      header: (header) => {
        if (header.width * header.height > MAX_HISTORY_PIXELS) throw new Error(`the board is too large (${header.width}×${header.height}) to replay here`);
        records.header = header;
      },
      pixel: (timeMs, x, y, color) => records.add(timeMs, y * records.header!.width + x, color),
      tile: (timeMs, tx, ty, colors) => {
        records.tiles.push({ tx, ty, colors: colors.slice() });
        records.add(timeMs, -records.tiles.length, 0);
      },
    });
    const response = await fetch(url, { signal });
    if (!response.ok || response.body === null) throw new Error(await errorText(response));
    const body = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await body.read();
        if (done) break;
        reader.push(value);
        progress(records);
      }
    } catch (err) {
      void body.cancel().catch(() => {}); // stop the download: the server stops producing it
      throw err;
    }
    if (records.header === null) throw new Error('the server sent no timelapse');
    records.complete = reader.complete;
    return records;
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** An API error's message (docs/API.md, "Errors"), or the status. */
export async function errorText(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { message?: string };
    if (typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON: the status says enough.
  }
  return `HTTP ${response.status}`;
}
