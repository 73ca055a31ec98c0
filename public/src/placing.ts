// Acting on the board: a click, tap or Enter becomes a placement, a zoom towards
// the spot (too far out to see the pixel), or the tile editor; a drag in draw
// mode becomes a stroke. Writes the quota cannot pay for are not sent: the user
// is told why, once, instead of seeing pixels appear and vanish. Answers come
// back here too: a flash where the pixels landed, or one toast per cause.
import { RejectReason } from '../../src/protocol/messages.js';
import type { ChunkStore } from './chunk-store.js';
import type { Cooldowns, TileCooldowns } from './cooldown.js';
import type { LandedFlashes } from './overlays.js';
import type { PaletteUi } from './palette-ui.js';
import type { PendingWrite, PlaceResult, Placer } from './placement.js';
import { Stroke } from './stroke.js';
import type { Tools } from './tools.js';
import type { ToastKind } from './toasts.js';
import type { Viewport } from './viewport.js';

/** Zoom of a close-up (the Z key, "go to", a tap too far out to place). */
export const CLOSE_ZOOM = 16;
/** A pixel (or tile) smaller than this on screen, in CSS pixels, is zoomed to rather than placed on. */
const MIN_TARGET_PX = { mouse: 4, touch: 10 };
/** A tile is zoomed to this many CSS pixels. */
const TILE_CLOSE_PX = 128;

export interface PlacingHost {
  store(): ChunkStore | null;
  online(): boolean;
  colourName(index: number): string;
  toast(text: string, kind: ToastKind, cause: string): void;
  announce(text: string): void;
  /** Shows the reticle at a pixel (a tap, "go to"). */
  mark(x: number, y: number): void;
  openTile(store: ChunkStore, tx: number, ty: number): void;
}

export class Placing {
  constructor(
    private readonly viewport: Viewport,
    private readonly placer: Placer,
    private readonly cooldowns: Cooldowns,
    private readonly tileCooldowns: TileCooldowns,
    private readonly tools: Tools,
    private readonly palette: PaletteUi,
    private readonly flashes: LandedFlashes,
    private readonly host: PlacingHost,
  ) {
    placer.onResult = (result, write) => this.answered(result, write);
  }

  /** Whether a click or tap at this zoom would only zoom in (the target is too small to see). */
  zoomsFirst(pointerType: string, zoom = this.viewport.zoom): boolean {
    const store = this.host.store();
    if (store === null) return false;
    const side = this.tools.tool === 'tile' && store.board.tileSize !== null ? store.board.tileSize : 1;
    return side * zoom < (pointerType === 'touch' ? MIN_TARGET_PX.touch : MIN_TARGET_PX.mouse);
  }

  /** A click or tap on pixel (x, y). */
  click(x: number, y: number, pointerType: string): void {
    const store = this.host.store();
    if (store === null || !store.inside(x, y)) return;
    if (this.zoomsFirst(pointerType)) {
      this.zoomTowards(store, x, y);
      return;
    }
    this.host.mark(x, y);
    this.act(x, y);
  }

  /** The tool's action at (x, y), whatever the zoom (Enter at the keyboard cursor). */
  act(x: number, y: number): void {
    const store = this.host.store();
    if (store === null || !store.inside(x, y)) return;
    const { tileSize } = store.board;
    if (this.tools.tool === 'tile' && tileSize !== null) {
      this.host.openTile(store, Math.floor(x / tileSize), Math.floor(y / tileSize));
      return;
    }
    if (store.serverColorAt(x, y) === null) {
      this.host.toast('Zoom in to place: this part of the board is not loaded', 'info', 'not-loaded');
      return;
    }
    const why = this.blocked(store, 1);
    if (why !== null) {
      this.host.toast(why, 'info', 'cooldown');
      this.host.announce(why);
      return;
    }
    const color = this.color(store);
    const write = this.placer.begin(store);
    write.add(x, y, color);
    this.send(write);
    if (this.tools.tool === 'brush') this.palette.used(color);
  }

  /** A drag in draw mode starting at (x, y), or null when it should pan instead. */
  beginStroke(x: number, y: number, pointerType: string): Stroke | null {
    const store = this.host.store();
    const { tool, drawMode } = this.tools;
    if (store === null || !drawMode || tool === 'tile' || !store.board.policy.strokes || store.board.policy.maxBatch < 2) return null;
    if (this.zoomsFirst(pointerType) || store.serverColorAt(x, y) === null) return null;
    const board = store.board.index;
    const color = this.color(store);
    const stroke = new Stroke(this.placer, store, color, {
      affords: (pixels) => this.host.online() && this.cooldowns.available(board) >= this.cooldowns.costOf(board, pixels),
      send: (write) => this.send(write),
      ended: (skipped) => {
        if (skipped === 0) return;
        const text = this.host.online() ? `Out of pixels: ${skipped} not drawn. ${this.waitText(board)}` : `Offline: ${skipped} pixels not drawn. Reconnecting…`;
        this.host.toast(text, 'info', 'cooldown');
        this.host.announce(text);
      },
    });
    stroke.to(x, y);
    if (tool === 'brush') this.palette.used(color);
    return stroke;
  }

