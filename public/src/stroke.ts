// A drag in draw mode on a board that allows strokes: every pixel the pointer
// crosses (a line between successive pointer positions, so a fast drag leaves no
// gaps), sent as PLACE_BATCHes of at most maxBatch pixels and flushed a few
// times a second so others see the stroke while it is drawn. Only what the
// quota allows is drawn: pixels beyond it are left alone (and counted, for one
// message when the stroke ends), and drawing resumes as tokens come back.
import type { ChunkStore } from './chunk-store.js';
import type { PendingWrite, Placer } from './placement.js';

const FLUSH_EVERY_MS = 120;

export interface StrokeHost {
  /** Whether the write being gathered may grow to `pixels` pixels with the quota left. */
  affords(pixels: number): boolean;
  /** Sends a write (the quota counts it from now). */
  send(write: PendingWrite): void;
  /** The stroke ended with `skipped` pixels not drawn for lack of quota. */
  ended(skipped: number): void;
}

export class Stroke {
  private write: PendingWrite | null = null;
  private last: { x: number; y: number } | null = null;
  private timer: number | null = null;
  /** Pixels the pointer crossed that the quota did not allow. */
  skipped = 0;

  constructor(
    private readonly placer: Placer,
    private readonly store: ChunkStore,
    private readonly color: number,
    private readonly host: StrokeHost,
  ) {}

  /** Extends the stroke to board pixel (x, y). */
  to(x: number, y: number): void {
    const from = this.last;
    this.last = { x, y };
    if (from === null) this.addPixel(x, y);
    else if (from.x !== x || from.y !== y) {
      // The line's first pixel is the previous end, already counted.
      let first = true;
      forEachPixelOnLine(from.x, from.y, x, y, (px, py) => {
        if (!first) this.addPixel(px, py);
        first = false;
      });
    }
    if (this.write !== null && this.timer === null) this.timer = window.setTimeout(() => this.flush(), FLUSH_EVERY_MS);
  }

  end(): void {
    this.flush();
    this.host.ended(this.skipped);
  }

  private addPixel(x: number, y: number): void {
    // Pixels off the board, or already this colour, would only spend quota.
    if (!this.store.inside(x, y) || this.store.colorAt(x, y) === this.color) return;
    if (!this.host.affords((this.write?.count ?? 0) + 1)) {
      this.skipped++;
      return;
    }
    this.write ??= this.placer.begin(this.store);
    this.write.add(x, y, this.color);
    if (this.write.count >= this.store.board.policy.maxBatch) this.flush();
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const write = this.write;
    this.write = null;
    if (write === null || write.count === 0) return;
    this.host.send(write);
  }
}

/** Bresenham's line, both ends included. */
export function forEachPixelOnLine(x0: number, y0: number, x1: number, y1: number, visit: (x: number, y: number) => void): void {
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let error = dx + dy;
  let x = x0;
  let y = y0;
  for (;;) {
    visit(x, y);
    if (x === x1 && y === y1) return;
    const e2 = 2 * error;
    if (e2 >= dy) {
      error += dy;
      x += sx;
    }
    if (e2 <= dx) {
      error += dx;
      y += sy;
    }
  }
}
