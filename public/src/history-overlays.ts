// Two overlays over the board, as pxls has them, each a board-sized image drawn on top:
// - the heatmap: pixels placed in the last HEAT_WINDOW_MS glow, fading as they age
//   (the recent history from the timelapse stream, then the DIFFs as they come);
// - the virgin map: pixels never placed since the history began are tinted green
//   (the whole timelapse stream, then the DIFFs).
// Live DIFFs only come for the chunks held, so the overlays of the parts of a board not
// on screen stay as they were when they were loaded.
import type { BoardJson, DiffSection } from '../../src/protocol/messages.js';
import { HistoryRecords, MAX_HISTORY_PIXELS } from './history-records.js';
import type { BoardLayer } from './renderer.js';

export const HEAT_WINDOW_MS = 10 * 60_000;
/** The heat image is redrawn this often while the heatmap shows (its fading is slow). */
const HEAT_REDRAW_MS = 1000;
const VIRGIN_WORD = 0xb300c853; // #00C853 at 70 % (RGBA, little-endian words)

export type OverlayKind = 'heatmap' | 'virgin';

export interface OverlayState {
  enabled: boolean;
  loading: boolean;
  error: string | null;
  /** Placements read from the stream when it was enabled. */
  records: number;
}

class OverlayImage {
  readonly canvas: HTMLCanvasElement = document.createElement('canvas');
  readonly image: ImageData;
  readonly words: Uint32Array;
  dirty = true;

  constructor(readonly width: number, readonly height: number) {
    this.canvas.width = width;
    this.canvas.height = height;
    this.image = new ImageData(width, height);
    this.words = new Uint32Array(this.image.data.buffer);
  }

  draw(ctx: CanvasRenderingContext2D): void {
    if (this.dirty) {
      this.canvas.getContext('2d')!.putImageData(this.image, 0, 0);
      this.dirty = false;
    }
    ctx.drawImage(this.canvas, 0, 0);
  }
}

export class HistoryOverlays implements BoardLayer {
  readonly state: Record<OverlayKind, OverlayState> = {
    heatmap: { enabled: false, loading: false, error: null, records: 0 },
    virgin: { enabled: false, loading: false, error: null, records: 0 },
  };
  onChange: () => void = () => {};
  requestRender: () => void = () => {};
  private board: BoardJson | null = null;
  private abort = new AbortController();
  // Heatmap: when each pixel was last placed (ms since `heatBase`, NaN: not recently),
  // and the pixels that may still be warm.
  private heatImage: OverlayImage | null = null;
  private lastPlaced: Float32Array | null = null;
  private warm: number[] = [];
  private heatBase = 0;
  private heatTimer = 0;
  // Virgin map: 1 for every pixel ever placed.
  private virginImage: OverlayImage | null = null;
  private placed: Uint8Array | null = null;

  setBoard(board: BoardJson): void {
    this.abort.abort();
    this.abort = new AbortController();
    this.board = board;
    for (const kind of ['heatmap', 'virgin'] as const) {
      const wasOn = this.state[kind].enabled;
      this.disable(kind);
      if (wasOn) void this.enable(kind);
    }
  }

  /** Whether the board is small enough for an overlay (one RGBA image of it). */
  get available(): boolean {
    return this.board !== null && this.board.width * this.board.height <= MAX_HISTORY_PIXELS;
  }

  async toggle(kind: OverlayKind): Promise<void> {
    if (this.state[kind].enabled) this.disable(kind);
    else await this.enable(kind);
  }

  async enable(kind: OverlayKind): Promise<void> {
    const board = this.board;
    if (board === null) return;
    const state = this.state[kind];
    state.enabled = true;
    state.error = null;
    if (!this.available) {
      state.enabled = false;
      state.error = `${board.width}×${board.height} is too large for an overlay`;
      this.onChange();
      state.error = null;
      return;
    }
    state.loading = true;
    this.onChange();
    const { width, height } = board;
    const now = Date.now();
    if (kind === 'heatmap') {
      this.heatImage = new OverlayImage(width, height);
      this.lastPlaced = new Float32Array(width * height).fill(NaN);
      this.heatBase = now;
      this.warm = [];
    } else {
      this.virginImage = new OverlayImage(width, height);
      this.placed = new Uint8Array(width * height);
    }
    const signal = this.abort.signal;
    const from = kind === 'heatmap' ? `?from=${now - HEAT_WINDOW_MS}` : '';
    try {
      const records = await HistoryRecords.fetch(`/api/boards/${encodeURIComponent(board.id)}/timelapse${from}`, signal);
      if (signal.aborted || !state.enabled) return;
      for (let i = 0; i < records.count; i++) {
        const t = records.times[i]!;
        records.forEachPixel(i, (offset) => this.mark(kind, offset, t));
      }
      state.records = records.count;
    } catch (err) {
      if (signal.aborted) return;
      state.error = (err as Error).message;
      this.disable(kind); // says so through onChange, once
      state.error = null;
      return;
    }
    state.loading = false;
    if (kind === 'heatmap') {
      this.redrawHeat();
      this.heatTimer = window.setInterval(() => this.redrawHeat(), HEAT_REDRAW_MS);
    } else {
      this.redrawVirgin();
    }
    this.onChange();
    this.requestRender();
  }

