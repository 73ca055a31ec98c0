// The overview pyramid: a board downsampled by 2^L at level L, cut into square tiles,
// for boards too large for one image (the 32,000² mosaic). Served at
// /api/boards/:id/overview/:level/:tx/:ty.png?v=<version>.
//
// Level L pixel (ox, oy) is the average RGB of board pixels [ox·2^L, (ox+1)·2^L) ×
// [oy·2^L, (oy+1)·2^L) that lie inside the board (blocks on the right and bottom edges
// are partial). Levels run from 0 (full size) to the first level whose image fits in
// one tile.
//
// Tiles are computed from the chunks directly, as RGB sums per block:
// - a never-written chunk costs nothing: whatever part of a block no written chunk
//   covers is background, counted from the geometry alone;
// - for levels ≥ gridLevel (max(1, ceil(log2 chunkSize) − 4), 4 for 256-pixel chunks) a
//   written chunk contributes a small cached grid of per-block sums (≤ 17×17 cells at
//   gridLevel, built once per chunk version, halved per level above), so re-rendering a
//   high tile after a few writes reads only the chunks that changed;
// - below that, tiles are small enough to read their chunks' pixels directly.
// Downsampling yields to the event loop every few milliseconds (a first render of the
// fully painted mosaic's top tile reads 10^9 pixels); a write landing meanwhile may
// show up in a tile labelled with the version it had when the render started, and the
// next request re-renders it. Rendered tiles are cached per (level, tx, ty) with that
// version (the sum of the versions of the chunks under the tile), in an LRU of
// maxCachedTiles. Level 0 tiles are the board's pixels, copied synchronously.
import type { OverviewLevelJson } from '../../protocol/json.js';
import { systemClock, type Clock } from '../../clock.js';
import { VersionedPromiseLru } from '../../cache/versioned-lru.js';
import type { PngEncoder } from './png-pool.js';
import { rasterizeIndexed } from './raster.js';
import { TileNotFoundError, type RenderableBoard } from './types.js';

const DEFAULT_TILE_PIXELS = 256;
const DEFAULT_MAX_CACHED_TILES = 512;

/** Downsampling yields to the event loop after this much work in one go. */
const SLICE_MS = 8;

export interface OverviewOptions {
  /** Side of a tile in pixels (256 by default). */
  tilePixels?: number;
  /** Rendered tiles kept (512 by default). */
  maxCachedTiles?: number;
  /** Measures the slices of downsampling work (the system clock by default). */
  clock?: Clock;
}

/** One level of the pyramid, as the API describes it. */
export type OverviewLevelInfo = OverviewLevelJson;

export interface OverviewInfo {
  boardId: string;
  width: number;
  height: number;
  tilePixels: number;
  levels: number;
  /** One entry per level, 0 first. */
  tiles: OverviewLevelInfo[];
}

const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);

function checkTilePixels(tilePixels: number): number {
  if (!Number.isInteger(tilePixels) || tilePixels < 1 || tilePixels > 4096) {
    throw new RangeError(`tilePixels must be an integer from 1 to 4096, got ${tilePixels}`);
  }
  return tilePixels;
}

/** Number of levels: 1 + the smallest L at which the board, downsampled by 2^L, fits one tile. */
export function overviewLevelCount(width: number, height: number, tilePixels: number): number {
  let level = 0;
  while (ceilDiv(width, 2 ** level) > tilePixels || ceilDiv(height, 2 ** level) > tilePixels) level++;
  return level + 1;
}

/** What a client needs to address the overview tiles of `board`. */
export function overviewInfo(board: RenderableBoard, options: Pick<OverviewOptions, 'tilePixels'> = {}): OverviewInfo {
  const tilePixels = checkTilePixels(options.tilePixels ?? DEFAULT_TILE_PIXELS);
  const { id, width, height } = board.config;
  const levels = overviewLevelCount(width, height, tilePixels);
  const tiles: OverviewLevelInfo[] = [];
  for (let level = 0; level < levels; level++) {
    const scale = 2 ** level;
    const w = ceilDiv(width, scale);
    const h = ceilDiv(height, scale);
    tiles.push({ level, scale, width: w, height: h, tilesX: ceilDiv(w, tilePixels), tilesY: ceilDiv(h, tilePixels) });
  }
  return { boardId: id, width, height, tilePixels, levels, tiles };
}

