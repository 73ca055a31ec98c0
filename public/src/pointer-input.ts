// Mouse, pen and touch on the board canvas:
//   wheel              zoom around the pointer (trackpad pinch arrives as ctrl+wheel)
//   left drag, one finger: pan, or in draw mode (boards with strokes) draw a stroke
//   middle/right drag, or space + drag: always pan
//   click / tap        the tool's action (place a pixel, open the tile editor)
//   two fingers        pinch to zoom and pan together
//   right-click, long press (a finger held still): inspect the pixel (pixel info)
import type { Stroke } from './stroke.js';
import type { Viewport } from './viewport.js';

export interface PointerHost {
  /** The tool's action on a board pixel, by a mouse, pen or finger ('touch'). */
  click(x: number, y: number, pointerType: string): void;
  /** A stroke starting at a pixel, or null when not in draw mode (or the tool, board or zoom does not draw). */
  beginStroke(x: number, y: number, pointerType: string): Stroke | null;
  /** The pixel under the mouse (null when it left the canvas). */
  hover(pixel: { x: number; y: number } | null): void;
  /** Right-click or long press on a pixel: show what is known of it. */
  inspect(x: number, y: number): void;
}

/** A press that moves more than this (CSS pixels) is a drag, not a click. */
const CLICK_SLOP = 5;
/** A finger held this long without moving is a long press (inspect), not a tap. */
const LONG_PRESS_MS = 500;

type Gesture =
  | { kind: 'idle' }
  | { kind: 'press'; id: number; startX: number; startY: number }
  | { kind: 'pan'; id: number; inspectFrom?: { x: number; y: number } | undefined }
  | { kind: 'inspected'; id: number }
  | { kind: 'stroke'; id: number; stroke: Stroke }
  | { kind: 'pinch'; distance: number; midX: number; midY: number };

