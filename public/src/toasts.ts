// Short messages in a corner of the screen that go away by themselves. The same
// text shown again while still up resets its timer instead of stacking up
// (a stroke can be refused many times in a row for the same reason).

export type ToastKind = 'info' | 'error' | 'success';

const SHOW_MS = 4_000;
const MAX_VISIBLE = 4;

export class Toasts {
  /** Every toast shown, newest last: for tests. */
  readonly history: { text: string; kind: ToastKind }[] = [];
  private readonly visible = new Map<string, { element: HTMLElement; timer: number }>();

  constructor(private readonly container: HTMLElement) {}

  show(text: string, kind: ToastKind = 'info'): void {
    this.history.push({ text, kind });
    if (this.history.length > 100) this.history.shift();
    const existing = this.visible.get(text);
    if (existing !== undefined) {
      clearTimeout(existing.timer);
      existing.timer = window.setTimeout(() => this.remove(text), SHOW_MS);
      return;
    }
    const element = document.createElement('div');
    element.className = `toast toast-${kind}`;
    element.textContent = text;
    this.container.append(element);
    this.visible.set(text, { element, timer: window.setTimeout(() => this.remove(text), SHOW_MS) });
    if (this.visible.size > MAX_VISIBLE) this.remove(this.visible.keys().next().value!);
  }

  private remove(text: string): void {
    const toast = this.visible.get(text);
    if (toast === undefined) return;
    clearTimeout(toast.timer);
    toast.element.remove();
    this.visible.delete(text);
  }
}
