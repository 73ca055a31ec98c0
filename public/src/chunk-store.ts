// The pixels of one board that this client holds: one entry per subscribed chunk,
// with the server's palette indices, the chunk's version, and an RGBA image that
// the renderer uploads to the chunk's own canvas when it is dirty.
//
// Optimistic placements live in an overlay on top of the server's pixels: what
// the user sees is overlay ?? server. ACK moves overlay pixels into the server's
// copy (the DIFF with the same colours follows a tick later); REJECT drops them.
import type { BoardJson, DiffSection } from '../../src/protocol/messages.js';
import type { Palette } from './palette.js';

export interface Chunk {
  cx: number;
  cy: number;
  /** Width and height: chunkSize, or less on the board's right and bottom edges. */
  width: number;
  height: number;
  /** chunkSize² palette indices, row length chunkSize (the wire's offsets); null until the first CHUNK. */
  pixels: Uint8Array | null;
  version: number;
  image: ImageData;
  /** A Uint32Array view of image.data: one write per pixel. */
  rgba: Uint32Array;
  canvas: HTMLCanvasElement;
  /** The image changed since the canvas was last painted. */
  dirty: boolean;
  /** A fresh CHUNK was asked for (missed DIFFs): DIFFs are ignored until it comes. */
  resyncing: boolean;
}

export type DiffOutcome = 'applied' | 'ignored' | 'missed';

interface PendingPixel {
  color: number;
  requestId: number;
}

export class ChunkStore {
  readonly chunksX: number;
  readonly chunksY: number;
  private readonly chunks = new Map<number, Chunk>();
  private readonly pending = new Map<number, PendingPixel>();
  /** Chunks whose image changed and whose canvas the renderer must repaint. */
  readonly dirty = new Set<Chunk>();
  /** Called after any pixel the user can see changed (renderer, templates). */
  onChange: (chunk: Chunk) => void = () => {};

  constructor(
    readonly board: BoardJson,
    readonly palette: Palette,
  ) {
    this.chunksX = Math.ceil(board.width / board.chunkSize);
    this.chunksY = Math.ceil(board.height / board.chunkSize);
  }

  chunkIndex(cx: number, cy: number): number {
    return cy * this.chunksX + cx;
  }

  get(index: number): Chunk | undefined {
    return this.chunks.get(index);
  }

  has(index: number): boolean {
    return this.chunks.get(index)?.pixels != null;
  }

  /** Chunks that hold pixels, for the renderer. */
  loaded(): IterableIterator<Chunk> {
    return this.chunks.values();
  }

  get loadedCount(): number {
    return this.chunks.size;
  }

  /** A CHUNK message: the chunk's whole contents at `version`. */
  applyChunk(cx: number, cy: number, version: number, pixels: Uint8Array): void {
    const chunk = this.ensure(cx, cy);
    chunk.pixels = pixels;
    chunk.version = version;
    chunk.resyncing = false;
    this.paintAll(chunk);
  }

  /** A DIFF section, applied per the version rules of docs/PROTOCOL.md. */
  applyDiff(section: DiffSection): DiffOutcome {
    const chunk = this.chunks.get(this.chunkIndex(section.cx, section.cy));
    if (chunk === undefined || chunk.pixels === null || chunk.resyncing) return 'ignored';
    if (chunk.version >= section.toVersion) return 'ignored';
    if (chunk.version < section.fromVersion) {
      chunk.resyncing = true;
      return 'missed';
    }
    const { offsets, colors } = section;
    for (let i = 0; i < offsets.length; i++) {
      chunk.pixels[offsets[i]!] = colors[i]!;
      this.paintOffset(chunk, offsets[i]!);
    }
    chunk.version = section.toVersion;
    this.touched(chunk);
    return 'applied';
  }

  /** Forgets a chunk (unsubscribed, or the board was left). */
  drop(index: number): void {
    const chunk = this.chunks.get(index);
    if (chunk === undefined) return;
    this.chunks.delete(index);
    this.dirty.delete(chunk);
  }

  /** The colour the user sees at (x, y): pending placement first, then the server's; null if unknown. */
  colorAt(x: number, y: number): number | null {
    if (!this.inside(x, y)) return null;
    const pending = this.pending.get(y * this.board.width + x);
    if (pending !== undefined) return pending.color;
    return this.serverColorAt(x, y);
  }

  serverColorAt(x: number, y: number): number | null {
    const { chunkSize } = this.board;
    const chunk = this.chunks.get(this.chunkIndex(Math.floor(x / chunkSize), Math.floor(y / chunkSize)));
    if (chunk === undefined || chunk.pixels === null) return null;
    return chunk.pixels[(y - chunk.cy * chunkSize) * chunkSize + (x - chunk.cx * chunkSize)]!;
  }

