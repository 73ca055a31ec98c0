// One board's pixels, in chunks (docs/PROTOCOL.md). A chunk holds no bytes until its first
// write; then it is sparse, holding only its written blocks (32×32 on the mosaic,
// sparse-chunk.ts), until more than a quarter of its blocks are written, when it becomes one
// dense chunkSize² array. An untouched board costs only its per-chunk bookkeeping (versions,
// pointers, dirty slots ≈ 24 bytes per chunk), and every chunk has a version that grows by one
// with every pixel write to it.
import type { BoardConfig } from './board-config.js';
import { ChangeTracker, type ChunkChange } from './change-tracker.js';
import { paletteToRgb } from './palette.js';
import { BlockLayout, SparseChunk } from './sparse-chunk.js';

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
  /** Per chunk: its pixels once dense, else null. */
  private readonly dense: (Uint8Array | null)[];
  /** Per chunk: its written blocks while sparse, else null (never written, or dense). */
  private readonly sparse: (SparseChunk | null)[];
  private readonly changes: ChangeTracker;
  readonly blocks: BlockLayout;
  private written = 0;      // chunks holding pixels, sparse or dense
  private denseCount = 0;
  private sparseBlocks = 0; // blocks held by sparse chunks
  private sparseBytes = 0;  // what sparse chunks hold, pools and slot tables
  // chunkData's copy of a sparse chunk, reused (one per board), and which version it holds.
  private scratch: Uint8Array | null = null;
  private scratchChunk = -1;
  private scratchVersion = 0;

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
    this.dense = new Array<Uint8Array | null>(chunkCount).fill(null);
    this.sparse = new Array<SparseChunk | null>(chunkCount).fill(null);
    this.blocks = BlockLayout.forChunkSize(config.chunkSize);
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
    const chunk = cy * this.chunksX + cx;
    const offset = (y - cy * size) * size + (x - cx * size);
    const data = this.dense[chunk]!;
    if (data !== null) return data[offset]!;
    const sparse = this.sparse[chunk]!;
    return sparse === null ? this.background : sparse.get(offset);
  }

  /** Writes one pixel; the caller has checked isInside and isValidColor. */
  setPixel(x: number, y: number, color: number): void {
    const size = this.chunkSize;
    const cx = (x / size) | 0;
    const cy = (y / size) | 0;
    const chunk = cy * this.chunksX + cx;
    const offset = (y - cy * size) * size + (x - cx * size);
    const data = this.dense[chunk]!;
    if (data !== null) data[offset] = color;
    else this.writeSparse(chunk, offset, color);
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
    let version = this.versions[chunk]!;
    let offset = (y0 - cy * size) * size + (x0 - cx * size);
    for (let row = 0; row < tile; row++, offset += size) {
      const data = this.dense[chunk]!;
      if (data !== null) data.set(colors.subarray(row * tile, row * tile + tile), offset);
      else for (let col = 0; col < tile; col++) this.writeSparse(chunk, offset + col, colors[row * tile + col]!);
      for (let col = 0; col < tile; col++) this.changes.record(chunk, offset + col, version++);
    }
    this.versions[chunk] = version;
    return tile * tile;
  }

  /**
   * The chunk's pixels (chunkSize², row-major; edge chunks padded with background that is
   * never written), or null if it was never written. Read it, don't write it, and only until
   * the next call: a dense chunk's is the live array; a sparse chunk's is the board's one
   * scratch copy, refilled for the next sparse chunk asked for (so no chunk is made dense
   * for being read).
   */
  chunkData(chunk: number): Uint8Array | null {
    const data = this.dense[chunk];
    if (data !== null) return data ?? null;
    const sparse = this.sparse[chunk];
    if (!sparse) return null;
    const version = this.versions[chunk]!;
    if (this.scratch === null) this.scratch = new Uint8Array(this.chunkPixels);
    else if (this.scratchChunk === chunk && this.scratchVersion === version) return this.scratch;
    sparse.fill(this.scratch);
    this.scratchChunk = chunk;
    this.scratchVersion = version;
    return this.scratch;
  }

  /** True once the chunk holds pixels (was written, or restored). */
  isWritten(chunk: number): boolean {
    return this.dense[chunk] !== null || this.sparse[chunk] !== null;
  }

  /** True when a write at chunk offset `offset` allocates nothing: its chunk is dense, or holds its block. */
  holdsPixelAt(chunk: number, offset: number): boolean {
    if (this.dense[chunk] !== null) return true;
    const sparse = this.sparse[chunk]!;
    return sparse !== null && sparse.holds(offset);
  }

  /** Blocks a sparse chunk holds (0 for an unwritten chunk); null for a dense one. */
  sparseBlocksOf(chunk: number): number | null {
    if (this.dense[chunk] !== null) return null;
    return this.sparse[chunk]?.blocks ?? 0;
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
    this.release(chunk);
    // Kept as sparse as its pixels allow, so a restart costs what the running board did.
    const sparse = SparseChunk.from(pixels, this.blocks, this.background);
    if (sparse !== null) this.holdSparse(chunk, sparse);
    else this.makeDense(chunk).set(pixels);
    this.versions[chunk] = version;
    this.scratchChunk = -1;
  }

  /**
   * Every chunk ever written, with its version and pixels (for snapshots, which copy them all
   * before the board changes): a dense chunk's live array, a sparse chunk's own dense copy.
   */
  *writtenChunks(): IterableIterator<{ index: number; version: number; pixels: Uint8Array }> {
    for (let index = 0; index < this.dense.length; index++) {
      const dense = this.dense[index];
      const sparse = this.sparse[index];
      if (dense) yield { index, version: this.versions[index]!, pixels: dense };
      else if (sparse) {
        const pixels = new Uint8Array(this.chunkPixels);
        sparse.fill(pixels);
        yield { index, version: this.versions[index]!, pixels };
      }
    }
  }

  /** The sum of all chunk versions: it changes whenever any pixel is written. */
  get totalVersion(): number {
    let sum = 0;
    for (let i = 0; i < this.versions.length; i++) sum += this.versions[i]!;
    return sum;
  }

  /** Chunks holding pixels, sparse or dense (what policy.maxChunks caps). */
  get allocatedChunks(): number {
    return this.written;
  }

  get denseChunks(): number {
    return this.denseCount;
  }

  /** Blocks allocated: a sparse chunk's written blocks, every block of a dense chunk. */
  get allocatedBlocks(): number {
    return this.sparseBlocks + this.denseCount * this.blocks.blocksPerChunk;
  }

  /** Bytes holding pixels: dense chunks, sparse chunks' blocks and slot tables. */
  get pixelBytes(): number {
    return this.denseCount * this.chunkPixels + this.sparseBytes;
  }

  /**
   * Bytes held for this board: dense chunks, sparse chunks' blocks and slot tables, the
   * scratch copy, versions, the two chunk pointer arrays, change tracking.
   */
  get memoryBytes(): number {
    return this.pixelBytes + (this.scratch?.byteLength ?? 0) +
      this.versions.byteLength + 2 * this.dense.length * POINTER_BYTES + this.changes.memoryBytes + this.paletteRgb.byteLength;
  }

  /** A write to a chunk that is not dense: into its blocks, or, past maxSparseBlocks, a dense chunk. */
  private writeSparse(chunk: number, offset: number, color: number): void {
    let sparse = this.sparse[chunk]!;
    if (sparse === null) sparse = this.holdSparse(chunk, new SparseChunk(this.blocks, this.background));
    const before = sparse.memoryBytes;
    const blocks = sparse.blocks;
    if (sparse.set(offset, color)) {
      this.sparseBytes += sparse.memoryBytes - before;
      this.sparseBlocks += sparse.blocks - blocks;
      return;
    }
    this.release(chunk);
    const data = this.makeDense(chunk);
    sparse.fill(data);
    data[offset] = color;
  }

  private holdSparse(chunk: number, sparse: SparseChunk): SparseChunk {
    this.sparse[chunk] = sparse;
    this.written++;
    this.sparseBlocks += sparse.blocks;
    this.sparseBytes += sparse.memoryBytes;
    return sparse;
  }

  private makeDense(chunk: number): Uint8Array {
    const data = new Uint8Array(this.chunkPixels).fill(this.background);
    this.dense[chunk] = data;
    this.written++;
    this.denseCount++;
    return data;
  }

  /** Forgets the chunk's pixels (before it is held another way). */
  private release(chunk: number): void {
    const sparse = this.sparse[chunk]!;
    if (sparse !== null) {
      this.sparse[chunk] = null;
      this.written--;
      this.sparseBlocks -= sparse.blocks;
      this.sparseBytes -= sparse.memoryBytes;
    } else if (this.dense[chunk] !== null) {
      this.dense[chunk] = null;
      this.written--;
      this.denseCount--;
    }
  }
}
