// Draws the board on the page's canvas, at most once per animation frame and
// only when something changed. Each chunk has its own small canvas, repainted
// (putImageData) only when its pixels changed; a frame composites the chunk
// canvases with one transform, so panning and zooming never touch pixel data.
import type { ChunkStore } from './chunk-store.js';
import type { OverviewLayer } from './overview.js';
import type { Viewport } from './viewport.js';

/** Something drawn over the board, in board coordinates (1 unit = 1 board pixel). */
export interface BoardLayer {
  draw(ctx: CanvasRenderingContext2D, viewport: Viewport): void;
}

const NOT_LOADED = '#d9d9d9';
const FRAME_SAMPLES = 600;

export class Renderer {
  store: ChunkStore | null = null;
  overview: OverviewLayer | null = null;
  readonly layers: BoardLayer[] = [];
  /** Runs after every drawn frame (the app's "fully drawn" bookkeeping). */
  afterFrame: () => void = () => {};
  /** Frames drawn, and how long each took to draw (ms), for the performance figures. */
  framesDrawn = 0;
  readonly drawTimes: number[] = [];
  private readonly ctx: CanvasRenderingContext2D;
  private scheduled = false;
  private dpr = 1;
  /** Around the board: the page's background (styles.css --off-board, dark or light). */
  private offBoard = '#1e1f22';

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly viewport: Viewport,
  ) {
    this.ctx = canvas.getContext('2d', { alpha: false })!;
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
    const readColours = () => {
      this.offBoard = getComputedStyle(canvas).getPropertyValue('--off-board').trim() || this.offBoard;
      this.requestRender();
    };
    readColours();
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', readColours);
    viewport.onChange(() => this.requestRender());
  }

  requestRender(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.frame();
    });
  }

  /** The colour on screen at board pixel (x, y) (its centre by default): read back from the canvas. */
  readPixel(x: number, y: number, fx = 0.5, fy = 0.5): [number, number, number] | null {
    const s = this.viewport.boardToScreen(x + fx, y + fy);
    const px = Math.floor(s.x * this.dpr);
    const py = Math.floor(s.y * this.dpr);
    if (px < 0 || py < 0 || px >= this.canvas.width || py >= this.canvas.height) return null;
    const data = this.ctx.getImageData(px, py, 1, 1).data;
    return [data[0]!, data[1]!, data[2]!];
  }

  private resize(): void {
    this.dpr = window.devicePixelRatio || 1;
    const { clientWidth, clientHeight } = this.canvas;
    this.canvas.width = Math.max(1, Math.round(clientWidth * this.dpr));
    this.canvas.height = Math.max(1, Math.round(clientHeight * this.dpr));
    this.viewport.resize(clientWidth, clientHeight); // → onChange → requestRender
  }

  private frame(): void {
    const started = performance.now();
    const { ctx, viewport, store } = this;
    this.paintDirtyChunks();

    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = this.offBoard;
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);

    // Board space: one unit is one board pixel.
    const scale = viewport.zoom * this.dpr;
    ctx.setTransform(scale, 0, 0, scale, (viewport.width / 2 - viewport.x * viewport.zoom) * this.dpr, (viewport.height / 2 - viewport.y * viewport.zoom) * this.dpr);
    // Crisp pixels when magnified; smoothing only helps when the board is shrunk.
    ctx.imageSmoothingEnabled = scale < 1;
    ctx.fillStyle = NOT_LOADED;
    ctx.fillRect(0, 0, viewport.boardWidth, viewport.boardHeight);
    this.overview?.draw(ctx, viewport);
    if (store !== null) {
      const rect = viewport.visibleRect();
      const size = store.board.chunkSize;
      for (const chunk of store.loaded()) {
        if (chunk.pixels === null) continue;
        const x = chunk.cx * size;
        const y = chunk.cy * size;
        if (x >= rect.x1 || y >= rect.y1 || x + chunk.width <= rect.x0 || y + chunk.height <= rect.y0) continue;
        ctx.drawImage(chunk.canvas, x, y);
      }
    }
    for (const layer of this.layers) layer.draw(ctx, viewport);

    this.framesDrawn++;
    this.drawTimes.push(performance.now() - started);
    if (this.drawTimes.length > FRAME_SAMPLES) this.drawTimes.shift();
    this.afterFrame();
  }

  private paintDirtyChunks(): void {
    const store = this.store;
    if (store === null) return;
    for (const chunk of store.dirty) {
      chunk.canvas.getContext('2d')!.putImageData(chunk.image, 0, 0);
      chunk.dirty = false;
    }
    store.dirty.clear();
  }
}
