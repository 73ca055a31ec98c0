// Which pixels of which chunks changed since the broadcaster last asked (once per tick).
//
// Writes arrive at up to ~100k/s, so recording one must not allocate: each dirty chunk gets a
// slot with a growable Uint16Array of offsets (duplicates allowed), and the slots' arrays are
// reused tick after tick. Duplicates are removed once, at take time, with a scratch "stamp"
// array: stamp[offset] === s means "offset already seen in the current pass s". Bumping s
// clears the whole array in O(1), so there is no Set and no clearing per tick.

export interface ChunkChange {
  chunk: number;
  cx: number;
  cy: number;
  fromVersion: number;  // the chunk's version before the first of these writes
  toVersion: number;    // its version now
  offsets: Uint16Array; // deduplicated, ascending; the colours are whatever the chunk holds now
}

const INITIAL_OFFSETS = 16;
// A slot's array above this size is dropped after a take, so one burst on a chunk does not pin
// memory for good.
const KEEP_OFFSETS = 1024;
// Below one offset in 16 pixels, sorting the few offsets is cheaper than scanning all stamps.
const DENSE_DIVISOR = 16;

export class ChangeTracker {
  private readonly slotOf: Int32Array; // per chunk: its slot while dirty, -1 while clean
  private dirty = 0;                   // slots in use: 0..dirty-1
  private readonly slotChunk: number[] = [];
  private readonly slotFromVersion: number[] = [];
  private readonly slotCount: number[] = [];
  private readonly slotOffsets: Uint16Array[] = [];
  private stamp: Uint32Array | null = null; // allocated on first use: 256 KiB for 256² chunks
  private pass = 0;

  constructor(
    chunkCount: number,
    private readonly chunkPixels: number,
  ) {
    this.slotOf = new Int32Array(chunkCount).fill(-1);
  }

  /** Notes a write at `offset` of `chunk`, whose version is `version` before the write. */
  record(chunk: number, offset: number, version: number): void {
    let slot = this.slotOf[chunk]!;
    if (slot < 0) slot = this.open(chunk, version);
    let count = this.slotCount[slot]!;
    let offsets = this.slotOffsets[slot]!;
    if (count === offsets.length) {
      offsets = this.makeRoom(slot);
      count = this.slotCount[slot]!;
    }
    offsets[count] = offset;
    this.slotCount[slot] = count + 1;
  }

  /** Everything recorded since the last call, one entry per chunk in first-write order. */
  take(versions: Uint32Array, chunksX: number): ChunkChange[] {
    const changes: ChunkChange[] = new Array(this.dirty);
    for (let slot = 0; slot < this.dirty; slot++) {
      const chunk = this.slotChunk[slot]!;
      changes[slot] = {
        chunk,
        cx: chunk % chunksX,
        cy: Math.floor(chunk / chunksX),
        fromVersion: this.slotFromVersion[slot]!,
        toVersion: versions[chunk]!,
        offsets: this.sortedUnique(slot),
      };
      this.slotOf[chunk] = -1;
      if (this.slotOffsets[slot]!.length > KEEP_OFFSETS) this.slotOffsets[slot] = new Uint16Array(INITIAL_OFFSETS);
    }
    this.dirty = 0;
    return changes;
  }

  get dirtyChunks(): number {
    return this.dirty;
  }

  get memoryBytes(): number {
    let bytes = this.slotOf.byteLength + (this.stamp?.byteLength ?? 0);
    for (const offsets of this.slotOffsets) bytes += offsets.byteLength;
    return bytes;
  }

  private open(chunk: number, version: number): number {
    const slot = this.dirty++;
    this.slotOf[chunk] = slot;
    this.slotChunk[slot] = chunk;
    this.slotFromVersion[slot] = version;
    this.slotCount[slot] = 0;
    if (slot === this.slotOffsets.length) this.slotOffsets.push(new Uint16Array(INITIAL_OFFSETS));
    return slot;
  }

  /**
   * Grows a full slot by doubling, up to twice the chunk's pixel count; past that it removes
   * duplicates in place, which frees at least half the array (a chunk has only chunkPixels
   * distinct offsets), so a hammered chunk costs bounded memory and amortized O(1) per write.
   */
  private makeRoom(slot: number): Uint16Array {
    const offsets = this.slotOffsets[slot]!;
    if (offsets.length < 2 * this.chunkPixels) {
      const grown = new Uint16Array(Math.min(offsets.length * 2, 2 * this.chunkPixels));
      grown.set(offsets);
      this.slotOffsets[slot] = grown;
      return grown;
    }
    this.slotCount[slot] = this.removeDuplicates(offsets, this.slotCount[slot]!);
    return offsets;
  }

  /** Keeps the first occurrence of each offset in `offsets[0..count)`; returns the new count. Leaves the pass's stamps set. */
  private removeDuplicates(offsets: Uint16Array, count: number): number {
    const stamp = this.stamp ?? (this.stamp = new Uint32Array(this.chunkPixels));
    if (this.pass === 0xffffffff) {
      stamp.fill(0);
      this.pass = 0;
    }
    const pass = ++this.pass;
    let unique = 0;
    for (let i = 0; i < count; i++) {
      const offset = offsets[i]!;
      if (stamp[offset] !== pass) {
        stamp[offset] = pass;
        offsets[unique++] = offset;
      }
    }
    return unique;
  }

  private sortedUnique(slot: number): Uint16Array {
    const offsets = this.slotOffsets[slot]!;
    const unique = this.removeDuplicates(offsets, this.slotCount[slot]!);
    if (unique * DENSE_DIVISOR < this.chunkPixels) return offsets.slice(0, unique).sort();
    // Many offsets: read them back in order from the stamps this pass just set.
    const stamp = this.stamp!;
    const pass = this.pass;
    const sorted = new Uint16Array(unique);
    for (let offset = 0, k = 0; k < unique; offset++) {
      if (stamp[offset] === pass) sorted[k++] = offset;
    }
    return sorted;
  }
}
