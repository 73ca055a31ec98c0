// Moderator tools for an area of the board: select a rectangle on the canvas, lock it (and
// the list of locks, to unlock), or roll it back to time T with a slider that steps through
// the area's own placements of the last 24 hours (GET …/area/history), previewing the board
// as it was at T (image.png?at=T) in place.
import { api, failure, formatTime, h, type Lock, type Placement, type Rect } from './api.js';
import type { AreaPicker } from './area-picker.js';

export interface AreaHost {
  boardId(): string | null;
  picker: AreaPicker;
  toast(text: string, kind: 'info' | 'error' | 'success'): void;
}

export class AreaTools {
  readonly element: HTMLElement;
  area: Rect | null = null;
  /** The rollback's T (ms), null while the slider is at "now". */
  rollbackAt: number | null = null;
  private readonly areaText: HTMLElement;
  /** x, y, width, height of the area, typed or as dragged (the keyboard's way to select). */
  private readonly fields: HTMLInputElement[];
  private readonly lockReason: HTMLInputElement;
  private readonly locks: HTMLElement;
  private readonly rollback: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly sliderText: HTMLElement;
  private readonly apply: HTMLButtonElement;
  private times: number[] = [];
  private previewToken = 0;

  constructor(private readonly host: AreaHost) {
    this.areaText = h('p', { id: 'area-text' }, 'No area selected');
    this.fields = ['x', 'y', 'width', 'height'].map((name) =>
      h('input', { type: 'number', id: `area-${name}`, min: name === 'x' || name === 'y' ? 0 : 1, step: 1, inputmode: 'numeric', onchange: () => this.typed() }));
    this.lockReason = h('input', { id: 'lock-reason', maxlength: 200, placeholder: 'Reason (optional)' });
    this.locks = h('ul', { id: 'lock-list', class: 'admin-list' });
    this.slider = h('input', { type: 'range', id: 'rollback-slider', min: 0, max: 0, step: 1, value: 0, 'aria-label': 'Roll back to' });
    this.sliderText = h('p', { id: 'rollback-text', class: 'hint', 'aria-live': 'polite' });
    this.apply = h('button', { type: 'button', id: 'rollback-apply', class: 'primary', disabled: true, onclick: () => void this.applyRollback() }, 'Roll back to T');
    this.rollback = h(
      'div',
      { id: 'rollback', class: 'admin-stack', hidden: true },
      h('label', {}, 'T ', this.slider),
      this.sliderText,
      h('div', { class: 'row' }, this.apply, h('button', { type: 'button', id: 'rollback-cancel', onclick: () => this.closeRollback() }, 'Cancel')),
    );
    this.slider.addEventListener('input', () => this.slid());
    this.element = h(
      'section',
      { id: 'area-tools', class: 'admin-section', 'aria-labelledby': 'area-heading' },
      h('h2', { id: 'area-heading' }, 'Area'),
      h('button', { type: 'button', id: 'area-select', onclick: () => void this.select() }, 'Select an area'),
      this.areaText,
      h('div', { class: 'area-fields' }, ...this.fields.map((field, i) => h('label', {}, ['X', 'Y', 'Width', 'Height'][i]!, ' ', field))),
      h('label', {}, 'Lock reason ', this.lockReason),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', id: 'area-lock', onclick: () => void this.lock() }, 'Lock area'),
        h('button', { type: 'button', id: 'area-rollback', onclick: () => void this.openRollback() }, 'Roll back area…'),
      ),
      this.rollback,
      h('h3', {}, 'Locks'),
      this.locks,
    );
  }

  boardChanged(): void {
    this.useArea(null);
    void this.refreshLocks();
  }

  private async select(): Promise<void> {
    this.closeRollback();
    this.areaText.textContent = 'Drag over the board from one corner to the other (Esc cancels)';
    this.useArea(await this.host.picker.pick('rect'));
  }

  /** Makes `rect` the area the tools act on (outlined on the board); null: none. */
  useArea(rect: Rect | null): void {
    this.closeRollback();
    this.area = rect;
    this.host.picker.show(rect);
    this.areaText.textContent = rect === null ? 'No area selected' : `${rect.width}×${rect.height} from ${rect.x}, ${rect.y}`;
    const values = rect === null ? ['', '', '', ''] : [rect.x, rect.y, rect.width, rect.height].map(String);
    this.fields.forEach((field, i) => (field.value = values[i]!));
  }

  private typed(): void {
    const [x, y, width, height] = this.fields.map((field) => Math.floor(Number(field.value)));
    const whole = [x, y, width, height].every((v) => Number.isFinite(v)) && this.fields.every((f) => f.value !== '');
    if (whole && x! >= 0 && y! >= 0 && width! >= 1 && height! >= 1) this.useArea({ x: x!, y: y!, width: width!, height: height! });
  }

  private need(): { board: string; area: Rect } | null {
    const board = this.host.boardId();
    if (board === null || this.area === null) {
      this.host.toast('Select an area first', 'info');
      return null;
    }
    return { board, area: this.area };
  }

  private async lock(): Promise<void> {
    const at = this.need();
    if (at === null) return;
    try {
      await api('POST', `/api/admin/boards/${encodeURIComponent(at.board)}/locks`, { ...at.area, reason: this.lockReason.value.trim() });
      this.host.toast('Area locked', 'success');
      this.lockReason.value = '';
      this.useArea(null);
      await this.refreshLocks();
    } catch (err) {
      this.host.toast(`Not locked: ${failure(err)}`, 'error');
    }
  }

  async refreshLocks(): Promise<void> {
    const board = this.host.boardId();
    if (board === null) return;
    try {
      const { locks } = await api<{ locks: Lock[] }>('GET', `/api/boards/${encodeURIComponent(board)}/locks`);
      this.locks.replaceChildren(
        ...(locks.length === 0 ? [h('li', {}, 'None')] : locks.map((lock) =>
          h('li', { 'data-lock': lock.id },
            h('span', {}, `${lock.width}×${lock.height} from ${lock.x}, ${lock.y}${lock.reason ? ` · ${lock.reason}` : ''}`),
            h('button', { type: 'button', class: 'lock-remove', onclick: () => void this.unlock(board, lock.id) }, 'Unlock'),
          ))),
      );
    } catch (err) {
      this.locks.replaceChildren(h('li', {}, failure(err)));
    }
  }

  private async unlock(board: string, id: number): Promise<void> {
    try {
      await api('DELETE', `/api/admin/boards/${encodeURIComponent(board)}/locks/${id}`);
      this.host.toast('Area unlocked', 'success');
    } catch (err) {
      this.host.toast(`Not unlocked: ${failure(err)}`, 'error');
    }
    await this.refreshLocks();
  }

  // ---- rollback ----

  private async openRollback(): Promise<void> {
    const at = this.need();
    if (at === null) return;
    try {
      this.times = await areaTimes(at.board, at.area);
    } catch (err) {
      this.host.toast(`No history: ${failure(err)}`, 'error');
      return;
    }
    this.slider.max = String(this.times.length);
    this.slider.value = String(this.times.length);
    this.rollback.hidden = false;
    this.slid();
    this.slider.focus();
  }

  private closeRollback(): void {
    this.rollback.hidden = true;
    this.rollbackAt = null;
    this.previewToken++;
    this.host.picker.setPreview(null);
  }

  /** Position k < n: T just before the (k+1)-th oldest placement inside the area; n: now. */
  private slid(): void {
    const k = Number(this.slider.value);
    const n = this.times.length;
    if (k >= n) {
      this.rollbackAt = null;
      this.sliderText.textContent = n === 0 ? 'Nothing placed here in the last 24 hours: nothing to roll back' : `Now (${n} placement time${n === 1 ? '' : 's'} here in the last 24 hours)`;
      this.apply.disabled = true;
      this.previewToken++;
      this.host.picker.setPreview(null);
      return;
    }
    const at = this.times[k]! - 1;
    this.rollbackAt = at;
    this.apply.disabled = false;
    this.sliderText.textContent = `T = ${formatTime(at)}: undoes the last ${n - k} placement time${n - k === 1 ? '' : 's'} here (preview on the board)`;
    void this.loadPreview(at);
  }

  private async loadPreview(at: number): Promise<void> {
    const board = this.host.boardId();
    if (board === null) return;
    const token = ++this.previewToken;
    const image = new Image();
    image.src = `/api/boards/${encodeURIComponent(board)}/image.png?at=${at}`;
    try {
      await image.decode();
    } catch {
      if (token === this.previewToken) this.sliderText.textContent += ' (no preview: the image could not be loaded)';
      return;
    }
    if (token === this.previewToken) this.host.picker.setPreview(image);
  }

  private async applyRollback(): Promise<void> {
    const at = this.need();
    if (at === null || this.rollbackAt === null) return;
    try {
      const { pixels } = await api<{ pixels: number }>('POST', `/api/admin/boards/${encodeURIComponent(at.board)}/rollback`, { ...at.area, at: this.rollbackAt });
      this.host.toast(`Rolled back: ${pixels} pixel${pixels === 1 ? '' : 's'} rewritten`, 'success');
      this.useArea(null);
    } catch (err) {
      this.host.toast(`Not rolled back: ${failure(err)}`, 'error');
    }
  }
}

const SLIDER_WINDOW_MS = 24 * 3_600_000;
const SLIDER_MAX_PLACEMENTS = 5_000;

/**
 * The distinct times of the area's placements in the last 24 hours, oldest first: its own
 * history (GET …/area/history), page by page, the newest 5,000 at most.
 */
async function areaTimes(board: string, area: Rect): Promise<number[]> {
  const { x, y, width, height } = area;
  const base = `/api/boards/${encodeURIComponent(board)}/area/history?x=${x}&y=${y}&width=${width}&height=${height}&from=${Date.now() - SLIDER_WINDOW_MS}&limit=1000`;
  const times = new Set<number>();
  let cursor: string | null = null;
  let seen = 0;
  do {
    const page: { items: Placement[]; next: string | null } = await api('GET', cursor === null ? base : `${base}&cursor=${encodeURIComponent(cursor)}`);
    for (const p of page.items) times.add(p.timeMs);
    seen += page.items.length;
    cursor = page.next;
  } while (cursor !== null && seen < SLIDER_MAX_PLACEMENTS);
  return [...times].sort((a, b) => a - b);
}