export class PointerInput {
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private gesture: Gesture = { kind: 'idle' };
  private spaceHeld = false;
  private longPress = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly viewport: Viewport,
    private readonly host: PointerHost,
  ) {
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', (e) => this.up(e, true));
    canvas.addEventListener('pointercancel', (e) => this.up(e, false));
    canvas.addEventListener('pointerleave', (e) => {
      if (e.pointerType === 'mouse') this.host.hover(null);
    });
    canvas.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
    window.addEventListener('keydown', (e) => {
      if (e.code === 'Space' && !isTyping(e.target)) this.spaceHeld = true;
    });
    window.addEventListener('keyup', (e) => {
      if (e.code === 'Space') this.spaceHeld = false;
    });
  }

  private local(e: PointerEvent | WheelEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  }

  private down(e: PointerEvent): void {
    const p = this.local(e);
    this.pointers.set(e.pointerId, p);
    try {
      this.canvas.setPointerCapture(e.pointerId); // keep the drag when it leaves the canvas
    } catch {
      // The pointer is already gone (released before this event was handled).
    }
    if (this.pointers.size === 2) {
      // A second finger turns whatever the first was doing into a pinch.
      if (this.gesture.kind === 'stroke') this.gesture.stroke.end();
      this.gesture = { kind: 'pinch', ...this.pinchMetrics() };
      return;
    }
    if (this.pointers.size > 2) return;
    if (e.button === 1 || e.button === 2 || this.spaceHeld) {
      // A right button let go where it was pressed inspects the pixel instead of panning.
      this.gesture = { kind: 'pan', id: e.pointerId, inspectFrom: e.button === 2 && !this.spaceHeld ? p : undefined };
      return;
    }
    if (e.button !== 0) return;
    const pixel = this.viewport.pixelAt(p.x, p.y);
    const stroke = this.host.beginStroke(pixel.x, pixel.y, e.pointerType);
    if (stroke !== null) {
      this.gesture = { kind: 'stroke', id: e.pointerId, stroke };
      return;
    }
    this.gesture = { kind: 'press', id: e.pointerId, startX: p.x, startY: p.y };
    if (e.pointerType === 'touch') {
      const id = e.pointerId;
      window.clearTimeout(this.longPress);
      this.longPress = window.setTimeout(() => {
        const g = this.gesture;
        if (g.kind !== 'press' || g.id !== id) return;
        this.gesture = { kind: 'inspected', id };
        const pixel = this.viewport.pixelAt(g.startX, g.startY);
        this.host.inspect(pixel.x, pixel.y);
      }, LONG_PRESS_MS);
    }
  }

  private move(e: PointerEvent): void {
    const p = this.local(e);
    const previous = this.pointers.get(e.pointerId);
    if (e.pointerType === 'mouse') this.host.hover(this.viewport.pixelAt(p.x, p.y));
    if (previous === undefined) return;
    this.pointers.set(e.pointerId, p);
    const g = this.gesture;
    switch (g.kind) {
      case 'press':
        if (g.id === e.pointerId && Math.hypot(p.x - g.startX, p.y - g.startY) > CLICK_SLOP) {
          this.gesture = { kind: 'pan', id: g.id };
          this.viewport.panBy(p.x - g.startX, p.y - g.startY);
        }
        break;
      case 'pan':
        if (g.id === e.pointerId) this.viewport.panBy(p.x - previous.x, p.y - previous.y);
        if (g.inspectFrom && Math.hypot(p.x - g.inspectFrom.x, p.y - g.inspectFrom.y) > CLICK_SLOP) g.inspectFrom = undefined;
        break;
      case 'inspected':
        break;
      case 'stroke':
        if (g.id === e.pointerId) {
          const pixel = this.viewport.pixelAt(p.x, p.y);
          g.stroke.to(pixel.x, pixel.y);
        }
        break;
      case 'pinch': {
        const next = this.pinchMetrics();
        if (g.distance > 0) this.viewport.zoomAt(next.distance / g.distance, next.midX, next.midY);
        this.viewport.panBy(next.midX - g.midX, next.midY - g.midY);
        this.gesture = { kind: 'pinch', ...next };
        break;
      }
      case 'idle':
        break;
    }
  }

  private up(e: PointerEvent, completed: boolean): void {
    const p = this.pointers.get(e.pointerId) ?? this.local(e);
    this.pointers.delete(e.pointerId);
    const g = this.gesture;
    if (g.kind === 'press' && g.id === e.pointerId) {
      this.gesture = { kind: 'idle' };
      if (completed) {
        const pixel = this.viewport.pixelAt(p.x, p.y);
        this.host.click(pixel.x, pixel.y, e.pointerType);
      }
    } else if (g.kind === 'stroke' && g.id === e.pointerId) {
      g.stroke.end();
      this.gesture = { kind: 'idle' };
    } else if (g.kind === 'pinch') {
      // The finger left on the screen keeps panning; it never becomes a tap.
      const [id] = this.pointers.keys();
      this.gesture = id === undefined ? { kind: 'idle' } : { kind: 'pan', id };
    } else if (g.kind === 'pan' && g.id === e.pointerId) {
      this.gesture = { kind: 'idle' };
      if (completed && g.inspectFrom) {
        const pixel = this.viewport.pixelAt(g.inspectFrom.x, g.inspectFrom.y);
        this.host.inspect(pixel.x, pixel.y);
      }
    } else if (g.kind === 'inspected' && g.id === e.pointerId) {
      this.gesture = { kind: 'idle' };
    }
  }

  private pinchMetrics(): { distance: number; midX: number; midY: number } {
    const [a, b] = [...this.pointers.values()];
    if (a === undefined || b === undefined) return { distance: 0, midX: 0, midY: 0 };
    return { distance: Math.hypot(a.x - b.x, a.y - b.y), midX: (a.x + b.x) / 2, midY: (a.y + b.y) / 2 };
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    const p = this.local(e);
    // Lines and pages are rare (some mice): treat them as ~16 and ~400 pixels.
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    if (e.ctrlKey) {
      this.viewport.zoomAt(Math.exp(-e.deltaY * unit * 0.01), p.x, p.y); // trackpad pinch
    } else if (e.shiftKey) {
      this.viewport.panBy(-e.deltaY * unit, 0);
    } else {
      this.viewport.zoomAt(Math.exp(-e.deltaY * unit * 0.0015), p.x, p.y);
    }
  }
}

/** Typing in a field must not trigger shortcuts. */
export function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}
