// The templates panel: load an image (file, drag-and-drop onto the page, paste),
// place it, tune it, step through the pixels still to do, share it as a link.
import { decodeImage, fitWithin, quantize } from './image-quantize.js';
import type { Palette } from './palette.js';
import type { TemplateLayer } from './template-layer.js';
import { encodeShare, MAX_TEMPLATE_SIDE, newTemplate, type Template, type TemplateStore } from './templates.js';
import type { ToastKind } from './toasts.js';
import type { HashState } from './hash-state.js';

export interface TemplateHost {
  board(): { id: string; width: number; height: number; palette: Palette } | null;
  /** Where a new template goes: centred on the view. */
  viewCentre(): { x: number; y: number };
  /** The board pixel under a point of the page, or null off the canvas. */
  boardPointAt(clientX: number, clientY: number): { x: number; y: number } | null;
  /** Moves the view and the cursor to a pixel and picks its colour. */
  jumpTo(x: number, y: number, color: number): void;
  /** Templates changed: subscriptions and the screen must follow. */
  changed(): void;
  shareState(): HashState;
  toast(text: string, kind?: ToastKind): void;
}

export interface TemplatePanelElements {
  panel: HTMLElement;
  toggle: HTMLButtonElement;
  file: HTMLInputElement;
  select: HTMLSelectElement;
  controls: HTMLElement;
  x: HTMLInputElement;
  y: HTMLInputElement;
  opacity: HTMLInputElement;
  visible: HTMLInputElement;
  onlyDiff: HTMLInputElement;
  stats: HTMLElement;
  next: HTMLButtonElement;
  share: HTMLButtonElement;
  remove: HTMLButtonElement;
}

export class TemplatePanel {
  /** The template the controls edit. */
  active: Template | null = null;
  /** The last share link made (tests read it; the clipboard may be unavailable). */
  lastShareLink = '';
  private lastJump = -1;

  constructor(
    private readonly ui: TemplatePanelElements,
    private readonly store: TemplateStore,
    private readonly layer: TemplateLayer,
    private readonly host: TemplateHost,
  ) {
    ui.toggle.addEventListener('click', () => this.setOpen(ui.panel.hidden));
    ui.file.addEventListener('change', () => {
      const file = ui.file.files?.[0];
      if (file) void this.addImage(file, file.name);
      ui.file.value = '';
    });
    ui.select.addEventListener('change', () => this.activate(this.store.get(ui.select.value) ?? null));
    const edit = (apply: (t: Template) => void) => () => {
      if (this.active === null) return;
      apply(this.active);
      this.store.save();
      this.layer.invalidate(this.active);
      this.host.changed();
      this.refreshStats();
    };
    ui.x.addEventListener('input', edit((t) => (t.x = clampInt(ui.x.value, 0, 65535, t.x))));
    ui.y.addEventListener('input', edit((t) => (t.y = clampInt(ui.y.value, 0, 65535, t.y))));
    ui.opacity.addEventListener('input', edit((t) => (t.opacity = Number(ui.opacity.value))));
    ui.visible.addEventListener('change', edit((t) => (t.visible = ui.visible.checked)));
    ui.onlyDiff.addEventListener('change', edit((t) => (t.onlyDiff = ui.onlyDiff.checked)));
    ui.next.addEventListener('click', () => this.jumpToNextDiffering());
    ui.share.addEventListener('click', () => void this.share());
    ui.remove.addEventListener('click', () => this.removeActive());
    this.listenForDropAndPaste();
  }

  setOpen(open: boolean): void {
    this.ui.panel.hidden = !open;
    this.ui.toggle.setAttribute('aria-expanded', String(open));
  }

  /** The board changed: show its templates. */
  showBoard(boardId: string): void {
    const templates = this.store.forBoard(boardId);
    this.renderList(templates);
    this.activate(templates[0] ?? null);
  }

