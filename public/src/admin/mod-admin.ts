// Admins' board tools: runtime settings (open or frozen, the event window, the rate buckets)
// and the board reset with the server's two-step confirmation.
import { api, ApiError, failure, h, type BoardSettings } from './api.js';

export interface AdminHost {
  boardId(): string | null;
  boardTitle(): string;
  toast(text: string, kind: 'info' | 'error' | 'success'): void;
}

export class AdminTools {
  readonly settingsElement: HTMLElement;
  readonly resetElement: HTMLElement;
  private readonly open: HTMLInputElement;
  private readonly opensAt: HTMLInputElement;
  private readonly closesAt: HTMLInputElement;
  private readonly buckets: HTMLTextAreaElement;
  private loadedBuckets = '';
  private readonly resetConfirm: HTMLButtonElement;
  private readonly resetText: HTMLElement;
  private confirmToken: string | null = null;

  constructor(private readonly host: AdminHost) {
    this.open = h('input', { type: 'checkbox', id: 'settings-open' });
    this.opensAt = h('input', { type: 'datetime-local', id: 'settings-opens', step: 1 });
    this.closesAt = h('input', { type: 'datetime-local', id: 'settings-closes', step: 1 });
    this.buckets = h('textarea', { id: 'settings-buckets', rows: 4, spellcheck: 'false', 'aria-describedby': 'settings-buckets-hint' });
    this.settingsElement = h(
      'form',
      { id: 'settings', class: 'admin-section admin-stack', 'aria-labelledby': 'settings-heading', onsubmit: (e: Event) => void this.save(e) },
      h('h2', { id: 'settings-heading' }, 'Board settings'),
      h('label', { class: 'toggle' }, this.open, ' Open (unticked: frozen, read-only)'),
      h('label', {}, 'Opens at ', this.opensAt),
      h('label', {}, 'Closes at ', this.closesAt),
      h('label', { for: 'settings-buckets' }, 'Rate buckets (JSON)'),
      this.buckets,
      h('p', { id: 'settings-buckets-hint', class: 'hint' }, 'Empty: the configuration\'s. Times are local; empty: no bound.'),
      h('div', { class: 'row' },
        h('button', { type: 'submit', id: 'settings-save', class: 'primary' }, 'Save settings'),
        h('button', { type: 'button', id: 'settings-reload', onclick: () => void this.load() }, 'Reload')),
    );
    this.resetText = h('p', { id: 'reset-text', class: 'hint', 'aria-live': 'polite' });
    this.resetConfirm = h('button', { type: 'button', id: 'reset-confirm', class: 'danger', hidden: true, onclick: () => void this.reset(true) }, 'Yes, reset it');
    this.resetElement = h(
      'section',
      { id: 'reset', class: 'admin-section', 'aria-labelledby': 'reset-heading' },
      h('h2', { id: 'reset-heading' }, 'Reset'),
      h('div', { class: 'row' }, h('button', { type: 'button', id: 'reset-start', onclick: () => void this.reset(false) }, 'Reset board to blank…'), this.resetConfirm),
      this.resetText,
    );
  }

  async load(): Promise<void> {
    const board = this.host.boardId();
    this.resetConfirm.hidden = true;
    this.resetText.textContent = '';
    if (board === null) return;
    try {
      const s = await api<BoardSettings>('GET', `/api/boards/${encodeURIComponent(board)}/settings`);
      this.open.checked = s.open;
      this.opensAt.value = toLocalInput(s.opensAt);
      this.closesAt.value = toLocalInput(s.closesAt);
      this.loadedBuckets = JSON.stringify(s.buckets);
      this.buckets.value = this.loadedBuckets;
    } catch (err) {
      this.host.toast(`Could not load the settings: ${failure(err)}`, 'error');
    }
  }

  private async save(event: Event): Promise<void> {
    event.preventDefault();
    const board = this.host.boardId();
    if (board === null) return;
    const body: Record<string, unknown> = { open: this.open.checked, opensAt: fromLocalInput(this.opensAt.value), closesAt: fromLocalInput(this.closesAt.value) };
    const text = this.buckets.value.trim();
    if (text === '') body.buckets = null;
    else if (text !== this.loadedBuckets) {
      try {
        body.buckets = JSON.parse(text);
      } catch {
        this.host.toast('The rate buckets are not valid JSON', 'error');
        return;
      }
    }
    try {
      await api('PUT', `/api/admin/boards/${encodeURIComponent(board)}/settings`, body);
      this.host.toast('Settings saved', 'success');
      await this.load();
    } catch (err) {
      this.host.toast(`Not saved: ${failure(err)}`, 'error');
    }
  }

  /** First call: the server answers with a confirmation token; the second (confirmed) resets. */
  private async reset(confirmed: boolean): Promise<void> {
    const board = this.host.boardId();
    if (board === null) return;
    const body: Record<string, unknown> = { to: 'background' };
    if (confirmed && this.confirmToken !== null) body.confirm = this.confirmToken;
    try {
      const { pixels } = await api<{ pixels: number }>('POST', `/api/admin/boards/${encodeURIComponent(board)}/reset`, body);
      this.resetText.textContent = `Reset: ${pixels} pixel${pixels === 1 ? '' : 's'} rewritten`;
      this.resetConfirm.hidden = true;
      this.confirmToken = null;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CONFIRMATION_REQUIRED' && typeof err.body?.confirm === 'string') {
        this.confirmToken = err.body.confirm;
        this.resetText.textContent = `This rewrites every pixel of ${this.host.boardTitle()} to the background, for everyone. Sure? (Valid for a minute.)`;
        this.resetConfirm.hidden = false;
        this.resetConfirm.focus();
        return;
      }
      this.resetText.textContent = `Not reset: ${failure(err)}`;
      this.resetConfirm.hidden = true;
    }
  }
}

/** ms → the value of a datetime-local input, in local time; null → ''. */
export function toLocalInput(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  return new Date(ms - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

export function fromLocalInput(value: string): number | null {
  if (value === '') return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}