  /** Why tile (tx, ty) cannot be saved now, or null. */
  tileBlocked(tx: number, ty: number): string | null {
    const store = this.host.store();
    if (store === null) return 'No board';
    const wait = this.tileCooldowns.waitMs(store.board.index, tx, ty);
    if (wait > 0) return `This tile can be saved again in ${(wait / 1000).toFixed(1)} s`;
    return this.blocked(store, store.board.tileSize! ** 2);
  }

  /** A tile save finished: one toast and one announcement, naming its colours. */
  tileSaved(result: PlaceResult, tx: number, ty: number, colors: Uint8Array): void {
    if (!result.ok) {
      const text = `Tile not saved: ${result.message}`;
      this.host.toast(text, 'error', 'tile-refused');
      this.host.announce(text);
      return;
    }
    const distinct = new Set(colors);
    const text = `Tile (${tx}, ${ty}) saved: ${colors.length} pixels in ${distinct.size === 1 ? this.host.colourName(colors[0]!) : `${distinct.size} colours`}`;
    this.host.toast(text, 'success', text);
    this.host.announce(text);
  }

  /** Sends a write, counting its cost against the quota until its answer comes. */
  send(write: PendingWrite): Promise<PlaceResult> {
    const board = write.store.board.index;
    write.cost = this.cooldowns.costOf(board, write.count);
    this.cooldowns.spend(board, write.cost);
    return this.placer.commit(write);
  }

  private answered(result: PlaceResult, write: PendingWrite): void {
    const board = write.store.board.index;
    this.cooldowns.settle(board, write.cost);
    if (write.tile !== null) {
      const { tx, ty } = write.tile;
      if (result.ok) this.tileCooldowns.written(board, tx, ty);
      else if (result.reason === RejectReason.RATE_LIMITED) this.tileCooldowns.refused(board, tx, ty, result.retryAfterMs);
    }
    if (write.store !== this.host.store()) return;
    if (result.ok) {
      this.flashes.add(write.pixels);
      // Tile saves are announced by the tile editor, with their colours.
      if (write.tile === null) {
        const where = write.count === 1 ? `at ${write.pixels[0]}, ${write.pixels[1]}` : `(${write.count} pixels)`;
        this.host.announce(`Placed ${this.host.colourName(write.pixels[2]!)} ${where}`);
      }
    } else if (write.tile === null) {
      // One toast per cause: a stroke refused four times is one "Too fast" (×4).
      this.host.toast(result.message, 'error', result.reason === RejectReason.RATE_LIMITED ? 'rate' : result.message);
      this.host.announce(result.message);
    }
  }

  /** Why a write costing `pixels` pixels cannot be sent now, or null. */
  private blocked(store: ChunkStore, pixels: number): string | null {
    if (!this.host.online()) return 'Offline: nothing was placed. Reconnecting…';
    const board = store.board.index;
    if (this.cooldowns.available(board) >= this.cooldowns.costOf(board, pixels)) return null;
    return `Not yet: ${this.waitText(board)}`;
  }

  private waitText(board: number): string {
    const ms = this.cooldowns.remainingMs(board);
    return ms > 0 ? `Next pixel in ${(ms / 1000).toFixed(1)} s` : 'No pixels left for now';
  }

  private color(store: ChunkStore): number {
    return this.tools.tool === 'eraser' ? store.board.background : this.palette.selected;
  }

  /** Too far out to see what a click would hit: zoom in there instead. */
  private zoomTowards(store: ChunkStore, x: number, y: number): void {
    const { tileSize } = store.board;
    const tile = this.tools.tool === 'tile' && tileSize !== null;
    const zoom = tile ? TILE_CLOSE_PX / tileSize : CLOSE_ZOOM;
    this.viewport.animateTo(x + 0.5, y + 0.5, Math.max(this.viewport.zoom, zoom));
    this.host.mark(x, y);
    this.host.announce(`Zoomed in at ${x}, ${y}: ${tile ? 'click the tile to edit it' : 'click again to place'}`);
  }
}