  /** Quantises an image to the board's palette and adds it as a template at (x, y), or centred on the view. */
  async addImage(blob: Blob, name: string, at?: { x: number; y: number }): Promise<Template | null> {
    const board = this.host.board();
    if (board === null) return null;
    try {
      const bitmap = await decodeImage(blob);
      const size = fitWithin(bitmap.width, bitmap.height, Math.min(MAX_TEMPLATE_SIDE, board.width, board.height));
      const image = quantize(bitmap, size.width, size.height, board.palette);
      bitmap.close();
      const centre = at ?? this.host.viewCentre();
      const x = Math.max(0, Math.min(board.width - size.width, Math.round(at ? centre.x : centre.x - size.width / 2)));
      const y = Math.max(0, Math.min(board.height - size.height, Math.round(at ? centre.y : centre.y - size.height / 2)));
      const template = newTemplate(board.id, name || 'Template', image, x, y);
      this.adopt(template);
      this.host.toast(`Template "${template.name}" added at ${x}, ${y} (${size.width}×${size.height})`, 'success');
      return template;
    } catch (err) {
      this.host.toast(`Could not use that image: ${(err as Error).message}`, 'error');
      return null;
    }
  }

  /** Adds a ready template (a shared link) to the current board. */
  adopt(template: Template): void {
    this.store.add(template);
    const templates = this.store.forBoard(template.boardId);
    this.layer.templates = templates;
    this.renderList(templates);
    this.activate(template);
    this.setOpen(true);
    this.host.changed();
  }

  jumpToNextDiffering(): boolean {
    const template = this.active;
    if (template === null) return false;
    const next = this.layer.nextDiffering(template, this.lastJump);
    if (next === null) {
      this.host.toast('Every loaded pixel of the template matches the board', 'success');
      return false;
    }
    this.lastJump = next.index;
    this.host.jumpTo(next.x, next.y, next.color);
    return true;
  }

  /** Updates the "N differing" line (called every frame the board changed; cheap when nothing did). */
  refreshStats(): void {
    const template = this.active;
    if (template === null) {
      this.ui.stats.textContent = '';
      return;
    }
    const stats = this.layer.stats(template);
    const unknown = stats.unknown > 0 ? ` (${stats.unknown} not loaded)` : '';
    const text = `${stats.differing} of ${stats.total} pixels differ${unknown}`;
    if (this.ui.stats.textContent !== text) this.ui.stats.textContent = text;
  }

  private async share(): Promise<void> {
    if (this.active === null) return;
    const state = { ...this.host.shareState(), template: await encodeShare(this.active) };
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(state)) if (value !== undefined) params.set(key === 'template' ? 't' : key, String(value));
    this.lastShareLink = `${location.origin}${location.pathname}#${params.toString()}`;
    try {
      await navigator.clipboard.writeText(this.lastShareLink);
      this.host.toast('Template link copied', 'success');
    } catch {
      window.prompt('Template link', this.lastShareLink);
    }
  }

  private removeActive(): void {
    if (this.active === null) return;
    const boardId = this.active.boardId;
    this.store.remove(this.active.id);
    const templates = this.store.forBoard(boardId);
    this.layer.templates = templates;
    this.renderList(templates);
    this.activate(templates[0] ?? null);
    this.host.changed();
  }

  private activate(template: Template | null): void {
    this.active = template;
    this.lastJump = -1;
    this.ui.controls.hidden = template === null;
    if (template !== null) {
      this.ui.select.value = template.id;
      this.ui.x.value = String(template.x);
      this.ui.y.value = String(template.y);
      this.ui.opacity.value = String(template.opacity);
      this.ui.visible.checked = template.visible;
      this.ui.onlyDiff.checked = template.onlyDiff;
    }
    this.refreshStats();
  }

  private renderList(templates: Template[]): void {
    this.ui.select.replaceChildren(
      ...templates.map((t) => {
        const option = document.createElement('option');
        option.value = t.id;
        option.textContent = `${t.name} (${t.width}×${t.height} at ${t.x}, ${t.y})`;
        return option;
      }),
    );
    this.ui.select.disabled = templates.length === 0;
  }

  private listenForDropAndPaste(): void {
    window.addEventListener('dragover', (event) => {
      if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
    });
    window.addEventListener('drop', (event) => {
      const file = [...(event.dataTransfer?.files ?? [])].find((f) => f.type.startsWith('image/'));
      if (file === undefined) return;
      event.preventDefault();
      const at = this.host.boardPointAt(event.clientX, event.clientY) ?? undefined;
      void this.addImage(file, file.name, at);
    });
    window.addEventListener('paste', (event) => {
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, textarea')) return;
      const file = [...(event.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/'));
      if (file === undefined) return;
      event.preventDefault();
      void this.addImage(file, 'Pasted image');
    });
  }
}

function clampInt(raw: string, min: number, max: number, fallback: number): number {
  const value = Math.round(Number(raw));
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}
