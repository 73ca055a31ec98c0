// The minimap: the whole board from its overview pyramid (the coarse level that
// fits the little canvas), with a rectangle for what the main view shows. A
// click or drag on it moves the main view there. Hidden while the whole board
// is on screen anyway.
import type { BoardJson } from '../../src/protocol/messages.js';
import { OverviewLayer } from './overview.js';
import { Viewport } from './viewport.js';

/** Overview tiles are refreshed this often while the minimap shows. */
const REFRESH_MS = 5_000;

export class Minimap {
  private overview: OverviewLayer | null = null;
  private readonly map = new Viewport();
  private scheduled = false;
  private dragging: number | null = null;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly main: Viewport,
  ) {
    this.ctx = canvas.getContext('2d')!;
    main.onChange(() => this.requestDraw());
    new ResizeObserver(() => this.resize()).observe(canvas);
    canvas.addEventListener('pointerdown', (e) => {
      this.dragging = e.pointerId;
      canvas.setPointerCapture(e.pointerId);
      this.jump(e);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.dragging === e.pointerId) this.jump(e);
    });
    const stop = (e: PointerEvent) => {
      if (this.dragging === e.pointerId) this.dragging = null;
    };
    canvas.addEventListener('pointerup', stop);
    canvas.addEventListener('pointercancel', stop);
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
    window.setInterval(() => {
      if (!canvas.hidden) this.requestDraw();
    }, REFRESH_MS);
  }

  setBoard(info: BoardJson): void {
    this.overview = new OverviewLayer(info);
    this.overview.onUpdate = () => this.requestDraw();
    this.map.setBoard(info.width, info.height);
    this.canvas.style.aspectRatio = `${info.width} / ${info.height}`;
    this.resize();
  }

  private resize(): void {
    const dpr = window.devicePixelRatio || 1;
    const { clientWidth, clientHeight } = this.canvas;
    if (clientWidth === 0) return; // hidden: sized when it shows
    this.canvas.width = Math.round(clientWidth * dpr);
    this.canvas.height = Math.round(clientHeight * dpr);
    this.map.resize(clientWidth, clientHeight);
    this.map.set(this.map.boardWidth / 2, this.map.boardHeight / 2, Math.min(clientWidth / this.map.boardWidth, clientHeight / this.map.boardHeight));
    this.requestDraw();
  }

  private requestDraw(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.draw();
    });
  }

  private draw(): void {
    const { main, map, ctx, canvas } = this;
    const rect = main.visibleRect();
    const whole = rect.x0 <= 0 && rect.y0 <= 0 && rect.x1 >= main.boardWidth && rect.y1 >= main.boardHeight;
    const hide = whole || this.overview === null;
    if (canvas.hidden !== hide) {
      canvas.hidden = hide;
      if (!hide) this.resize();
    }
    if (hide || this.map.width <= 1) return;
    const dpr = canvas.width / map.width;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const scale = map.zoom * dpr;
    ctx.setTransform(scale, 0, 0, scale, (map.width / 2 - map.x * map.zoom) * dpr, (map.height / 2 - map.y * map.zoom) * dpr);
    ctx.imageSmoothingEnabled = scale < 1;
    ctx.fillStyle = '#d9d9d9';
    ctx.fillRect(0, 0, map.boardWidth, map.boardHeight);
    this.overview!.draw(ctx, map);
    // What the main view shows; at least a few CSS pixels, so it can be seen on a huge board.
    const min = 4 / map.zoom;
    const w = Math.max(min, rect.x1 - rect.x0);
    const h = Math.max(min, rect.y1 - rect.y0);
    const x = Math.min(rect.x0, (rect.x0 + rect.x1 - w) / 2);
    const y = Math.min(rect.y0, (rect.y0 + rect.y1 - h) / 2);
    ctx.lineWidth = 2 / map.zoom;
    ctx.strokeStyle = 'rgba(0, 0, 0, .8)';
    ctx.strokeRect(x - 1 / map.zoom, y - 1 / map.zoom, w + 2 / map.zoom, h + 2 / map.zoom);
    ctx.strokeStyle = '#ff4500';
    ctx.strokeRect(x, y, w, h);
  }

  private jump(e: PointerEvent): void {
    const r = this.canvas.getBoundingClientRect();
    const p = this.map.screenToBoard(e.clientX - r.left - this.canvas.clientLeft, e.clientY - r.top - this.canvas.clientTop);
    this.main.set(p.x, p.y, this.main.zoom);
  }
}