  inside(x: number, y: number): boolean {
    return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < this.board.width && y < this.board.height;
  }

  // ---- the optimistic overlay ----

  setPending(x: number, y: number, color: number, requestId: number): void {
    this.pending.set(y * this.board.width + x, { color, requestId });
    this.repaintPixel(x, y);
  }

  /** Drops request `requestId`'s pixel at (x, y), unless a later request has taken it over. */
  clearPending(x: number, y: number, requestId: number, commitColor: number | null): void {
    const key = y * this.board.width + x;
    const pending = this.pending.get(key);
    if (commitColor !== null) this.writeServerPixel(x, y, commitColor);
    if (pending?.requestId !== requestId) return;
    this.pending.delete(key);
    this.repaintPixel(x, y);
  }

  /** Drops every pending pixel (the connection was lost: their answers will never come). */
  clearAllPending(): void {
    const keys = [...this.pending.keys()];
    this.pending.clear();
    for (const key of keys) this.repaintPixel(key % this.board.width, Math.floor(key / this.board.width));
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  // ---- painting the RGBA images ----

  private ensure(cx: number, cy: number): Chunk {
    const index = this.chunkIndex(cx, cy);
    let chunk = this.chunks.get(index);
    if (chunk === undefined) {
      const { chunkSize, width, height } = this.board;
      const w = Math.min(chunkSize, width - cx * chunkSize);
      const h = Math.min(chunkSize, height - cy * chunkSize);
      const image = new ImageData(w, h);
      const canvas = document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      chunk = { cx, cy, width: w, height: h, pixels: null, version: 0, image, rgba: new Uint32Array(image.data.buffer), canvas, dirty: false, resyncing: false };
      this.chunks.set(index, chunk);
    }
    return chunk;
  }

  private writeServerPixel(x: number, y: number, color: number): void {
    const { chunkSize } = this.board;
    const chunk = this.chunks.get(this.chunkIndex(Math.floor(x / chunkSize), Math.floor(y / chunkSize)));
    if (chunk?.pixels == null) return;
    chunk.pixels[(y - chunk.cy * chunkSize) * chunkSize + (x - chunk.cx * chunkSize)] = color;
  }

  private paintAll(chunk: Chunk): void {
    const { chunkSize } = this.board;
    const { words } = this.palette;
    const pixels = chunk.pixels!;
    for (let y = 0; y < chunk.height; y++) {
      for (let x = 0, from = y * chunkSize, to = y * chunk.width; x < chunk.width; x++) {
        chunk.rgba[to + x] = words[pixels[from + x]!] ?? 0;
      }
    }
    // Pending pixels stay on top of whatever the server says until their answer comes.
    if (this.pending.size > 0) {
      const x0 = chunk.cx * chunkSize;
      const y0 = chunk.cy * chunkSize;
      for (const [key, pending] of this.pending) {
        const x = key % this.board.width;
        const y = Math.floor(key / this.board.width);
        if (x >= x0 && y >= y0 && x < x0 + chunk.width && y < y0 + chunk.height) {
          chunk.rgba[(y - y0) * chunk.width + (x - x0)] = words[pending.color] ?? 0;
        }
      }
    }
    this.touched(chunk);
  }

  private paintOffset(chunk: Chunk, offset: number): void {
    const { chunkSize, width } = this.board;
    const lx = offset % chunkSize;
    const ly = Math.floor(offset / chunkSize);
    if (lx >= chunk.width || ly >= chunk.height) return;
    const x = chunk.cx * chunkSize + lx;
    const y = chunk.cy * chunkSize + ly;
    const color = this.pending.get(y * width + x)?.color ?? chunk.pixels![offset]!;
    chunk.rgba[ly * chunk.width + lx] = this.palette.words[color] ?? 0;
  }

  private repaintPixel(x: number, y: number): void {
    const { chunkSize } = this.board;
    const chunk = this.chunks.get(this.chunkIndex(Math.floor(x / chunkSize), Math.floor(y / chunkSize)));
    if (chunk?.pixels == null) return;
    this.paintOffset(chunk, (y - chunk.cy * chunkSize) * chunkSize + (x - chunk.cx * chunkSize));
    this.touched(chunk);
  }

  private touched(chunk: Chunk): void {
    chunk.dirty = true;
    this.dirty.add(chunk);
    this.onChange(chunk);
  }
}
