// Small layers drawn over the board: the pixel grid at high zoom, the reticle
// (the pixel under the pointer or the keyboard cursor, filled with the colour a
// click would place) and the flash that shows a placement landed.
import type { BoardLayer } from './renderer.js';
import type { Viewport } from './viewport.js';

/** Below this zoom a grid line would be closer than 8 CSS pixels to the next: noise, not help. */
export const GRID_MIN_ZOOM = 8;
/** From this zoom the reticle shows the colour to be placed inside the pixel. */
const PREVIEW_MIN_ZOOM = 4;
const FLASH_MS = 650;
/** A write of more pixels flashes as one box around them all. */
const FLASH_EACH_MAX = 32;

export class GridLayer implements BoardLayer {
  enabled = false;

  draw(ctx: CanvasRenderingContext2D, viewport: Viewport): void {
    if (!this.enabled || viewport.zoom < GRID_MIN_ZOOM) return;
    const { x0, y0, x1, y1 } = viewport.visibleRect();
    ctx.beginPath();
    for (let x = x0; x <= x1; x++) {
      ctx.moveTo(x, y0);
      ctx.lineTo(x, y1);
    }
    for (let y = y0; y <= y1; y++) {
      ctx.moveTo(x0, y);
      ctx.lineTo(x1, y);
    }
    ctx.lineWidth = 1 / (viewport.zoom * devicePixelRatio); // one device pixel
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.18)';
    ctx.stroke();
  }
}

/**
 * A pixel marked by a double outline (light and `colour`), optionally filled with the
 * colour to place; with the tile tool, the whole tile around it.
 */
export class Reticle implements BoardLayer {
  x = 0;
  y = 0;
  visible = false;
  /** The colour a click would place, drawn inside the pixel; null: outline only. */
  fill: string | null = null;
  /** The side of what a click acts on: 1 (a pixel) or the tile size. */
  span = 1;

  constructor(
    private readonly colour: string,
    private readonly widthPx: number,
  ) {}

  show(x: number, y: number): void {
    this.x = x;
    this.y = y;
    this.visible = true;
  }

  draw(ctx: CanvasRenderingContext2D, viewport: Viewport): void {
    if (!this.visible || this.x < 0 || this.y < 0 || this.x >= viewport.boardWidth || this.y >= viewport.boardHeight) return;
    const line = this.widthPx / viewport.zoom;
    if (this.fill !== null && viewport.zoom >= PREVIEW_MIN_ZOOM) {
      // Inset, so the pixel's own colour still shows around the preview.
      const inset = Math.min(0.2, 3 / viewport.zoom);
      ctx.fillStyle = this.fill;
      ctx.fillRect(this.x + inset, this.y + inset, 1 - 2 * inset, 1 - 2 * inset);
    }
    // Zoomed far out a pixel is smaller than its outline: draw a box of at least 6 CSS pixels.
    const x0 = Math.floor(this.x / this.span) * this.span;
    const y0 = Math.floor(this.y / this.span) * this.span;
    const size = Math.max(this.span, 6 / viewport.zoom);
    const pad = (size - this.span) / 2;
    ctx.lineWidth = line;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
    ctx.strokeRect(x0 - pad - line, y0 - pad - line, size + 2 * line, size + 2 * line);
    ctx.strokeStyle = this.colour;
    ctx.strokeRect(x0 - pad, y0 - pad, size, size);
  }
}

interface Flash {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  start: number;
}

/** A ring that grows and fades around pixels the server accepted: your pixel landed. */
export class LandedFlashes implements BoardLayer {
  private flashes: Flash[] = [];
  /** Flashes started: for tests. */
  started = 0;
  /** The layer needs another frame (it animates). */
  requestRender: () => void = () => {};

  /** `pixels` holds x, y, colour triples. */
  add(pixels: readonly number[]): void {
    const start = performance.now();
    this.started++;
    if (pixels.length / 3 <= FLASH_EACH_MAX) {
      for (let i = 0; i < pixels.length; i += 3) this.flashes.push({ x0: pixels[i]!, y0: pixels[i + 1]!, x1: pixels[i]! + 1, y1: pixels[i + 1]! + 1, start });
    } else {
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (let i = 0; i < pixels.length; i += 3) {
        x0 = Math.min(x0, pixels[i]!);
        y0 = Math.min(y0, pixels[i + 1]!);
        x1 = Math.max(x1, pixels[i]! + 1);
        y1 = Math.max(y1, pixels[i + 1]! + 1);
      }
      this.flashes.push({ x0, y0, x1, y1, start });
    }
    this.requestRender();
  }

  draw(ctx: CanvasRenderingContext2D, viewport: Viewport): void {
    if (this.flashes.length === 0) return;
    const now = performance.now();
    this.flashes = this.flashes.filter((f) => now - f.start < FLASH_MS);
    const unit = 1 / viewport.zoom; // one CSS pixel
    for (const f of this.flashes) {
      const t = (now - f.start) / FLASH_MS;
      const grow = (2 + 10 * t) * unit;
      ctx.globalAlpha = 1 - t;
      ctx.lineWidth = 3 * unit;
      ctx.strokeStyle = '#ffffff';
      ctx.strokeRect(f.x0 - grow, f.y0 - grow, f.x1 - f.x0 + 2 * grow, f.y1 - f.y0 + 2 * grow);
      ctx.lineWidth = 1.5 * unit;
      ctx.strokeStyle = '#ff4500';
      ctx.strokeRect(f.x0 - grow, f.y0 - grow, f.x1 - f.x0 + 2 * grow, f.y1 - f.y0 + 2 * grow);
    }
    ctx.globalAlpha = 1;
    if (this.flashes.length > 0) this.requestRender();
  }
}
