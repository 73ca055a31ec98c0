// What the user points at: the reticle under the mouse (or the last pixel
// tapped), the keyboard cursor, the readout of that pixel's coordinates and
// colour, and the badge next to the reticle (the cooldown, or "Click to zoom in").
import type { ChunkStore } from './chunk-store.js';
import type { Cooldowns } from './cooldown.js';
import { Reticle } from './overlays.js';
import type { Viewport } from './viewport.js';

/** The badge sits this far (CSS px) right of and below the pixel's centre. */
const BADGE_OFFSET = 14;

export interface PointingHost {
  store(): ChunkStore | null;
  /** The colour a click would place (null: the tile tool, which places none). */
  placeColour(): string | null;
  /** The side of what a click acts on: 1, or the tile size with the tile tool. */
  targetSpan(): number;
  /** Whether a click or tap would zoom in rather than act. */
  zoomsFirst(pointerType: string): boolean;
  online(): boolean;
  describePixel(x: number, y: number): string;
  announce(text: string): void;
  showReadout(text: string): void;
  requestRender(): void;
}

export class Pointing {
  /** Where the mouse points, or the last pixel tapped. */
  readonly reticle = new Reticle('rgba(0, 0, 0, 0.8)', 1);
  /** The keyboard cursor. */
  readonly cursor = new Reticle('#ff2d95', 2);
  /** The pixel under the mouse (null when the mouse is elsewhere). */
  hovered: { x: number; y: number } | null = null;
  /** The last pixel clicked, tapped or zoomed to: what "Copy link" shares. */
  marked: { x: number; y: number } | null = null;
  /**
   * The pixel just acted on shows no colour preview until the pointer leaves it: the
   * preview would hide what really happened there (a refusal rolls the pixel back).
   */
  private quiet: { x: number; y: number } | null = null;
  pointerType = 'mouse';

  constructor(
    private readonly viewport: Viewport,
    private readonly canvas: HTMLCanvasElement,
    private readonly badge: HTMLElement,
    private readonly cooldowns: Cooldowns,
    private readonly host: PointingHost,
  ) {}

  /** The mouse moved over pixel (or off the board: null). */
  hover(pixel: { x: number; y: number } | null): void {
    const store = this.host.store();
    const inside = pixel !== null && store !== null && store.inside(pixel.x, pixel.y);
    this.hovered = inside ? pixel : null;
    this.pointerType = 'mouse';
    if (this.quiet !== null && (pixel?.x !== this.quiet.x || pixel?.y !== this.quiet.y)) this.quiet = null;
    if (inside) this.reticle.show(pixel.x, pixel.y);
    else this.reticle.visible = false;
    this.render();
  }

  /** A pixel was clicked, tapped or zoomed to: the reticle shows it, and it is what a link shares. */
  mark(x: number, y: number): void {
    this.marked = { x, y };
    this.quiet = { x, y };
    this.reticle.show(x, y);
    this.render();
  }

  /** Arrow keys: shows the cursor (where the pointer is, else mid-view) or moves it, and says where it is. */
  moveCursor(dx: number, dy: number): void {
    const store = this.host.store();
    if (store === null) return;
    const { cursor } = this;
    this.quiet = null;
    if (!cursor.visible) {
      const start = this.hovered ?? (this.reticle.visible ? this.reticle : { x: Math.floor(this.viewport.x), y: Math.floor(this.viewport.y) });
      cursor.show(start.x, start.y);
    } else {
      cursor.show(cursor.x + dx, cursor.y + dy);
    }
    cursor.x = Math.min(store.board.width - 1, Math.max(0, cursor.x));
    cursor.y = Math.min(store.board.height - 1, Math.max(0, cursor.y));
    this.viewport.reveal(cursor.x, cursor.y);
    this.render();
    this.host.announce(this.host.describePixel(cursor.x, cursor.y));
  }

  /** Puts the keyboard cursor on a pixel ("go to", a template's next pixel). */
  putCursor(x: number, y: number): void {
    this.cursor.show(x, y);
    this.render();
  }

  hideCursor(): void {
    this.cursor.visible = false;
    this.render();
  }

  /** A new board: nothing is pointed at yet. */
  reset(): void {
    this.cursor.visible = false;
    this.reticle.visible = false;
    this.hovered = null;
    this.marked = null;
    this.render();
  }

  /** The pixel the readout and "Copy link" speak of: the keyboard cursor, else the last marked, else none. */
  focusPixel(): { x: number; y: number } | null {
    if (this.cursor.visible) return { x: this.cursor.x, y: this.cursor.y };
    return this.marked;
  }

  /** The colour preview, the readout and the badge follow the tool, the colour and the pointer. */
  render(): void {
    const fill = this.host.placeColour();
    const quiet = (r: { x: number; y: number }) => this.quiet !== null && r.x === this.quiet.x && r.y === this.quiet.y;
    this.reticle.fill = quiet(this.reticle) ? null : fill;
    this.cursor.fill = quiet(this.cursor) ? null : fill;
    this.reticle.span = this.cursor.span = this.host.targetSpan();
    this.canvas.classList.toggle('zoom-to-place', this.host.zoomsFirst(this.pointerType));
    this.renderReadout();
    this.renderBadge();
    this.host.requestRender();
  }

  /** The readout: the pixel pointed at, else the view's centre and zoom. */
  renderReadout(): void {
    const focus = this.hovered ?? this.focusPixel();
    const v = this.viewport;
    if (focus !== null) this.host.showReadout(this.host.describePixel(focus.x, focus.y));
    else this.host.showReadout(this.host.store() !== null ? `${Math.floor(v.x)}, ${Math.floor(v.y)} · ×${+v.zoom.toFixed(2)}` : '');
  }

  /** Next to the reticle: the cooldown while waiting, or that a click zooms in first. */
  renderBadge(): void {
    const store = this.host.store();
    const at = this.cursor.visible ? this.cursor : this.reticle.visible ? this.reticle : null;
    let text = '';
    let waiting = false;
    if (store !== null && at !== null && this.host.online()) {
      const board = store.board.index;
      waiting = this.cooldowns.isWaiting(board);
      if (waiting) text = `${(this.cooldowns.remainingMs(board) / 1000).toFixed(1)} s`;
      else if (!this.cursor.visible && this.host.zoomsFirst(this.pointerType)) text = this.pointerType === 'touch' ? 'Tap to zoom in' : 'Click to zoom in';
    }
    if (text === '' || at === null) {
      this.badge.hidden = true;
      return;
    }
    const s = this.viewport.boardToScreen(at.x + 0.5, at.y + 0.5);
    const x = Math.min(this.viewport.width - 80, Math.max(0, s.x + BADGE_OFFSET));
    const y = Math.min(this.viewport.height - 24, Math.max(0, s.y + BADGE_OFFSET));
    this.badge.hidden = false;
    if (this.badge.textContent !== text) this.badge.textContent = text;
    this.badge.dataset.waiting = String(waiting);
    this.badge.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }
}
