// One pixel's moderation: who placed it (its history), "report this pixel" for everyone, and
// for moderators "ban who placed this". Open it with show(x, y): the "Pick a pixel" button
// here does, and so can a pixel info view elsewhere (the hook).
import { api, atLeast, BAN_LENGTHS, failure, formatTime, h, type Ban, type Placement, type User } from './api.js';

export interface PixelHost {
  boardId(): string | null;
  user(): User | null;
  /** Now on the server's clock (ms). */
  now(): number;
  pickPixel(): Promise<{ x: number; y: number } | null>;
  toast(text: string, kind: 'info' | 'error' | 'success'): void;
  /** A ban was made (the bans list refreshes). */
  banned(): void;
}

export class PixelActions {
  readonly element: HTMLElement;
  pixel: { x: number; y: number } | null = null;
  private readonly title: HTMLElement;
  private readonly history: HTMLElement;
  private readonly reason: HTMLInputElement;
  private readonly length: HTMLSelectElement;
  private readonly banOptions: HTMLElement;
  private readonly body: HTMLElement;

  constructor(private readonly host: PixelHost) {
    this.title = h('p', { id: 'pixel-title' }, 'No pixel picked');
    this.history = h('ol', { id: 'pixel-history', class: 'admin-list' });
    this.reason = h('input', { id: 'pixel-reason', maxlength: 500, placeholder: 'What is wrong here?' });
    this.length = h('select', { id: 'pixel-ban-length' }, ...BAN_LENGTHS.map(([label], i) => h('option', { value: i }, label)));
    this.banOptions = h('label', { class: 'moderator-only' }, 'Ban for ', this.length);
    this.body = h(
      'div',
      { hidden: true, class: 'admin-stack' },
      this.history,
      h('label', {}, 'Reason ', this.reason),
      this.banOptions,
      h('button', { type: 'button', id: 'pixel-report', onclick: () => void this.report() }, 'Report this pixel'),
    );
    this.element = h(
      'section',
      { id: 'pixel-actions', class: 'admin-section', 'aria-labelledby': 'pixel-heading' },
      h('h2', { id: 'pixel-heading' }, 'Pixel'),
      h('button', { type: 'button', id: 'pixel-pick', onclick: () => void this.pickAndShow() }, 'Pick a pixel'),
      this.title,
      this.body,
    );
  }

  private async pickAndShow(): Promise<void> {
    const at = await this.host.pickPixel();
    if (at) await this.show(at.x, at.y);
  }

  /** Shows pixel (x, y) of the current board: its latest placements and the actions on them. */
  async show(x: number, y: number): Promise<void> {
    const board = this.host.boardId();
    if (board === null) return;
    this.pixel = { x, y };
    this.title.textContent = `Pixel ${x}, ${y}`;
    this.body.hidden = false;
    this.history.replaceChildren(h('li', {}, 'Loading…'));
    try {
      const { items } = await api<{ items: Placement[] }>('GET', `/api/boards/${encodeURIComponent(board)}/pixels/${x}/${y}/history?limit=10`);
      this.renderHistory(items);
    } catch (err) {
      this.history.replaceChildren(h('li', {}, failure(err)));
    }
  }

  refreshRole(): void {
    this.banOptions.hidden = !atLeast(this.host.user(), 'moderator');
    if (this.pixel) void this.show(this.pixel.x, this.pixel.y);
  }

  private renderHistory(items: Placement[]): void {
    const moderator = atLeast(this.host.user(), 'moderator');
    this.banOptions.hidden = !moderator;
    if (items.length === 0) {
      this.history.replaceChildren(h('li', {}, 'Never placed: background'));
      return;
    }
    this.history.replaceChildren(
      ...items.map((item) =>
        h(
          'li',
          { 'data-who': item.who },
          h('span', {}, `${formatTime(item.timeMs)} · colour ${item.color + 1} · ${item.name ?? item.who}`),
          moderator ? h('button', { type: 'button', class: 'pixel-ban', onclick: () => void this.ban(item) }, 'Ban who placed this') : null,
          moderator ? h('button', { type: 'button', class: 'pixel-undo', onclick: () => void this.undo(item) }, 'Undo their last hour') : null,
        ),
      ),
    );
  }

  private async ban(item: Placement): Promise<void> {
    const length = BAN_LENGTHS[Number(this.length.value)]?.[1] ?? null;
    const reason = this.reason.value.trim() || `placed at ${item.x}, ${item.y}`;
    try {
      const body = { kind: 'session', target: item.who, reason, ...(length === null ? {} : { expiresAt: this.host.now() + length }) };
      const { ban, disconnected } = await api<{ ban: Ban; disconnected: number }>('POST', '/api/admin/bans', body);
      this.host.toast(`Banned ${item.name ?? ban.target} (${disconnected} connection${disconnected === 1 ? '' : 's'} closed)`, 'success');
      this.host.banned();
    } catch (err) {
      this.host.toast(`Not banned: ${failure(err)}`, 'error');
    }
  }

  /** The anti-raid tool: every pixel this writer placed in the last hour, on every board, goes back. */
  private async undo(item: Placement): Promise<void> {
    try {
      const { pixels } = await api<{ pixels: Record<string, number> }>('POST', '/api/admin/undo', { actor: item.who, since: this.host.now() - 3_600_000 });
      const total = Object.values(pixels).reduce((a, b) => a + b, 0);
      this.host.toast(`Undone: ${total} pixel${total === 1 ? '' : 's'} of ${item.name ?? item.who}`, 'success');
      if (this.pixel) await this.show(this.pixel.x, this.pixel.y);
    } catch (err) {
      this.host.toast(`Not undone: ${failure(err)}`, 'error');
    }
  }

  private async report(): Promise<void> {
    const board = this.host.boardId();
    if (board === null || this.pixel === null) return;
    const reason = this.reason.value.trim();
    if (reason === '') {
      this.reason.focus();
      this.host.toast('Say what is wrong, then report', 'info');
      return;
    }
    try {
      await api('POST', `/api/boards/${encodeURIComponent(board)}/reports`, { x: this.pixel.x, y: this.pixel.y, reason });
      this.reason.value = '';
      this.host.toast('Reported: thank you, a moderator will look', 'success');
    } catch (err) {
      this.host.toast(`Not reported: ${failure(err)}`, 'error');
    }
  }
}