/** A tile's place: output pixels [ox0, ox0+tw) × [oy0, oy0+th) at `level`, board pixels [bx0, bx1) × [by0, by1). */
interface TileRect {
  level: number;
  ox0: number;
  oy0: number;
  tw: number;
  th: number;
  bx0: number;
  by0: number;
  bx1: number;
  by1: number;
}

/** Per-block RGB sums of one chunk's pixels at one level: cells (gx0.., gy0..), gw × gh, 3 sums each. */
interface ChunkGrid {
  gx0: number;
  gy0: number;
  gw: number;
  gh: number;
  sums: Uint32Array;
}

interface ChunkGrids {
  version: number;
  byLevel: (ChunkGrid | undefined)[];
}

/** Colours packed as r + g·2^17 + b·2^34 in a double: sums of up to 514 pixels stay exact and separable. */
const PACK_G = 2 ** 17;
const PACK_B = 2 ** 34;
const PACKED_RUN_MAX = 512;

function packPalette(palette: Uint8Array): Float64Array {
  const packed = new Float64Array(256);
  for (let i = 0; i < 256; i++) packed[i] = palette[i * 3]! + palette[i * 3 + 1]! * PACK_G + palette[i * 3 + 2]! * PACK_B;
  return packed;
}

/**
 * Adds the RGB sums of data's pixels [ix0, ix1) × [iy0, iy1) (board coordinates) into
 * blocks of `scale` pixels; target cell (ox, oy) is at ((oy − oy0)·stride + ox − ox0)·3.
 */
