// One board's pixels, in chunks (docs/PROTOCOL.md): a chunk's bytes are allocated on its first
// write, so an untouched board costs only its per-chunk bookkeeping (versions, pointers,
// dirty slots ≈ 16 bytes per chunk), and every chunk has a version that grows by one with
// every pixel write to it.
import type { BoardConfig } from './board-config.js';
import { ChangeTracker, type ChunkChange } from './change-tracker.js';
import { paletteToRgb } from './palette.js';

export type { ChunkChange } from './change-tracker.js';

// What one slot of a plain JS array costs on 64-bit V8 (no pointer compression in Node).
const POINTER_BYTES = 8;

export class Board {
  readonly chunksX: number;
  readonly chunksY: number;
  readonly paletteRgb: Uint8Array;

  private readonly width: number;
  private readonly height: number;
  private readonly chunkSize: number;
  private readonly chunkPixels: number;
  private readonly background: number;
  private readonly paletteSize: number;
  private readonly tileSize: number;    // 0 when the board has no tiles
  private readonly versions: Uint32Array;
  private readonly chunks: (Uint8Array | null)[];
  private readonly changes: ChangeTracker;
  private allocated = 0;

  constructor(
    readonly config: BoardConfig,
    readonly index: number, // its u8 index on the wire
  ) {
    this.width = config.width;
    this.height = config.height;
    this.chunkSize = config.chunkSize;
    this.chunkPixels = config.chunkSize * config.chunkSize;
    this.background = config.background;
    this.paletteSize = config.palette.length;
    this.tileSize = config.tileSize ?? 0;
    this.chunksX = Math.ceil(config.width / config.chunkSize);
    this.chunksY = Math.ceil(config.height / config.chunkSize);
    this.paletteRgb = paletteToRgb(config.palette);
    const chunkCount = this.chunksX * this.chunksY;
    this.versions = new Uint32Array(chunkCount);
    this.chunks = new Array<Uint8Array | null>(chunkCount).fill(null);
    this.changes = new ChangeTracker(chunkCount, this.chunkPixels);
  }

  get chunkCount(): number {
    return this.versions.length;
  }

