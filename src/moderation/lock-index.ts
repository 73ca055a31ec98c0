// Region locks and board state (open, frozen, event window), in memory per board index, shaped
// for the placement path: a board without locks costs one array length check; with locks, a
// grid of 32 × 32-pixel cells says whether any lock touches a pixel's cell, so a write away
// from every lock costs one byte read, and only one near a lock checks the rectangles.
import type { Write } from '../placement/write.js';
import type { BoardSettingsRecord, LockRecord } from '../storage/moderation.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const CELL_BITS = 5; // cells of 32 × 32 pixels

export class LockIndex {
  /** Per board index: its locks. */
  private readonly locks: LockRecord[][];
  /** Per board index: its locks as x0, y0, x1, y1 (exclusive) in one flat array, for the placement path. */
  private readonly edges: Int32Array[];
  /** Per board index: 1 for each cell (CELL_BITS) some lock touches, row-major over `columns`. */
  private readonly grids: { cells: Uint8Array; columns: number; rows: number }[];

  constructor(boardCount: number) {
    this.locks = Array.from({ length: boardCount }, () => []);
    this.edges = Array.from({ length: boardCount }, () => new Int32Array(0));
    this.grids = Array.from({ length: boardCount }, () => ({ cells: new Uint8Array(0), columns: 0, rows: 0 }));
  }

  of(board: number): readonly LockRecord[] {
    return this.locks[board] ?? [];
  }

  get count(): number {
    return this.locks.reduce((sum, list) => sum + list.length, 0);
  }

  add(board: number, lock: LockRecord): void {
    this.locks[board]!.push(lock);
    this.index(board);
  }

  /** The board's locks are now these (reloaded from the store). */
  replace(board: number, locks: readonly LockRecord[]): void {
    this.locks[board] = [...locks];
    this.index(board);
  }

  remove(board: number, id: number): void {
    this.locks[board] = this.locks[board]!.filter((lock) => lock.id !== id);
    this.index(board);
  }

  private index(board: number): void {
    const locks = this.locks[board]!;
    const edges = new Int32Array(locks.length * 4);
    locks.forEach((lock, i) => edges.set([lock.x, lock.y, lock.x + lock.width, lock.y + lock.height], i * 4));
    this.edges[board] = edges;
    const columns = locks.reduce((most, lock) => Math.max(most, (lock.x + lock.width - 1) >>> CELL_BITS), -1) + 1;
    const rows = locks.reduce((most, lock) => Math.max(most, (lock.y + lock.height - 1) >>> CELL_BITS), -1) + 1;
    const cells = new Uint8Array(columns * rows);
    for (const lock of locks) {
      for (let row = lock.y >>> CELL_BITS; row <= (lock.y + lock.height - 1) >>> CELL_BITS; row++) {
        cells.fill(1, row * columns + (lock.x >>> CELL_BITS), row * columns + ((lock.x + lock.width - 1) >>> CELL_BITS) + 1);
      }
    }
    this.grids[board] = { cells, columns, rows };
  }

  /** A lock may cover (x, y): its cell is touched by one. */
  private near(board: number, x: number, y: number): boolean {
    const grid = this.grids[board]!;
    const column = x >>> CELL_BITS;
    const row = y >>> CELL_BITS;
    return column < grid.columns && row < grid.rows && grid.cells[row * grid.columns + column] === 1;
  }

  /** True when any pixel the write changes is inside a lock of the board. */
  covers(board: number, write: Write, tileSize: number): boolean {
    const edges = this.edges[board]!;
    if (edges.length === 0) return false;
    switch (write.kind) {
      case 'pixel':
        return this.near(board, write.x, write.y) && inAny(edges, write.x, write.y);
      case 'batch':
        for (let i = 0; i < write.count * 5; i += 5) {
          const p = write.pixels;
          const x = (p[i]! << 8) | p[i + 1]!;
          const y = (p[i + 2]! << 8) | p[i + 3]!;
          if (this.near(board, x, y) && inAny(edges, x, y)) return true;
        }
        return false;
      case 'tile': {
        const tile = { x: write.tx * tileSize, y: write.ty * tileSize, width: tileSize, height: tileSize };
        return this.locks[board]!.some((lock) => overlaps(lock, tile));
      }
    }
  }
}

function inAny(edges: Int32Array, x: number, y: number): boolean {
  for (let i = 0; i < edges.length; i += 4) {
    if (x >= edges[i]! && y >= edges[i + 1]! && x < edges[i + 2]! && y < edges[i + 3]!) return true;
  }
  return false;
}

export function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Per board index: whether writes are allowed now (open, and inside its event window). */
export class BoardStates {
  private readonly states: BoardSettingsRecord[];

  constructor(boardIds: readonly string[]) {
    this.states = boardIds.map((boardId) => ({ boardId, open: true, opensAtMs: null, closesAtMs: null, buckets: null }));
  }

  of(board: number): BoardSettingsRecord {
    return this.states[board]!;
  }

  set(board: number, settings: BoardSettingsRecord): void {
    this.states[board] = settings;
  }

  writable(board: number, now: number): boolean {
    const state = this.states[board]!;
    return state.open && (state.opensAtMs === null || now >= state.opensAtMs) && (state.closesAtMs === null || now < state.closesAtMs);
  }
}
