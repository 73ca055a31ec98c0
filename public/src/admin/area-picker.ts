// Picking on the canvas for the panels: a pixel (one click or tap) or a rectangle (drag from
// one corner to the other). While picking, a transparent sheet over the canvas takes the
// pointer, so the click places nothing and the drag does not pan. The chosen area is drawn
// (dashed) over the board, with an optional preview image inside it (the rollback's view of
// time T).
import type { BoardLayer } from '../renderer.js';
import type { Viewport } from '../viewport.js';
import type { Rect } from './api.js';

export interface PickerHost {
  canvas: HTMLCanvasElement;
  viewport: Viewport;
  boardSize(): { width: number; height: number } | null;
  requestRender(): void;
}

export class AreaPicker implements BoardLayer {
  selection: Rect | null = null;
  /** Drawn inside `selection` when set: an image of the whole board (board pixels = image pixels). */
  preview: CanvasImageSource | null = null;
  private readonly sheet: HTMLDivElement;
  private done: ((rect: Rect | null) => void) | null = null;

  constructor(private readonly host: PickerHost) {
    this.sheet = document.createElement('div');
    this.sheet.className = 'area-picker';
    this.sheet.hidden = true;
    host.canvas.after(this.sheet);
    let start: { x: number; y: number } | null = null;
    let mode: 'pixel' | 'rect' = 'rect';
    this.sheet.addEventListener('pointerdown', (event) => {
      start = this.pixelAt(event);
      mode = this.sheet.dataset.mode === 'pixel' ? 'pixel' : 'rect';
      this.sheet.setPointerCapture(event.pointerId);
      if (start) this.show(rectOf(start, start));
      event.preventDefault();
    });
    this.sheet.addEventListener('pointermove', (event) => {
      if (start === null || mode === 'pixel') return;
      const at = this.pixelAt(event);
      if (at) this.show(rectOf(start, at));
    });
    this.sheet.addEventListener('pointerup', (event) => {
      if (start === null) return;
      const from = start;
      const end = mode === 'pixel' ? from : (this.pixelAt(event) ?? from);
      start = null;
      this.finish(rectOf(from, end));
    });
    window.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !this.sheet.hidden) this.finish(null);
    });
  }

  get picking(): boolean {
    return !this.sheet.hidden;
  }

  /** Waits for a click (pixel: a 1×1 rect) or a drag (rect); null when cancelled (Esc, or another pick). */
  pick(mode: 'pixel' | 'rect'): Promise<Rect | null> {
    this.done?.(null);
    this.sheet.dataset.mode = mode;
    this.sheet.hidden = false;
    return new Promise((resolve) => (this.done = resolve));
  }

  cancel(): void {
    if (this.picking) this.finish(null);
  }

  show(rect: Rect | null): void {
    this.selection = rect;
    if (rect === null) this.preview = null;
    this.host.requestRender();
  }

  setPreview(image: CanvasImageSource | null): void {
    this.preview = image;
    this.host.requestRender();
  }

  draw(ctx: CanvasRenderingContext2D, viewport: Viewport): void {
    const r = this.selection;
    if (r === null) return;
    if (this.preview !== null) {
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(this.preview, r.x, r.y, r.width, r.height, r.x, r.y, r.width, r.height);
    }
    ctx.save();
    ctx.lineWidth = 2 / viewport.zoom;
    ctx.setLineDash([4 / viewport.zoom, 4 / viewport.zoom]);
    ctx.strokeStyle = '#00d3dd';
    ctx.strokeRect(r.x, r.y, r.width, r.height);
    ctx.restore();
  }

  private finish(rect: Rect | null): void {
    this.sheet.hidden = true;
    const done = this.done;
    this.done = null;
    if (rect === null) this.show(null);
    done?.(rect);
  }

  private pixelAt(event: PointerEvent): { x: number; y: number } | null {
    const bounds = this.host.canvas.getBoundingClientRect();
    const p = this.host.viewport.pixelAt(event.clientX - bounds.left, event.clientY - bounds.top);
    return this.host.boardSize() === null ? null : this.clampPoint(p);
  }

  private clampPoint(p: { x: number; y: number }): { x: number; y: number } {
    const size = this.host.boardSize() ?? { width: 1, height: 1 };
    return { x: Math.min(size.width - 1, Math.max(0, p.x)), y: Math.min(size.height - 1, Math.max(0, p.y)) };
  }
}

/** The rectangle with corners a and b, both included. */
export function rectOf(a: { x: number; y: number }, b: { x: number; y: number }): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.abs(a.x - b.x) + 1, height: Math.abs(a.y - b.y) + 1 };
}
