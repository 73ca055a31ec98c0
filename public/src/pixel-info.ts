// Pixel info, as pxls and pixelplanet have it: right-click, a long press or I at a pixel
// shows who placed it, when, and its last few colours, from
// GET /api/boards/:id/pixels/:x/:y/history (docs/API.md). The list is fetched each time
// it opens (and again when it is open and the pixel changes), so it is never stale.
import type { BoardJson } from '../../src/protocol/messages.js';
import { errorText } from './history-records.js';

/** One entry of the history API (docs/API.md, "History"). */
export interface PlacementEntry {
  seq: number;
  time: string;
  timeMs: number;
  who: string;
  source: 'ws' | 'http';
  x: number;
  y: number;
  color: number;
  previousColor: number;
  tile?: { tx: number; ty: number; pixels: number };
}

export interface PixelInfoElements {
  panel: HTMLElement;
  title: HTMLElement;
  list: HTMLElement;
  note: HTMLElement;
  close: HTMLButtonElement;
}

export interface PixelInfoHost {
  board(): BoardJson | null;
  /** The viewer's own `who` (from their history), to say "you". */
  me(): string | null;
  announce(text: string): void;
}

/** How many of the pixel's latest placements are shown. */
const SHOWN = 5;

export class PixelInfo {
  /** The pixel shown, and the entries of its last answer (the tests read them). */
  pixel: { x: number; y: number } | null = null;
  entries: PlacementEntry[] = [];
  loads = 0;
  private request: AbortController | null = null;

  constructor(
    private readonly ui: PixelInfoElements,
    private readonly host: PixelInfoHost,
  ) {
    ui.close.addEventListener('click', () => this.close()); // Escape: history-ui.ts
  }

  get isOpen(): boolean {
    return !this.ui.panel.hidden;
  }

  async show(x: number, y: number): Promise<void> {
    const board = this.host.board();
    if (board === null || x < 0 || y < 0 || x >= board.width || y >= board.height) return;
    this.request?.abort();
    const request = new AbortController();
    this.request = request;
    this.pixel = { x, y };
    this.ui.title.textContent = `Pixel ${x}, ${y}`;
    this.ui.note.textContent = 'Loading…';
    this.ui.list.replaceChildren();
    this.ui.panel.hidden = false;
    try {
      const response = await fetch(`/api/boards/${encodeURIComponent(board.id)}/pixels/${x}/${y}/history?limit=${SHOWN}`, { signal: request.signal });
      if (!response.ok) throw new Error(await errorText(response));
      const { items } = (await response.json()) as { items: PlacementEntry[] };
      if (request.signal.aborted) return;
      this.entries = items;
      this.render(board, x, y);
    } catch (err) {
      if (request.signal.aborted) return;
      this.entries = [];
      this.ui.note.textContent = `No history: ${(err as Error).message}`;
    }
    this.loads++;
  }

  /** Shows the pixel again if the panel is open on it (someone placed there). */
  changed(x: number, y: number): void {
    if (this.isOpen && this.pixel?.x === x && this.pixel.y === y) void this.show(x, y);
  }

  close(): void {
    this.request?.abort();
    this.ui.panel.hidden = true;
    this.pixel = null;
  }

  private render(board: BoardJson, x: number, y: number): void {
    const me = this.host.me();
    const rows = this.entries.map((entry) => {
      const li = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'info-swatch';
      swatch.style.backgroundColor = board.palette[entry.color] ?? 'transparent';
      const who = entry.who === me ? 'you' : entry.who;
      const what = entry.tile ? `tile (${entry.tile.tx}, ${entry.tile.ty})` : 'pixel';
      const text = document.createElement('span');
      text.textContent = `${colourText(board, entry.color)} by ${who}, ${formatTime(entry.timeMs)} (${ago(entry.timeMs)}; ${what} via ${entry.source}, was ${colourText(board, entry.previousColor)})`;
      li.append(swatch, text);
      li.dataset.who = entry.who;
      return li;
    });
    this.ui.list.replaceChildren(...rows);
    const latest = this.entries[0];
    this.ui.note.textContent = latest === undefined ? 'Never placed: still the background.' : '';
    this.host.announce(latest === undefined ? `Pixel ${x}, ${y}: never placed` : `Pixel ${x}, ${y}: ${colourText(board, latest.color)}, placed by ${latest.who === me ? 'you' : latest.who} ${ago(latest.timeMs)}`);
  }
}

function colourText(board: BoardJson, index: number): string {
  return `colour ${index + 1} (${board.palette[index] ?? '?'})`;
}

/** Local date and time, to the second: "2026-12-03 14:05:09". */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} days ago`;
}
