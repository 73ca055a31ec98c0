// The camera: which board point is at the centre of the screen and how many CSS
// pixels one board pixel takes. Screen coordinates are CSS pixels from the
// canvas's top-left corner.

export interface View {
  x: number;
  y: number;
  zoom: number;
}

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const MAX_ZOOM = 64;
const ANIMATION_MS = 160;

export class Viewport {
  x = 0;
  y = 0;
  zoom = 1;
  /** The canvas's size in CSS pixels. */
  width = 1;
  height = 1;
  boardWidth = 1;
  boardHeight = 1;
  private listeners: (() => void)[] = [];
  private animation: number | null = null;

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  setBoard(width: number, height: number): void {
    this.boardWidth = width;
    this.boardHeight = height;
  }

  resize(width: number, height: number): void {
    this.width = Math.max(1, width);
    this.height = Math.max(1, height);
    this.set(this.x, this.y, this.zoom);
  }

  /** Zoom at which the whole board fits on screen with a small margin. */
  get fitZoom(): number {
    return Math.min(this.width / this.boardWidth, this.height / this.boardHeight) * 0.95;
  }

  get minZoom(): number {
    return Math.min(this.fitZoom / 2, 1);
  }

  fit(): void {
    this.set(this.boardWidth / 2, this.boardHeight / 2, this.fitZoom);
  }

  set(x: number, y: number, zoom: number): void {
    this.zoom = Math.min(MAX_ZOOM, Math.max(this.minZoom, zoom));
    // The centre stays on the board, so the board can never be lost off screen.
    this.x = Math.min(this.boardWidth, Math.max(0, x));
    this.y = Math.min(this.boardHeight, Math.max(0, y));
    for (const listener of this.listeners) listener();
  }

  get view(): View {
    return { x: this.x, y: this.y, zoom: this.zoom };
  }

  screenToBoard(sx: number, sy: number): { x: number; y: number } {
    return { x: this.x + (sx - this.width / 2) / this.zoom, y: this.y + (sy - this.height / 2) / this.zoom };
  }

  boardToScreen(bx: number, by: number): { x: number; y: number } {
    return { x: (bx - this.x) * this.zoom + this.width / 2, y: (by - this.y) * this.zoom + this.height / 2 };
  }

  /** The board pixel under a screen point (may be off the board). */
  pixelAt(sx: number, sy: number): { x: number; y: number } {
    const p = this.screenToBoard(sx, sy);
    return { x: Math.floor(p.x), y: Math.floor(p.y) };
  }

  panBy(dx: number, dy: number): void {
    this.stopAnimation();
    this.set(this.x - dx / this.zoom, this.y - dy / this.zoom, this.zoom);
  }

  /** Zooms by `factor` keeping the board point under (sx, sy) where it is. */
  zoomAt(factor: number, sx: number, sy: number): void {
    this.stopAnimation();
    const before = this.screenToBoard(sx, sy);
    const zoom = Math.min(MAX_ZOOM, Math.max(this.minZoom, this.zoom * factor));
    this.set(before.x - (sx - this.width / 2) / zoom, before.y - (sy - this.height / 2) / zoom, zoom);
  }

  /** Eases to a view (keyboard zoom, "jump to", the zoom toggle). */
  animateTo(x: number, y: number, zoom: number): void {
    this.stopAnimation();
    const from = this.view;
    const start = performance.now();
    const step = (now: number) => {
      const t = Math.min(1, (now - start) / ANIMATION_MS);
      const e = 1 - (1 - t) ** 3;
      // Zoom interpolates geometrically: equal steps feel equally fast.
      const z = from.zoom * (zoom / from.zoom) ** e;
      this.set(from.x + (x - from.x) * e, from.y + (y - from.y) * e, z);
      this.animation = t < 1 ? requestAnimationFrame(step) : null;
    };
    this.animation = requestAnimationFrame(step);
  }

  stopAnimation(): void {
    if (this.animation !== null) cancelAnimationFrame(this.animation);
    this.animation = null;
  }

  /** The part of the board on screen, in board pixels (whole pixels, clamped to the board). */
  visibleRect(): Rect {
    const a = this.screenToBoard(0, 0);
    const b = this.screenToBoard(this.width, this.height);
    return {
      x0: Math.max(0, Math.floor(a.x)),
      y0: Math.max(0, Math.floor(a.y)),
      x1: Math.min(this.boardWidth, Math.ceil(b.x)),
      y1: Math.min(this.boardHeight, Math.ceil(b.y)),
    };
  }

  /** Keeps a board pixel on screen, panning the least needed (the keyboard cursor). */
  reveal(px: number, py: number, marginPx = 48): void {
    const s = this.boardToScreen(px + 0.5, py + 0.5);
    const margin = Math.min(marginPx, this.width / 3, this.height / 3);
    let dx = 0;
    let dy = 0;
    if (s.x < margin) dx = margin - s.x;
    else if (s.x > this.width - margin) dx = this.width - margin - s.x;
    if (s.y < margin) dy = margin - s.y;
    else if (s.y > this.height - margin) dy = this.height - margin - s.y;
    if (dx !== 0 || dy !== 0) this.panBy(dx, dy);
  }
}
