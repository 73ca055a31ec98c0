// A chunk while little of it is written: only its written blocks (blockSize × blockSize
// squares) hold bytes, so one pixel far from any drawing costs a block (1 KiB on the mosaic),
// not the chunk's chunkSize² bytes (64 KiB). The board makes a chunk dense once more than a
// quarter of its blocks are written (`BlockLayout.maxSparseBlocks`): past that, the blocks'
// bookkeeping and the read-through cost more than they save.

/** How a board's chunks split into blocks. */
export class BlockLayout {
  readonly blocksPerSide: number;
  readonly blockPixels: number;
  /** The most blocks a sparse chunk holds; a write needing one more makes the chunk dense. */
  readonly maxSparseBlocks: number;

  constructor(
    readonly chunkSize: number,
    readonly blockSize: number,
  ) {
    this.blocksPerSide = chunkSize / blockSize;
    this.blockPixels = blockSize * blockSize;
    this.maxSparseBlocks = Math.floor((this.blocksPerSide * this.blocksPerSide) / 4);
  }

  /** The largest divisor of chunkSize from 8 to 32, or chunkSize itself (no sparse phase) if none. */
  static forChunkSize(chunkSize: number): BlockLayout {
    for (let size = Math.min(32, chunkSize); size >= 8; size--) {
      if (chunkSize % size === 0) return new BlockLayout(chunkSize, size);
    }
    return new BlockLayout(chunkSize, chunkSize);
  }

  /** The block (row-major in the chunk) holding chunk offset `offset`. */
  blockOf(offset: number): number {
    const { chunkSize, blockSize } = this;
    const row = (offset / chunkSize) | 0;
    const col = offset - row * chunkSize;
    return ((row / blockSize) | 0) * this.blocksPerSide + ((col / blockSize) | 0);
  }

  get blocksPerChunk(): number {
    return this.blocksPerSide * this.blocksPerSide;
  }
}

export class SparseChunk {
  /** Per block of the chunk: 1 + its place in `pool`, or 0 while it is unwritten. */
  private readonly slots: Uint16Array;
  /** The written blocks, blockPixels bytes each, in the order they were first written; grows by doubling. */
  private pool: Uint8Array;
  private used = 0;

  constructor(
    private readonly layout: BlockLayout,
    private readonly background: number,
  ) {
    this.slots = new Uint16Array(layout.blocksPerChunk);
    this.pool = new Uint8Array(0);
  }

  /** Written blocks. */
  get blocks(): number {
    return this.used;
  }

  /** Bytes held: the pool's and the slot table's. */
  get memoryBytes(): number {
    return this.pool.byteLength + this.slots.byteLength;
  }

  get(offset: number): number {
    const { chunkSize, blockSize, blocksPerSide, blockPixels } = this.layout;
    const row = (offset / chunkSize) | 0;
    const col = offset - row * chunkSize;
    const by = (row / blockSize) | 0;
    const bx = (col / blockSize) | 0;
    const slot = this.slots[by * blocksPerSide + bx]!;
    if (slot === 0) return this.background;
    return this.pool[(slot - 1) * blockPixels + (row - by * blockSize) * blockSize + (col - bx * blockSize)]!;
  }

  /** True when offset's block is written (a write there allocates nothing). */
  holds(offset: number): boolean {
    return this.slots[this.layout.blockOf(offset)] !== 0;
  }

  /**
   * Writes one pixel. Returns false, writing nothing, when its block is unwritten and the
   * chunk already holds maxSparseBlocks: the caller makes the chunk dense instead.
   */
  set(offset: number, color: number): boolean {
    const { chunkSize, blockSize, blocksPerSide, blockPixels } = this.layout;
    const row = (offset / chunkSize) | 0;
    const col = offset - row * chunkSize;
    const by = (row / blockSize) | 0;
    const bx = (col / blockSize) | 0;
    const block = by * blocksPerSide + bx;
    let slot = this.slots[block]!;
    if (slot === 0) {
      if (this.used === this.layout.maxSparseBlocks) return false;
      slot = this.addBlock(block);
    }
    this.pool[(slot - 1) * blockPixels + (row - by * blockSize) * blockSize + (col - bx * blockSize)] = color;
    return true;
  }

  /** Writes the chunk's pixels (chunkSize², row-major) into `out`. */
  fill(out: Uint8Array): void {
    out.fill(this.background);
    const { chunkSize, blockSize, blocksPerSide, blockPixels } = this.layout;
    for (let block = 0; block < this.slots.length; block++) {
      const slot = this.slots[block]!;
      if (slot === 0) continue;
      const by = (block / blocksPerSide) | 0;
      let to = by * blockSize * chunkSize + (block - by * blocksPerSide) * blockSize;
      let from = (slot - 1) * blockPixels;
      for (let y = 0; y < blockSize; y++, to += chunkSize, from += blockSize) {
        out.set(this.pool.subarray(from, from + blockSize), to);
      }
    }
  }

  /**
   * A sparse chunk holding `pixels` (chunkSize², row-major): its blocks with any pixel other
   * than the background, or null when there are more than maxSparseBlocks of them.
   */
  static from(pixels: Uint8Array, layout: BlockLayout, background: number): SparseChunk | null {
    const chunk = new SparseChunk(layout, background);
    const { chunkSize, blockSize, blocksPerSide, blockPixels } = layout;
    for (let block = 0; block < layout.blocksPerChunk; block++) {
      const by = (block / blocksPerSide) | 0;
      const start = by * blockSize * chunkSize + (block - by * blocksPerSide) * blockSize;
      if (!hasOtherThan(pixels, start, blockSize, chunkSize, background)) continue;
      if (chunk.used === layout.maxSparseBlocks) return null;
      let to = (chunk.addBlock(block) - 1) * blockPixels;
      for (let y = 0, from = start; y < blockSize; y++, from += chunkSize, to += blockSize) {
        chunk.pool.set(pixels.subarray(from, from + blockSize), to);
      }
    }
    return chunk;
  }

  /** Gives `block` the next place in the pool (filled with background); returns its slot. */
  private addBlock(block: number): number {
    const { blockPixels } = this.layout;
    const needed = (this.used + 1) * blockPixels;
    if (needed > this.pool.length) {
      const grown = new Uint8Array(Math.min(Math.max(needed, this.pool.length * 2), this.layout.maxSparseBlocks * blockPixels));
      grown.set(this.pool);
      grown.fill(this.background, this.pool.length);
      this.pool = grown;
    }
    this.used++;
    this.slots[block] = this.used;
    return this.used;
  }
}

function hasOtherThan(pixels: Uint8Array, start: number, blockSize: number, stride: number, background: number): boolean {
  for (let y = 0, row = start; y < blockSize; y++, row += stride) {
    for (let x = row; x < row + blockSize; x++) if (pixels[x] !== background) return true;
  }
  return false;
}
