// Which chunks the client should hold: those on screen, when that is few enough
// to be worth live data (else the overview pyramid shows the board), plus those
// under visible templates (so their differing pixels can be counted).
import type { Template } from './templates.js';
import type { Rect, Viewport } from './viewport.js';

/** Board pixels held live at once: 4 Mpx ≈ 16 MB of RGBA (64 of the mosaic's 256² chunks). */
export const LIVE_PIXEL_BUDGET = 4_194_304;
/** At most this many chunks on screen are held live (the server allows 1,024 subscriptions). */
const MAX_LIVE_CHUNKS = 400;
/** Chunks kept for templates off screen. */
const MAX_TEMPLATE_CHUNKS = 64;
const MAX_KEEP = 900;

export interface ChunkWatch {
  /** Chunks to subscribe to. */
  wanted: Set<number>;
  /** Chunks that may stay subscribed (wanted plus a one-chunk margin). */
  keep: Set<number>;
  /** Whether the screen is drawn from live chunks (false: from the overview). */
  live: boolean;
}

export function chunksToWatch(
  viewport: Viewport,
  board: { width: number; height: number; chunkSize: number },
  templates: readonly Template[],
): ChunkWatch {
  const { chunkSize } = board;
  const chunksX = Math.ceil(board.width / chunkSize);
  const chunksY = Math.ceil(board.height / chunkSize);
  const visible = chunkRange(viewport.visibleRect(), chunkSize);
  const count = rangeSize(visible);
  const live = count <= MAX_LIVE_CHUNKS && count * chunkSize * chunkSize <= LIVE_PIXEL_BUDGET;
  const wanted = new Set<number>();
  const keep = new Set<number>();
  if (live) {
    addRange(wanted, visible, chunksX, chunksY);
    const margin = { x0: visible.x0 - 1, y0: visible.y0 - 1, x1: visible.x1 + 1, y1: visible.y1 + 1 };
    if (rangeSize(margin) <= MAX_KEEP) addRange(keep, margin, chunksX, chunksY);
  }
  for (const template of templates) {
    if (!template.visible) continue;
    const range = chunkRange({ x0: template.x, y0: template.y, x1: template.x + template.width, y1: template.y + template.height }, chunkSize);
    if (rangeSize(range) <= MAX_TEMPLATE_CHUNKS) addRange(wanted, range, chunksX, chunksY);
  }
  return { wanted, keep, live };
}

/** The chunks (inclusive range) covering a rectangle of board pixels. */
function chunkRange(rect: Rect, chunkSize: number): Rect {
  return {
    x0: Math.floor(rect.x0 / chunkSize),
    y0: Math.floor(rect.y0 / chunkSize),
    x1: Math.ceil(rect.x1 / chunkSize) - 1,
    y1: Math.ceil(rect.y1 / chunkSize) - 1,
  };
}

function rangeSize(range: Rect): number {
  return Math.max(0, range.x1 - range.x0 + 1) * Math.max(0, range.y1 - range.y0 + 1);
}

function addRange(set: Set<number>, range: Rect, chunksX: number, chunksY: number): void {
  for (let cy = Math.max(0, range.y0); cy <= Math.min(chunksY - 1, range.y1); cy++) {
    for (let cx = Math.max(0, range.x0); cx <= Math.min(chunksX - 1, range.x1); cx++) set.add(cy * chunksX + cx);
  }
}