  disable(kind: OverlayKind): void {
    const state = this.state[kind];
    state.enabled = false;
    state.loading = false;
    state.records = 0;
    if (kind === 'heatmap') {
      window.clearInterval(this.heatTimer);
      this.heatImage = null;
      this.lastPlaced = null;
      this.warm = [];
    } else {
      this.virginImage = null;
      this.placed = null;
    }
    this.onChange();
    this.requestRender();
  }

  /** A DIFF for the board shown: its pixels were just placed. */
  diff(section: DiffSection): void {
    const board = this.board;
    if (board === null || (this.lastPlaced === null && this.placed === null)) return;
    const size = board.chunkSize;
    const now = Date.now();
    for (let i = 0; i < section.offsets.length; i++) {
      const offset = section.offsets[i]!;
      const x = section.cx * size + (offset % size);
      const y = section.cy * size + Math.floor(offset / size);
      if (x >= board.width || y >= board.height) continue;
      const at = y * board.width + x;
      if (this.lastPlaced !== null) {
        this.mark('heatmap', at, now);
        this.heatImage!.words[at] = heatWord(1); // the once-a-second redraw fades it
        this.heatImage!.dirty = true;
      }
      if (this.placed !== null && this.placed[at] === 0) {
        this.mark('virgin', at, now);
        this.virginImage!.words[at] = 0;
        this.virginImage!.dirty = true;
      }
    }
    this.requestRender();
  }

  /** Whether (x, y) shows as never placed, and its heat (0–1); for the tests and the readout. */
  at(x: number, y: number): { virgin: boolean | null; heat: number | null } {
    const width = this.board?.width ?? 0;
    const i = y * width + x;
    const heat = this.heatImage === null ? null : (this.heatImage.words[i]! >>> 24) / 255;
    return { virgin: this.placed === null ? null : this.placed[i] === 0, heat };
  }

  draw(ctx: CanvasRenderingContext2D): void {
    if (this.virginImage !== null && !this.state.virgin.loading) this.virginImage.draw(ctx);
    if (this.heatImage !== null && !this.state.heatmap.loading) this.heatImage.draw(ctx);
  }

  private mark(kind: OverlayKind, offset: number, timeMs: number): void {
    if (kind === 'virgin') {
      this.placed![offset] = 1;
      return;
    }
    const last = this.lastPlaced!;
    if (Number.isNaN(last[offset]!)) this.warm.push(offset);
    last[offset] = Math.max(Number.isNaN(last[offset]!) ? -Infinity : last[offset]!, timeMs - this.heatBase);
  }

  private redrawVirgin(): void {
    const image = this.virginImage;
    const placed = this.placed;
    if (image === null || placed === null) return;
    for (let i = 0; i < placed.length; i++) image.words[i] = placed[i] === 0 ? VIRGIN_WORD : 0;
    image.dirty = true;
  }

  /** Warm pixels glow from yellow (just placed) to red, fading out over the window; cold ones leave the list. */
  private redrawHeat(): void {
    const image = this.heatImage;
    const last = this.lastPlaced;
    if (image === null || last === null) return;
    const now = Date.now() - this.heatBase;
    const still: number[] = [];
    for (const offset of this.warm) {
      const age = now - last[offset]!;
      if (age >= HEAT_WINDOW_MS) {
        image.words[offset] = 0;
        last[offset] = NaN;
        continue;
      }
      image.words[offset] = heatWord(1 - Math.max(0, age) / HEAT_WINDOW_MS);
      still.push(offset);
    }
    this.warm = still;
    image.dirty = true;
    this.requestRender();
  }
}

/** Warmth 1 (just placed) is opaque yellow; it fades to a faint red at 0. RGBA, little-endian. */
function heatWord(warmth: number): number {
  const alpha = Math.round(80 + 175 * warmth);
  const green = Math.round(220 * warmth);
  return ((alpha << 24) | (0x20 << 16) | (green << 8) | 0xff) >>> 0;
}
