// Keyboard control. On the focused canvas the arrow keys move a cursor (the view
// follows it) and Enter places there; anywhere on the page (outside text fields):
//   B brush, E eraser, T tile editor (mosaic), D draw mode, Z zoom toggle, G grid,
//   1–9, 0 the first ten colours, Shift+1–9 the recent colours,
//   + / − zoom, arrows pan (when the canvas is not focused), Home fits the board,
//   ? the list of every control.
import { isTyping } from './pointer-input.js';
import type { PaletteUi } from './palette-ui.js';
import type { Tools } from './tools.js';
import { MAX_ZOOM, type Viewport } from './viewport.js';

export interface KeyboardHost {
  moveCursor(dx: number, dy: number): void;
  placeAtCursor(): void;
  hideCursor(): void;
  /** The keyboard cursor's screen position, when it is showing. */
  cursorOnScreen(): { x: number; y: number } | null;
  zoomToggle(): void;
  toggleDrawMode(): void;
  showHelp(): void;
  modalOpen(): boolean;
}

const ZOOM_STEP = 1.5;
const PAN_STEP_PX = 80;
const ARROWS: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

export class Keyboard {
  constructor(
    canvas: HTMLCanvasElement,
    private readonly viewport: Viewport,
    private readonly tools: Tools,
    private readonly palette: PaletteUi,
    private readonly host: KeyboardHost,
  ) {
    canvas.addEventListener('keydown', (e) => this.onCanvas(e));
    window.addEventListener('keydown', (e) => this.onPage(e));
  }

  private onCanvas(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const arrow = ARROWS[e.key];
    if (arrow !== undefined) {
      const step = e.shiftKey ? 10 : 1;
      this.host.moveCursor(arrow[0] * step, arrow[1] * step);
    } else if (e.key === 'Enter') {
      this.host.placeAtCursor();
    } else if (e.key === 'Escape') {
      this.host.hideCursor();
    } else {
      return; // everything else is a page shortcut
    }
    e.preventDefault();
    e.stopPropagation(); // handled: the page handler must not pan as well
  }

  private onPage(e: KeyboardEvent): void {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || this.host.modalOpen()) return;
    const { viewport } = this;
    const focus = this.host.cursorOnScreen() ?? { x: viewport.width / 2, y: viewport.height / 2 };
    const arrow = ARROWS[e.key];
    if (arrow !== undefined) {
      viewport.panBy(-arrow[0] * PAN_STEP_PX, -arrow[1] * PAN_STEP_PX);
    } else if (e.key === '+' || e.key === '=') {
      this.zoomBy(ZOOM_STEP, focus);
    } else if (e.key === '-' || e.key === '_') {
      this.zoomBy(1 / ZOOM_STEP, focus);
    } else if (e.key === '?') {
      this.host.showHelp();
    } else if (e.key === 'Home') {
      const { boardWidth, boardHeight, fitZoom } = viewport;
      viewport.animateTo(boardWidth / 2, boardHeight / 2, fitZoom);
    } else if (/^Digit[0-9]$/.test(e.code)) {
      const digit = e.code.slice(5);
      if (!(e.shiftKey ? this.palette.selectRecent((Number(digit) + 9) % 10) : this.palette.selectByNumberKey(digit))) return;
    } else {
      switch (e.key.toLowerCase()) {
        case 'b':
          this.tools.setTool('brush');
          break;
        case 'e':
          this.tools.setTool('eraser');
          break;
        case 't':
          this.tools.setTool('tile');
          break;
        case 'g':
          this.tools.toggleGrid();
          break;
        case 'd':
          this.host.toggleDrawMode();
          break;
        case 'z':
          this.host.zoomToggle();
          break;
        default:
          return;
      }
    }
    e.preventDefault();
  }

  /** Animated zoom that keeps the focus point in place. */
  private zoomBy(factor: number, focus: { x: number; y: number }): void {
    const v = this.viewport;
    const target = v.screenToBoard(focus.x, focus.y);
    const zoom = Math.min(MAX_ZOOM, Math.max(v.minZoom, v.zoom * factor));
    v.animateTo(target.x - (focus.x - v.width / 2) / zoom, target.y - (focus.y - v.height / 2) / zoom, zoom);
  }
}
