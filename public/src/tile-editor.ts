// The mosaic's tile editor: a tileSize × tileSize drawing in a dialog (brush,
// eraser, flood fill, clear, or an uploaded image resized and quantised to the
// palette), saved as one TILE_WRITE.
import type { ChunkStore } from './chunk-store.js';
import { decodeImage, quantize } from './image-quantize.js';
import { showLargePalette } from './palette-ui.js';
import type { PendingWrite, PlaceResult, Placer } from './placement.js';
import { forEachPixelOnLine } from './stroke.js';

type TileTool = 'brush' | 'eraser' | 'fill';

export interface TileEditorElements {
  dialog: HTMLDialogElement;
  title: HTMLElement;
  canvas: HTMLCanvasElement;
  palette: HTMLElement;
  tools: HTMLButtonElement[];
  clear: HTMLButtonElement;
  upload: HTMLInputElement;
  note: HTMLElement;
  save: HTMLButtonElement;
  cancel: HTMLButtonElement;
}

export interface TileEditorHost {
  /** Why tile (tx, ty) cannot be saved right now ("This tile can be saved again in 3.2 s"), or null. */
  blocked(tx: number, ty: number): string | null;
  /** Sends the tile's write (the quota counts it) and resolves with the server's answer. */
  send(write: PendingWrite): Promise<PlaceResult>;
  /** The dialog opened or closed (toasts move into it and out). */
  shown(open: boolean): void;
}

export class TileEditor {
  tx = 0;
  ty = 0;
  /** The drawing: tileSize² palette indices. */
  colors = new Uint8Array(0);
  color = 0;
  private tool: TileTool = 'brush';
  private store: ChunkStore | null = null;
  /** The cell the brush was last at while dragging (lines are drawn from it). */
  private lastCell: number | null = null;
  private saving = false;
  /** A save finished (the app toasts and announces it). */
  onSaved: (result: PlaceResult, tx: number, ty: number) => void = () => {};

  constructor(
    private readonly ui: TileEditorElements,
    private readonly placer: Placer,
    private readonly host: TileEditorHost,
  ) {
    for (const button of ui.tools) button.addEventListener('click', () => this.setTool(button.dataset.tileTool as TileTool));
    ui.clear.addEventListener('click', () => {
      this.colors.fill(this.store!.board.background);
      this.note('Cleared to the background colour.');
      this.paint();
    });
    ui.upload.addEventListener('change', () => {
      const file = ui.upload.files?.[0];
      if (file) void this.loadImage(file);
      ui.upload.value = '';
    });
    // An image dropped on the open editor is an upload (not a template for the board).
    ui.dialog.addEventListener('dragover', (event) => event.preventDefault());
    ui.dialog.addEventListener('drop', (event) => {
      event.preventDefault();
      event.stopPropagation();
      const file = [...(event.dataTransfer?.files ?? [])].find((f) => f.type.startsWith('image/'));
      if (file) void this.loadImage(file);
    });
    ui.save.addEventListener('click', () => void this.save());
    ui.cancel.addEventListener('click', () => ui.dialog.close());
    ui.dialog.addEventListener('close', () => this.host.shown(false));
    this.listenToPointer();
  }

  get isOpen(): boolean {
    return this.ui.dialog.open;
  }

  /** Opens the editor on tile (tx, ty) with the tile's current pixels. */
  async open(store: ChunkStore, tx: number, ty: number, color: number): Promise<void> {
    this.store = store;
    this.tx = tx;
    this.ty = ty;
    this.color = color;
    const size = store.board.tileSize!;
    this.colors = new Uint8Array(size * size).fill(store.board.background);
    this.ui.title.textContent = `Tile (${tx}, ${ty}): pixels ${tx * size}–${tx * size + size - 1}, ${ty * size}–${ty * size + size - 1}`;
    this.renderPalette();
    this.setTool('brush');
    this.note('Loading the tile…');
    this.paint();
    if (!this.ui.dialog.open) {
      this.ui.dialog.showModal();
      this.host.shown(true);
    }
    await this.loadCurrent();
    this.note('Draw, fill or upload an image, then save.');
    this.paint();
    this.refresh();
  }

  /** Keeps Save in step with the tile's cooldown (called every 100 ms while open). */
  refresh(): void {
    if (!this.isOpen || this.store === null || this.saving) return;
    const blocked = this.host.blocked(this.tx, this.ty);
    this.ui.save.disabled = blocked !== null;
    if (blocked !== null) this.note(blocked);
    else if (this.ui.note.dataset.blocked === 'true') this.note('Ready: save when you are.');
    this.ui.note.dataset.blocked = String(blocked !== null);
  }

  async loadImage(blob: Blob): Promise<void> {
    const store = this.store!;
    try {
      const bitmap = await decodeImage(blob);
      const size = store.board.tileSize!;
      const image = quantize(bitmap, size, size, store.palette, 'cover');
      bitmap.close();
      for (let i = 0; i < image.colors.length; i++) this.colors[i] = image.colors[i]! < 0 ? store.board.background : image.colors[i]!;
      this.note('Preview: the image resized and matched to the palette. Save to write it.');
      this.paint();
    } catch (err) {
      this.note(`Could not read that image: ${(err as Error).message}`);
    }
  }

  async save(): Promise<PlaceResult | null> {
    const blocked = this.host.blocked(this.tx, this.ty);
    if (blocked !== null) {
      this.note(blocked);
      return null;
    }
    this.saving = true;
    this.ui.save.disabled = true;
    this.note('Saving…');
    const result = await this.host.send(this.placer.beginTile(this.store!, this.tx, this.ty, this.colors.slice()));
    this.saving = false;
    this.ui.save.disabled = false;
    if (result.ok) this.ui.dialog.close();
    else this.note(`Not saved: ${result.message}`);
    this.onSaved(result, this.tx, this.ty);
    this.refresh();
    return result;
  }