function accumulatePixels(
  data: Uint8Array,
  packed: Float64Array,
  chunkSize: number,
  chunkX: number,
  chunkY: number,
  ix0: number,
  ix1: number,
  iy0: number,
  iy1: number,
  scale: number,
  ox0: number,
  oy0: number,
  stride: number,
  target: Float64Array | Uint32Array,
): void {
  const run = Math.min(scale, PACKED_RUN_MAX);
  for (let y = iy0; y < iy1; y++) {
    const rowBase = (y - chunkY) * chunkSize - chunkX;
    const targetRow = (Math.floor(y / scale) - oy0) * stride - ox0;
    let x = ix0;
    while (x < ix1) {
      const ox = Math.floor(x / scale);
      // One run: the row's pixels inside block ox, at most PACKED_RUN_MAX of them.
      const xe = Math.min(ix1, (ox + 1) * scale, x + run);
      let sum = 0;
      for (; x < xe; x++) sum += packed[data[rowBase + x]!]!;
      const b = Math.floor(sum / PACK_B);
      const rest = sum - b * PACK_B;
      const g = Math.floor(rest / PACK_G);
      const t = (targetRow + ox) * 3;
      target[t] += rest - g * PACK_G;
      target[t + 1] += g;
      target[t + 2] += b;
    }
  }
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class OverviewPyramid {
  readonly tilePixels: number;
  readonly levels: number;
  readonly maxCachedTiles: number;
  /** First level served from cached per-chunk grids; lower levels read pixels directly. */
  readonly gridLevel: number;
  /** Tiles computed so far (cache hits don't count). */
  renders = 0;

  private readonly cache: VersionedPromiseLru<string, Buffer>;
  private readonly grids = new Map<number, ChunkGrids>();
  private readonly clock: Clock;
  /** 256 × RGB, so that any index reads as a colour (unknown ones black). */
  private readonly palette: Uint8Array;
  /** The same colours packed for accumulatePixels. */
  private readonly packed: Float64Array;

  constructor(
    readonly board: RenderableBoard,
    private readonly png: PngEncoder,
    options: OverviewOptions = {},
  ) {
    this.tilePixels = checkTilePixels(options.tilePixels ?? DEFAULT_TILE_PIXELS);
    this.clock = options.clock ?? systemClock;
    const maxCachedTiles = options.maxCachedTiles ?? DEFAULT_MAX_CACHED_TILES;
    if (!Number.isInteger(maxCachedTiles) || maxCachedTiles < 1) {
      throw new RangeError(`maxCachedTiles must be a positive integer, got ${maxCachedTiles}`);
    }
    this.maxCachedTiles = maxCachedTiles;
    this.cache = new VersionedPromiseLru({ maxEntries: maxCachedTiles });
    this.levels = overviewLevelCount(board.config.width, board.config.height, this.tilePixels);
    this.gridLevel = Math.max(1, Math.ceil(Math.log2(board.config.chunkSize)) - 4);
    this.palette = new Uint8Array(256 * 3);
    this.palette.set(board.paletteRgb.subarray(0, 256 * 3));
    this.packed = packPalette(this.palette);
  }

  info(): OverviewInfo {
    return overviewInfo(this.board, { tilePixels: this.tilePixels });
  }

  /** Tiles currently cached. */
  get cachedTiles(): number {
    return this.cache.size;
  }

  /**
   * The tile's version: the sum of the versions of the chunks under it, so it changes
   * (grows) with every write there. Throws TileNotFoundError for a tile that doesn't exist.
   */
  version(level: number, tx: number, ty: number): number {
    return this.versionOf(this.rect(level, tx, ty));
  }

  /** Versions of every tile of `level`, row-major (tilesX per row). */
  versions(level: number): number[] {
    const { tilesX, tilesY } = this.levelSize(level);
    const out: number[] = [];
    for (let ty = 0; ty < tilesY; ty++) for (let tx = 0; tx < tilesX; tx++) out.push(this.version(level, tx, ty));
    return out;
  }

  /**
   * Tile (tx, ty) of `level` as an RGB PNG, tilePixels square (cropped on the right and
   * bottom edges). Served from the cache unless a chunk under it changed since it was
   * rendered. Rejects with TileNotFoundError for a tile that doesn't exist.
   */
  tile(level: number, tx: number, ty: number): Promise<Buffer> {
    let rect: TileRect;
    try {
      rect = this.rect(level, tx, ty);
    } catch (error) {
      return Promise.reject(error);
    }
    const version = this.versionOf(rect);
    return this.cache.get(`${level}/${tx}/${ty}`, version, () => {
      this.renders++;
      return this.render(rect);
    });
  }

  /** Drops every cached tile and chunk grid. */
  clear(): void {
    this.cache.clear();
    this.grids.clear();
  }

  private levelSize(level: number): { scale: number; width: number; height: number; tilesX: number; tilesY: number } {
    if (!Number.isInteger(level) || level < 0 || level >= this.levels) {
      throw new TileNotFoundError(`no overview level ${level} (levels 0..${this.levels - 1})`);
    }
    const scale = 2 ** level;
    const width = ceilDiv(this.board.config.width, scale);
    const height = ceilDiv(this.board.config.height, scale);
    return { scale, width, height, tilesX: ceilDiv(width, this.tilePixels), tilesY: ceilDiv(height, this.tilePixels) };
  }

  private rect(level: number, tx: number, ty: number): TileRect {
    const { scale, width, height, tilesX, tilesY } = this.levelSize(level);
    if (!Number.isInteger(tx) || !Number.isInteger(ty) || tx < 0 || ty < 0 || tx >= tilesX || ty >= tilesY) {
      throw new TileNotFoundError(`no overview tile (${tx}, ${ty}) at level ${level} (${tilesX}×${tilesY} tiles)`);
    }
    const T = this.tilePixels;
    const ox0 = tx * T;
    const oy0 = ty * T;
    const tw = Math.min(T, width - ox0);
    const th = Math.min(T, height - oy0);
    return {
      level,
      ox0,
      oy0,
      tw,
      th,
      bx0: ox0 * scale,
      by0: oy0 * scale,
      bx1: Math.min(this.board.config.width, (ox0 + tw) * scale),
      by1: Math.min(this.board.config.height, (oy0 + th) * scale),
    };
  }

  private versionOf(r: TileRect): number {
    const { board } = this;
    const cs = board.config.chunkSize;
    const cx1 = Math.floor((r.bx1 - 1) / cs);
    const cy1 = Math.floor((r.by1 - 1) / cs);
    let sum = 0;
    for (let cy = Math.floor(r.by0 / cs); cy <= cy1; cy++) {
      for (let cx = Math.floor(r.bx0 / cs); cx <= cx1; cx++) sum += board.chunkVersion(cy * board.chunksX + cx);
    }
    return sum;
  }

  private render(r: TileRect): Promise<Buffer> {
    if (r.level === 0) {
      // Full size: the pixels themselves, copied now; the palette is applied in the worker.
      return this.png.encodeIndexed(rasterizeIndexed(this.board, r.bx0, r.by0, r.tw, r.th), this.board.paletteRgb, r.tw, r.th);
    }
    return this.downsample(r).then((rgb) => this.png.encodeRgb(rgb, r.tw, r.th));
  }

  /** The tile's averaged RGB pixels. Yields to the event loop every few milliseconds of work. */
  private async downsample(r: TileRect): Promise<Uint8Array<ArrayBuffer>> {
    const { board, palette, packed } = this;
    const { width, height, chunkSize: cs, background } = board.config;
    const { level, ox0, oy0, tw, th } = r;
    const scale = 2 ** level;
    const sums = new Float64Array(tw * th * 3);
    const painted = new Float64Array(tw * th);

    const cx0 = Math.floor(r.bx0 / cs);
    const cy0 = Math.floor(r.by0 / cs);
    const cx1 = Math.floor((r.bx1 - 1) / cs);
    const cy1 = Math.floor((r.by1 - 1) / cs);
    let sliceStart = this.clock.now();
    for (let cy = cy0; cy <= cy1; cy++) {
      for (let cx = cx0; cx <= cx1; cx++) {
        const chunk = cy * board.chunksX + cx;
        const data = board.chunkData(chunk);
        if (!data) continue;
        const chunkX = cx * cs;
        const chunkY = cy * cs;
        // The part of the chunk inside both the board and this tile.
        const ix0 = Math.max(r.bx0, chunkX);
        const ix1 = Math.min(r.bx1, chunkX + cs, width);
        const iy0 = Math.max(r.by0, chunkY);
        const iy1 = Math.min(r.by1, chunkY + cs, height);
        if (ix0 >= ix1 || iy0 >= iy1) continue;

        if (level < this.gridLevel) {
          accumulatePixels(data, packed, cs, chunkX, chunkY, ix0, ix1, iy0, iy1, scale, ox0, oy0, tw, sums);
        } else {
          const grid = this.chunkGrid(chunk, level, data);
          const gx1 = grid.gx0 + grid.gw;
          const gy1 = grid.gy0 + grid.gh;
          const fromX = Math.max(grid.gx0, ox0);
          const toX = Math.min(gx1, ox0 + tw);
          for (let gy = Math.max(grid.gy0, oy0), toY = Math.min(gy1, oy0 + th); gy < toY; gy++) {
            let s = ((gy - grid.gy0) * grid.gw + (fromX - grid.gx0)) * 3;
            let t = ((gy - oy0) * tw + (fromX - ox0)) * 3;
            for (let gx = fromX; gx < toX; gx++, s += 3, t += 3) {
              sums[t] += grid.sums[s]!;
              sums[t + 1] += grid.sums[s + 1]!;
              sums[t + 2] += grid.sums[s + 2]!;
            }
          }
        }

        // How many of each block's pixels this chunk supplied (the rest is background).
        const bxLast = Math.floor((ix1 - 1) / scale);
        const byLast = Math.floor((iy1 - 1) / scale);
        for (let by = Math.floor(iy0 / scale); by <= byLast; by++) {
          const hy = Math.min(iy1, (by + 1) * scale) - Math.max(iy0, by * scale);
          const row = (by - oy0) * tw - ox0;
          for (let bx = Math.floor(ix0 / scale); bx <= bxLast; bx++) {
            painted[row + bx] += hy * (Math.min(ix1, (bx + 1) * scale) - Math.max(ix0, bx * scale));
          }
        }

        if (this.clock.now() - sliceStart > SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = this.clock.now();
        }
      }
    }

    const bgR = palette[background * 3]!;
    const bgG = palette[background * 3 + 1]!;
    const bgB = palette[background * 3 + 2]!;
    const rgb = new Uint8Array(tw * th * 3);
    for (let y = 0; y < th; y++) {
      const top = (oy0 + y) * scale;
      const blockH = Math.min(height, top + scale) - top;
      for (let x = 0; x < tw; x++) {
        const left = (ox0 + x) * scale;
        const count = blockH * (Math.min(width, left + scale) - left);
        const i = y * tw + x;
        const unpainted = count - painted[i]!;
        const t = i * 3;
        rgb[t] = Math.round((sums[t]! + bgR * unpainted) / count);
        rgb[t + 1] = Math.round((sums[t + 1]! + bgG * unpainted) / count);
        rgb[t + 2] = Math.round((sums[t + 2]! + bgB * unpainted) / count);
      }
    }
    return rgb;
  }

  /** Chunk's per-block sums at `level` (≥ gridLevel), cached until the chunk's version changes. */
  private chunkGrid(chunk: number, level: number, data: Uint8Array): ChunkGrid {
    const version = this.board.chunkVersion(chunk);
    let entry = this.grids.get(chunk);
    if (!entry || entry.version !== version) {
      entry = { version, byLevel: [] };
      this.grids.set(chunk, entry);
    }
    const cached = entry.byLevel[level];
    if (cached) return cached;

    let grid: ChunkGrid;
    if (level <= this.gridLevel) {
      const { width, height, chunkSize: cs } = this.board.config;
      const cx = chunk % this.board.chunksX;
      const cy = Math.floor(chunk / this.board.chunksX);
      const chunkX = cx * cs;
      const chunkY = cy * cs;
      const x1 = Math.min(width, chunkX + cs);
      const y1 = Math.min(height, chunkY + cs);
      const scale = 2 ** level;
      const gx0 = Math.floor(chunkX / scale);
      const gy0 = Math.floor(chunkY / scale);
      const gw = Math.floor((x1 - 1) / scale) - gx0 + 1;
      const gh = Math.floor((y1 - 1) / scale) - gy0 + 1;
      const sums = new Uint32Array(gw * gh * 3);
      accumulatePixels(data, this.packed, cs, chunkX, chunkY, chunkX, x1, chunkY, y1, scale, gx0, gy0, gw, sums);
      grid = { gx0, gy0, gw, gh, sums };
    } else {
      // Halve the grid one level down: blocks of level L are 2×2 blocks of level L−1.
      const below = this.chunkGrid(chunk, level - 1, data);
      const gx0 = Math.floor(below.gx0 / 2);
      const gy0 = Math.floor(below.gy0 / 2);
      const gw = Math.floor((below.gx0 + below.gw - 1) / 2) - gx0 + 1;
      const gh = Math.floor((below.gy0 + below.gh - 1) / 2) - gy0 + 1;
      const sums = new Uint32Array(gw * gh * 3);
      for (let j = 0; j < below.gh; j++) {
        const row = (Math.floor((below.gy0 + j) / 2) - gy0) * gw - gx0;
        for (let i = 0; i < below.gw; i++) {
          const s = (j * below.gw + i) * 3;
          const t = (row + Math.floor((below.gx0 + i) / 2)) * 3;
          sums[t] += below.sums[s]!;
          sums[t + 1] += below.sums[s + 1]!;
          sums[t + 2] += below.sums[s + 2]!;
        }
      }
      grid = { gx0, gy0, gw, gh, sums };
    }
    entry.byLevel[level] = grid;
    return grid;
  }
}