  isInside(x: number, y: number): boolean {
    return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  isValidColor(color: number): boolean {
    return Number.isInteger(color) && color >= 0 && color < this.paletteSize;
  }

  /** True when every byte is a palette index (always, for a 256-colour palette). */
  areValidColors(colors: Uint8Array): boolean {
    if (this.paletteSize === 256) return true;
    for (let i = 0; i < colors.length; i++) if (colors[i]! >= this.paletteSize) return false;
    return true;
  }

  /** True when the board has tiles and (tx, ty) is one of them. */
  isValidTile(tx: number, ty: number): boolean {
    const size = this.tileSize;
    return size > 0 && Number.isInteger(tx) && Number.isInteger(ty) && tx >= 0 && ty >= 0 &&
      tx < this.width / size && ty < this.height / size;
  }

  chunkOf(x: number, y: number): number {
    return ((y / this.chunkSize) | 0) * this.chunksX + ((x / this.chunkSize) | 0);
  }

  getPixel(x: number, y: number): number {
    const size = this.chunkSize;
    const cx = (x / size) | 0;
    const cy = (y / size) | 0;
    const data = this.chunks[cy * this.chunksX + cx]!;
    return data === null ? this.background : data[(y - cy * size) * size + (x - cx * size)]!;
  }

  /** Writes one pixel; the caller has checked isInside and isValidColor. */
  setPixel(x: number, y: number, color: number): void {
    const size = this.chunkSize;
    const cx = (x / size) | 0;
    const cy = (y / size) | 0;
    const chunk = cy * this.chunksX + cx;
    const offset = (y - cy * size) * size + (x - cx * size);
    const data = this.chunks[chunk] ?? this.allocate(chunk);
    data[offset] = color;
    const version = this.versions[chunk]!;
    this.changes.record(chunk, offset, version);
    // A write is a write, even of the same colour: clients count on versions moving.
    this.versions[chunk] = version + 1;
  }

  /**
   * Writes a tileSize × tileSize tile from row-major colours and returns the pixels written
   * (always tileSize²). The version grows by one per pixel, as for setPixel, so "version counts
   * pixel writes" holds on every board. The caller has checked isValidTile and areValidColors.
   */
  writeTile(tx: number, ty: number, colors: Uint8Array): number {
    const tile = this.tileSize;
    if (!this.isValidTile(tx, ty)) throw new RangeError(`(${tx}, ${ty}) is not a tile of board ${this.config.id}`);
    if (colors.length !== tile * tile) throw new RangeError(`a tile takes ${tile * tile} colours, got ${colors.length}`);
    // tileSize divides chunkSize, so the whole tile lies in one chunk.
    const size = this.chunkSize;
    const x0 = tx * tile;
    const y0 = ty * tile;
    const cx = (x0 / size) | 0;
    const cy = (y0 / size) | 0;
    const chunk = cy * this.chunksX + cx;
    const data = this.chunks[chunk] ?? this.allocate(chunk);
    let version = this.versions[chunk]!;
    let offset = (y0 - cy * size) * size + (x0 - cx * size);
    for (let row = 0; row < tile; row++, offset += size) {
      data.set(colors.subarray(row * tile, row * tile + tile), offset);
      for (let col = 0; col < tile; col++) this.changes.record(chunk, offset + col, version++);
    }
    this.versions[chunk] = version;
    return tile * tile;
  }

  /**
   * The chunk's pixels (chunkSize², row-major; edge chunks padded with background that is
   * never written), or null if it was never written. This is the live array: read, don't write.
   */
  chunkData(chunk: number): Uint8Array | null {
    return this.chunks[chunk] ?? null;
  }

  chunkVersion(chunk: number): number {
    return this.versions[chunk] ?? 0;
  }

  /** Every chunk written since the last call (for the broadcaster, once per tick); resets. */
  takeChanges(): ChunkChange[] {
    return this.changes.take(this.versions, this.chunksX);
  }

  /**
   * Puts back a chunk as a snapshot kept it (start-up, before any client): its pixels and
   * version, without recording a change.
   */
  restoreChunk(chunk: number, version: number, pixels: Uint8Array): void {
    if (pixels.length !== this.chunkPixels) throw new RangeError(`a chunk of board ${this.config.id} has ${this.chunkPixels} pixels, got ${pixels.length}`);
    const data = this.chunks[chunk] ?? this.allocate(chunk);
    data.set(pixels);
    this.versions[chunk] = version;
  }

  /** Every chunk ever written, with its version and live pixels (for snapshots: copy before yielding). */
  *writtenChunks(): IterableIterator<{ index: number; version: number; pixels: Uint8Array }> {
    for (let index = 0; index < this.chunks.length; index++) {
      const pixels = this.chunks[index];
      if (pixels) yield { index, version: this.versions[index]!, pixels };
    }
  }

  /** The sum of all chunk versions: it changes whenever any pixel is written. */
  get totalVersion(): number {
    let sum = 0;
    for (let i = 0; i < this.versions.length; i++) sum += this.versions[i]!;
    return sum;
  }

  get allocatedChunks(): number {
    return this.allocated;
  }

  /** Bytes held for this board: chunk pixels, versions, the chunk pointer array, change tracking. */
  get memoryBytes(): number {
    return this.allocated * this.chunkPixels + this.versions.byteLength +
      this.chunks.length * POINTER_BYTES + this.changes.memoryBytes + this.paletteRgb.byteLength;
  }

  private allocate(chunk: number): Uint8Array {
    const data = new Uint8Array(this.chunkPixels).fill(this.background);
    this.chunks[chunk] = data;
    this.allocated++;
    return data;
  }
}
