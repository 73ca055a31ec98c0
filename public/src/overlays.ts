// Small layers drawn over the board: the pixel grid at high zoom, the hovered
// pixel's outline and the keyboard cursor.
import type { BoardLayer } from './renderer.js';
import type { Viewport } from './viewport.js';

/** Below this zoom a grid line would be closer than 8 CSS pixels to the next: noise, not help. */
export const GRID_MIN_ZOOM = 8;

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

/** A pixel marked by an outline: where the mouse is, or the keyboard cursor. */
export class PixelMarker implements BoardLayer {
  x = 0;
  y = 0;
  visible = false;

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
    // Zoomed far out a pixel is smaller than its outline: draw a box of at least 6 CSS pixels.
    const size = Math.max(1, 6 / viewport.zoom);
    const pad = (size - 1) / 2;
    ctx.lineWidth = line;
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
    ctx.strokeRect(this.x - pad - line, this.y - pad - line, size + 2 * line, size + 2 * line);
    ctx.strokeStyle = this.colour;
    ctx.strokeRect(this.x - pad, this.y - pad, size, size);
  }
}
