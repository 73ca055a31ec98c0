// Short messages at the top of the board that go away by themselves. One toast
// per cause: the same cause again while its toast is up updates the text and
// counts (×3) instead of stacking a second one (a stroke refused many times in
// a row, clicks during a cooldown).

export type ToastKind = 'info' | 'error' | 'success';

const SHOW_MS = 4_000;
const MAX_VISIBLE = 3;

interface Visible {
  element: HTMLElement;
  text: HTMLElement;
  count: number;
  timer: number;
}

export class Toasts {
  /** Every toast shown, newest last: for tests. */
  readonly history: { text: string; kind: ToastKind; cause: string }[] = [];
  private readonly visible = new Map<string, Visible>();

  constructor(readonly container: HTMLElement) {}

  /** Shows `text`; `cause` (the text itself unless given) decides what coalesces. */
  show(text: string, kind: ToastKind = 'info', cause: string = text): void {
    this.history.push({ text, kind, cause });
    if (this.history.length > 100) this.history.shift();
    const existing = this.visible.get(cause);
    if (existing !== undefined) {
      existing.count++;
      existing.text.textContent = text;
      existing.element.className = `toast toast-${kind}`;
      this.renderCount(existing);
      clearTimeout(existing.timer);
      existing.timer = window.setTimeout(() => this.remove(cause), SHOW_MS);
      return;
    }
    const element = document.createElement('div');
    element.className = `toast toast-${kind}`;
    const span = document.createElement('span');
    span.textContent = text;
    element.append(span);
    this.container.append(element);
    this.visible.set(cause, { element, text: span, count: 1, timer: window.setTimeout(() => this.remove(cause), SHOW_MS) });
    if (this.visible.size > MAX_VISIBLE) this.remove(this.visible.keys().next().value!);
  }

  /** The toasts on screen now: their text and how many times each was shown. */
  get onScreen(): { text: string; count: number }[] {
    return [...this.visible.values()].map((t) => ({ text: t.text.textContent ?? '', count: t.count }));
  }

  private renderCount(toast: Visible): void {
    let badge = toast.element.querySelector<HTMLElement>('.count');
    if (badge === null) {
      badge = document.createElement('span');
      badge.className = 'count';
      toast.element.append(badge);
    }
    badge.textContent = `×${toast.count}`;
  }

  private remove(cause: string): void {
    const toast = this.visible.get(cause);
    if (toast === undefined) return;
    clearTimeout(toast.timer);
    toast.element.remove();
    this.visible.delete(cause);
  }
}
