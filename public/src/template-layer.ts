// Draws templates over the board and compares them with it. Zoomed out, a
// template is a semi-transparent image; zoomed in, it becomes per-pixel hints: a
// small dot of the wanted colour in the middle of each board pixel, so both the
// board and the target stay visible. "Only differing pixels" hides the pixels
// that are already right.
import type { Chunk, ChunkStore } from './chunk-store.js';
import type { Palette } from './palette.js';
import type { BoardLayer } from './renderer.js';
import type { Template } from './templates.js';
import type { Viewport } from './viewport.js';

/** From this zoom on, templates show as dots (hints) rather than as a tinted image. */
export const HINT_ZOOM = 6;
/** The board is compared with a template at most this often while it changes. */
const COMPARE_EVERY_MS = 100;
const HINT_SCALE = 3;

export interface TemplateStats {
  /** Template pixels (not transparent). */
  total: number;
  /** Template pixels whose board colour is known and differs. */
  differing: number;
  /** Template pixels whose board colour is not loaded. */
  unknown: number;
}

interface Rendered {
  image: HTMLCanvasElement;
  hints: HTMLCanvasElement;
  stats: TemplateStats;
  /** Built for this onlyDiff, position and board contents. */
  onlyDiff: boolean;
  x: number;
  y: number;
  stale: boolean;
  builtAt: number;
}

export class TemplateLayer implements BoardLayer {
  templates: Template[] = [];
  store: ChunkStore | null = null;
  private readonly rendered = new Map<Template, Rendered>();
  private dotPattern: CanvasPattern | null = null;
  /** Called when a comparison was deferred and a later frame should redo it. */
  requestRender: () => void = () => {};

  setBoard(store: ChunkStore, templates: Template[]): void {
    this.store = store;
    this.templates = templates;
    this.rendered.clear();
  }

  /** A chunk's pixels changed: templates over it must be compared again. */
  chunkChanged(chunk: Chunk): void {
    const size = this.store?.board.chunkSize ?? 0;
    const x0 = chunk.cx * size;
    const y0 = chunk.cy * size;
    for (const [template, rendered] of this.rendered) {
      if (template.x < x0 + chunk.width && template.x + template.width > x0 && template.y < y0 + chunk.height && template.y + template.height > y0) {
        rendered.stale = true;
      }
    }
  }

  /** The template changed (pixels, position, mode): rebuild it on the next frame. */
  invalidate(template: Template): void {
    const rendered = this.rendered.get(template);
    if (rendered) rendered.stale = true;
  }

  /** The comparison with the board; `fresh` compares now even if the last comparison is very recent. */
  stats(template: Template, fresh = false): TemplateStats {
    return this.build(template, fresh).stats;
  }

  draw(ctx: CanvasRenderingContext2D, viewport: Viewport): void {
    for (const template of this.templates) {
      if (!template.visible) continue;
      const { image, hints } = this.build(template, false);
      if (viewport.zoom >= HINT_ZOOM) {
        ctx.drawImage(hints, template.x, template.y, template.width, template.height);
      } else {
        ctx.globalAlpha = template.onlyDiff ? Math.max(template.opacity, 0.8) : template.opacity;
        ctx.drawImage(image, template.x, template.y, template.width, template.height);
        ctx.globalAlpha = 1;
      }
    }
  }

  /** The next template pixel after `after` (row-major index) that differs from the board, wrapping around. */
  nextDiffering(template: Template, after: number): { x: number; y: number; color: number; index: number } | null {
    const store = this.store;
    if (store === null) return null;
    const n = template.colors.length;
    for (let step = 1; step <= n; step++) {
      const i = (after + step + n) % n;
      const want = template.colors[i]!;
      if (want < 0) continue;
      const x = template.x + (i % template.width);
      const y = template.y + Math.floor(i / template.width);
      const have = store.colorAt(x, y);
      if (have !== null && have !== want) return { x, y, color: want, index: i };
    }
    return null;
  }

  private build(template: Template, forceCompare: boolean): Rendered {
    let rendered = this.rendered.get(template);
    const now = performance.now();
    const moved = rendered !== undefined && (rendered.x !== template.x || rendered.y !== template.y || rendered.onlyDiff !== template.onlyDiff);
    if (rendered !== undefined && !moved && !rendered.stale) return rendered;
    // While the board changes fast, compare at most every COMPARE_EVERY_MS (the picture may lag a frame or two).
    if (rendered !== undefined && !moved && !forceCompare && now - rendered.builtAt < COMPARE_EVERY_MS) {
      this.requestRender();
      return rendered;
    }
    const palette = this.store!.palette;
    const image = rendered?.image ?? document.createElement('canvas');
    const hints = rendered?.hints ?? document.createElement('canvas');
    const stats = this.paint(template, palette, image);
    this.paintHints(image, hints);
    rendered = { image, hints, stats, onlyDiff: template.onlyDiff, x: template.x, y: template.y, stale: false, builtAt: now };
    this.rendered.set(template, rendered);
    return rendered;
  }

  /** Paints the template (or only its differing pixels) and counts the differences in the same pass. */
  private paint(template: Template, palette: Palette, canvas: HTMLCanvasElement): TemplateStats {
    const { width, height, colors } = template;
    const store = this.store!;
    const image = new ImageData(width, height);
    const rgba = new Uint32Array(image.data.buffer);
    const stats: TemplateStats = { total: 0, differing: 0, unknown: 0 };
    for (let i = 0; i < colors.length; i++) {
      const want = colors[i]!;
      if (want < 0) continue;
      stats.total++;
      const have = store.colorAt(template.x + (i % width), template.y + Math.floor(i / width));
      if (have === null) stats.unknown++;
      else if (have !== want) stats.differing++;
      const show = !template.onlyDiff || (have !== null && have !== want);
      if (show) rgba[i] = palette.words[want] ?? 0;
    }
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d')!.putImageData(image, 0, 0);
    return stats;
  }

  /** Hints: the image blown up 3× and masked with a dot in the middle of every 3×3 block. */
  private paintHints(image: HTMLCanvasElement, hints: HTMLCanvasElement): void {
    hints.width = image.width * HINT_SCALE;
    hints.height = image.height * HINT_SCALE;
    const ctx = hints.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(image, 0, 0, hints.width, hints.height);
    ctx.globalCompositeOperation = 'destination-in';
    ctx.fillStyle = this.dots(ctx);
    ctx.fillRect(0, 0, hints.width, hints.height);
    ctx.globalCompositeOperation = 'source-over';
  }

  private dots(ctx: CanvasRenderingContext2D): CanvasPattern {
    if (this.dotPattern === null) {
      const tile = document.createElement('canvas');
      tile.width = HINT_SCALE;
      tile.height = HINT_SCALE;
      const t = tile.getContext('2d')!;
      t.fillStyle = '#000';
      t.fillRect(1, 1, 1, 1);
      this.dotPattern = ctx.createPattern(tile, 'repeat')!;
    }
    return this.dotPattern;
  }
}
