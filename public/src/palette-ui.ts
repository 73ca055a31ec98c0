// The colour picker: one button per palette colour, the recently used colours,
// and a free colour input that snaps to the nearest palette entry. The chosen
// colour and the recent ones are remembered per board.
import type { Palette } from './palette.js';

const RECENT_COUNT = 8;
const LARGE_PALETTE = 32;

export class PaletteUi {
  selected = 0;
  private palette: Palette | null = null;
  private boardId = '';
  private recent: number[] = [];
  private swatches: HTMLButtonElement[] = [];
  /** The selection changed (by click, key or colour input): text for the announcer. */
  onSelect: (index: number, how: 'picked' | 'nearest') => void = () => {};

  constructor(
    private readonly list: HTMLElement,
    private readonly recentList: HTMLElement,
    private readonly customInput: HTMLInputElement,
  ) {
    customInput.addEventListener('change', () => {
      if (this.palette === null) return;
      this.select(this.palette.nearestHex(customInput.value), 'nearest');
    });
  }

  /** Shows a board's palette, with its remembered colour selected (else `initial`). */
  setPalette(boardId: string, palette: Palette, initial: number): void {
    this.palette = palette;
    this.boardId = boardId;
    this.recent = loadIndices(`tessera.recent.${boardId}`).filter((i) => i < palette.size);
    this.swatches = palette.hex.map((hex, i) => this.swatch(hex, i, i < 10 ? `Key ${(i + 1) % 10}` : ''));
    this.list.replaceChildren(...this.swatches);
    showLargePalette(this.list, palette.size);
    const remembered = loadIndices(`tessera.colour.${boardId}`)[0];
    this.select(remembered !== undefined && remembered < palette.size ? remembered : Math.min(initial, palette.size - 1), null);
    this.renderRecent();
  }

  /** Number keys: 1–9 then 0 pick the first ten colours. */
  selectByNumberKey(key: string): boolean {
    const digit = Number(key);
    if (!Number.isInteger(digit) || this.palette === null) return false;
    const index = (digit + 9) % 10;
    if (index >= this.palette.size) return false;
    this.select(index, 'picked');
    return true;
  }

  /** Shift + number: the recent colours, most recent first. */
  selectRecent(position: number): boolean {
    const index = this.recent[position];
    if (index === undefined) return false;
    this.select(index, 'picked');
    return true;
  }

  select(index: number, how: 'picked' | 'nearest' | null): void {
    this.swatches[this.selected]?.setAttribute('aria-pressed', 'false');
    this.selected = index;
    const swatch = this.swatches[index];
    swatch?.setAttribute('aria-pressed', 'true');
    if (swatch) revealInList(this.list, swatch);
    if (this.palette !== null) this.customInput.value = this.palette.hex[index]!.toLowerCase();
    if (how !== null) localStorage.setItem(`tessera.colour.${this.boardId}`, JSON.stringify([index]));
    if (how !== null) this.onSelect(index, how);
  }

  /** A colour was placed: it goes to the front of the recent colours. */
  used(index: number): void {
    this.recent = [index, ...this.recent.filter((i) => i !== index)].slice(0, RECENT_COUNT);
    localStorage.setItem(`tessera.recent.${this.boardId}`, JSON.stringify(this.recent));
    this.renderRecent();
  }

  private renderRecent(): void {
    const palette = this.palette!;
    this.recentList.replaceChildren(...this.recent.map((i, position) => this.swatch(palette.hex[i]!, i, position < 9 ? `Shift+${position + 1}` : '')));
  }

  private swatch(hex: string, index: number, shortcut: string): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'swatch';
    button.style.background = hex;
    button.dataset.index = String(index);
    button.setAttribute('aria-label', `Colour ${index + 1}: ${hex}`);
    button.setAttribute('aria-pressed', 'false');
    button.title = shortcut ? `${hex} (${shortcut})` : hex;
    button.addEventListener('click', () => this.select(index, 'picked'));
    return button;
  }
}

/** More than 32 colours: the palette scrolls in its own box, and says so (hint: the element before it). */
export function showLargePalette(list: HTMLElement, size: number): void {
  const large = size > LARGE_PALETTE;
  list.classList.toggle('palette-large', large);
  const hint = list.previousElementSibling as HTMLElement | null;
  if (hint?.classList.contains('palette-hint')) {
    hint.hidden = !large;
    hint.textContent = large ? `${size} colours: scroll the palette for more` : '';
  }
}

/**
 * Scrolls a palette that scrolls by itself (a large one) to show a swatch. Only
 * the list's own scrollTop: scrollIntoView would scroll the page and the panel
 * too, and in some Chromium versions move where the next Tab starts from.
 */
function revealInList(list: HTMLElement, swatch: HTMLElement): void {
  if (list.scrollHeight <= list.clientHeight) return;
  const top = swatch.offsetTop - list.offsetTop;
  if (top < list.scrollTop) list.scrollTop = top;
  else if (top + swatch.offsetHeight > list.scrollTop + list.clientHeight) list.scrollTop = top + swatch.offsetHeight - list.clientHeight;
}

function loadIndices(key: string): number[] {
  try {
    const value = JSON.parse(localStorage.getItem(key) ?? '[]') as unknown;
    return Array.isArray(value) ? value.filter((i): i is number => Number.isInteger(i) && i >= 0) : [];
  } catch {
    return [];
  }
}