  private async loadCurrent(): Promise<void> {
    const store = this.store!;
    const { tileSize, chunkSize, id } = store.board;
    const size = tileSize!;
    const x0 = this.tx * size;
    const y0 = this.ty * size;
    // Chunks this client holds give the pixels at once; the others come over HTTP.
    const fetched = new Map<number, Uint8Array | null>();
    for (let i = 0; i < size * size; i++) {
      const x = x0 + (i % size);
      const y = y0 + Math.floor(i / size);
      let color = store.colorAt(x, y);
      if (color === null) {
        const cx = Math.floor(x / chunkSize);
        const cy = Math.floor(y / chunkSize);
        const key = store.chunkIndex(cx, cy);
        if (!fetched.has(key)) fetched.set(key, await fetchChunk(id, cx, cy));
        color = fetched.get(key)?.[(y - cy * chunkSize) * chunkSize + (x - cx * chunkSize)] ?? null;
      }
      if (color !== null) this.colors[i] = color;
    }
  }

  private setTool(tool: TileTool): void {
    this.tool = tool;
    for (const button of this.ui.tools) button.setAttribute('aria-pressed', String(button.dataset.tileTool === tool));
  }

  private renderPalette(): void {
    const palette = this.store!.palette;
    const buttons = palette.hex.map((hex, i) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'swatch';
      button.style.background = hex;
      button.setAttribute('aria-label', `Colour ${i + 1}: ${hex}`);
      button.setAttribute('aria-pressed', String(i === this.color));
      button.addEventListener('click', () => {
        buttons[this.color]?.setAttribute('aria-pressed', 'false');
        this.color = i;
        button.setAttribute('aria-pressed', 'true');
        if (this.tool === 'eraser') this.setTool('brush');
      });
      return button;
    });
    this.ui.palette.replaceChildren(...buttons);
    showLargePalette(this.ui.palette, palette.size);
  }

  private listenToPointer(): void {
    const canvas = this.ui.canvas;
    const cellAt = (event: PointerEvent): number | null => {
      const size = this.store?.board.tileSize ?? 0;
      const rect = canvas.getBoundingClientRect();
      const x = Math.floor(((event.clientX - rect.left) / rect.width) * size);
      const y = Math.floor(((event.clientY - rect.top) / rect.height) * size);
      return x >= 0 && y >= 0 && x < size && y < size ? y * size + x : null;
    };
    canvas.addEventListener('pointerdown', (event) => {
      const cell = cellAt(event);
      if (cell === null) return;
      canvas.setPointerCapture(event.pointerId);
      if (this.tool === 'fill') this.fill(cell);
      else {
        this.lastCell = cell;
        this.brushLine(cell, cell);
      }
    });
    canvas.addEventListener('pointermove', (event) => {
      if (this.lastCell === null) return;
      const cell = cellAt(event);
      if (cell === null) return;
      // Pointer events come a few per frame at most: join them, or a quick drag leaves dots.
      this.brushLine(this.lastCell, cell);
      this.lastCell = cell;
    });
    const stop = () => (this.lastCell = null);
    canvas.addEventListener('pointerup', stop);
    canvas.addEventListener('pointercancel', stop);
  }

  private brushLine(from: number, to: number): void {
    const size = this.store!.board.tileSize!;
    const color = this.tool === 'eraser' ? this.store!.board.background : this.color;
    forEachPixelOnLine(from % size, Math.floor(from / size), to % size, Math.floor(to / size), (x, y) => {
      this.colors[y * size + x] = color;
    });
    this.paint();
  }

  /** Flood fill of the 4-connected area of one colour. */
  private fill(cell: number): void {
    const size = this.store!.board.tileSize!;
    const from = this.colors[cell]!;
    const to = this.color;
    if (from === to) return;
    const stack = [cell];
    while (stack.length > 0) {
      const at = stack.pop()!;
      if (this.colors[at] !== from) continue;
      this.colors[at] = to;
      const x = at % size;
      if (x > 0) stack.push(at - 1);
      if (x < size - 1) stack.push(at + 1);
      if (at >= size) stack.push(at - size);
      if (at < size * size - size) stack.push(at + size);
    }
    this.paint();
  }

  private paint(): void {
    const store = this.store;
    if (store === null) return;
    const size = store.board.tileSize!;
    const canvas = this.ui.canvas;
    const ctx = canvas.getContext('2d')!;
    const cell = canvas.width / size;
    for (let i = 0; i < this.colors.length; i++) {
      ctx.fillStyle = store.palette.hex[this.colors[i]!]!;
      ctx.fillRect((i % size) * cell, Math.floor(i / size) * cell, cell, cell);
    }
    ctx.beginPath();
    for (let k = 0; k <= size; k++) {
      ctx.moveTo(k * cell, 0);
      ctx.lineTo(k * cell, canvas.height);
      ctx.moveTo(0, k * cell);
      ctx.lineTo(canvas.width, k * cell);
    }
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.12)';
    ctx.lineWidth = 1;
    ctx.stroke();
  }

  private note(text: string): void {
    this.ui.note.textContent = text;
  }
}

/** A chunk's palette indices over HTTP (GET /api/boards/:id/chunks/:cx/:cy); null if unavailable. */
async function fetchChunk(boardId: string, cx: number, cy: number): Promise<Uint8Array | null> {
  try {
    const response = await fetch(`/api/boards/${encodeURIComponent(boardId)}/chunks/${cx}/${cy}`);
    return response.ok ? new Uint8Array(await response.arrayBuffer()) : null;
  } catch {
    return null;
  }
}
