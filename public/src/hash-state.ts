// The URL's hash holds what a shared link should show: #board=place&x=500&y=500&zoom=4
// (plus t=… for a shared template). The address bar follows the view, via
// replaceState so panning does not fill the history.

export interface HashState {
  board?: string;
  x?: number;
  y?: number;
  zoom?: number;
  /** A shared template (templates.ts encodes it). */
  template?: string;
}

const WRITE_DELAY_MS = 250;

export function readHash(hash: string = location.hash): HashState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const state: HashState = {};
  const board = params.get('board');
  if (board) state.board = board;
  const number = (name: string) => {
    const raw = params.get(name);
    const value = raw === null || raw.trim() === '' ? NaN : Number(raw);
    return Number.isFinite(value) ? value : undefined;
  };
  const x = number('x');
  const y = number('y');
  const zoom = number('zoom');
  if (x !== undefined) state.x = x;
  if (y !== undefined) state.y = y;
  if (zoom !== undefined && zoom > 0) state.zoom = zoom;
  const template = params.get('t');
  if (template) state.template = template;
  return state;
}

export function formatHash(state: HashState): string {
  const params = new URLSearchParams();
  if (state.board !== undefined) params.set('board', state.board);
  // Hundredths of a pixel: a reload shows exactly the same view (whole pixels would shift it).
  if (state.x !== undefined) params.set('x', String(Math.round(state.x * 100) / 100));
  if (state.y !== undefined) params.set('y', String(Math.round(state.y * 100) / 100));
  if (state.zoom !== undefined) params.set('zoom', String(Math.round(state.zoom * 100) / 100));
  if (state.template !== undefined) params.set('t', state.template);
  return '#' + params.toString();
}

/** Writes the hash at most every WRITE_DELAY_MS, and remembers what it wrote (to tell our changes from the user's). */
export class HashWriter {
  private timer: number | null = null;
  private pending: HashState | null = null;
  lastWritten = location.hash;

  write(state: HashState): void {
    this.pending = state;
    this.timer ??= window.setTimeout(() => this.flush(), WRITE_DELAY_MS);
  }

  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending === null) return;
    const hash = formatHash(this.pending);
    this.pending = null;
    if (hash === location.hash) return;
    this.lastWritten = hash;
    history.replaceState(null, '', hash);
  }
}
