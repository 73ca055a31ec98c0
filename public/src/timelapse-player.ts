// The timelapse player: the board's whole history replayed in a dialog. One request for
// the stream (GET /api/boards/:id/timelapse, decoded as it arrives) and one for the start
// snapshot (image.png?at= just before the first record), never one per frame. The frame is
// the start image with the records up to the playhead applied to it: moving forward applies
// the next records, moving back starts again from the start image.
import type { BoardJson } from '../../src/protocol/messages.js';
import { errorText, HistoryRecords, MAX_HISTORY_PIXELS } from './history-records.js';
import { formatTime } from './pixel-info.js';

export const SPEEDS = [1, 10, 100, 1000];

export interface PlayerElements {
  dialog: HTMLDialogElement;
  canvas: HTMLCanvasElement;
  note: HTMLElement;
  play: HTMLButtonElement;
  speed: HTMLSelectElement;
  scrub: HTMLInputElement;
  time: HTMLElement;
  start: HTMLElement;
  end: HTMLElement;
  jump: HTMLInputElement;
  go: HTMLButtonElement;
  close: HTMLButtonElement;
}

export class TimelapsePlayer {
  records: HistoryRecords | null = null;
  /** Where the frame is, in unix ms, and how many records it shows. */
  playheadMs = 0;
  applied = 0;
  playing = false;
  speed = 1;
  /** Set when the stream and the start image are in. */
  loaded = false;
  private abort = new AbortController();
  private image: ImageData | null = null;
  private words: Uint32Array | null = null;
  private startWords: Uint32Array | null = null;
  private paletteWords = new Uint32Array(0);
  private lastFrame = 0;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(private readonly ui: PlayerElements) {
    this.ctx = ui.canvas.getContext('2d')!;
    ui.speed.replaceChildren(
      ...SPEEDS.map((speed) => {
        const option = document.createElement('option');
        option.value = String(speed);
        option.textContent = `${speed}×`;
        return option;
      }),
    );
    ui.play.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    ui.speed.addEventListener('change', () => (this.speed = Number(ui.speed.value)));
    ui.scrub.addEventListener('input', () => {
      this.pause();
      this.seek(this.startMs + Number(ui.scrub.value));
    });
    ui.go.addEventListener('click', () => this.jumpTo(ui.jump.value));
    ui.jump.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.jumpTo(ui.jump.value);
    });
    ui.close.addEventListener('click', () => ui.dialog.close());
    ui.dialog.addEventListener('close', () => this.stop());
  }

  get isOpen(): boolean {
    return this.ui.dialog.open;
  }

  /** The timeline's start: just before the first record, the start snapshot's time. */
  get startMs(): number {
    return this.records === null ? 0 : this.records.startMs - 1;
  }

  /** Opens the player on a board and loads its history. */
  async open(board: BoardJson): Promise<void> {
    this.stop();
    this.abort = new AbortController();
    this.loaded = false;
    this.records = null;
    this.ui.dialog.showModal();
    this.setControls(false);
    if (board.width * board.height > MAX_HISTORY_PIXELS) {
      this.ui.note.textContent = `${board.title} (${board.width}×${board.height}) is too large to replay here: download its timelapse instead.`;
      return;
    }
    this.ui.note.textContent = 'Loading the history…';
    const signal = this.abort.signal;
    try {
      const records = await HistoryRecords.fetch(`/api/boards/${encodeURIComponent(board.id)}/timelapse`, signal, (r) => {
        this.ui.note.textContent = `Loading the history… ${r.count.toLocaleString('en')} placements`;
      });
      if (records.count === 0) {
        this.ui.note.textContent = 'Nothing has been placed on this board yet.';
        return;
      }
      await this.loadStart(board, records, signal);
      if (signal.aborted) return;
      this.records = records;
      this.ui.scrub.max = String(records.endMs - this.startMs);
      this.ui.start.textContent = formatTime(this.startMs);
      this.ui.end.textContent = formatTime(records.endMs);
      this.ui.note.textContent = `${records.count.toLocaleString('en')} placements${records.complete ? '' : ' (the stream ended early: the last ones are missing)'}`;
      this.loaded = true;
      this.setControls(true);
      this.seek(records.endMs);
    } catch (err) {
      if (!signal.aborted) this.ui.note.textContent = `Could not load the timelapse: ${(err as Error).message}`;
    }
  }

  play(): void {
    if (!this.loaded || this.playing) return;
    if (this.playheadMs >= this.records!.endMs) this.seek(this.startMs); // from the start again
    this.playing = true;
    this.ui.play.textContent = 'Pause';
    this.ui.play.setAttribute('aria-pressed', 'true');
    this.lastFrame = performance.now();
    requestAnimationFrame((now) => this.tick(now));
  }

  pause(): void {
    this.playing = false;
    this.ui.play.textContent = 'Play';
    this.ui.play.setAttribute('aria-pressed', 'false');
  }

  /** Shows the board as it was at `timeMs` (clamped to the history). */
  seek(timeMs: number): void {
    const records = this.records;
    if (records === null || this.words === null || this.startWords === null) return;
    const t = Math.min(records.endMs, Math.max(this.startMs, timeMs));
    const target = records.indexAfter(t);
    if (target < this.applied) {
      this.words.set(this.startWords);
      this.applied = 0;
    }
    const words = this.words;
    const palette = this.paletteWords;
    for (let i = this.applied; i < target; i++) records.forEachPixel(i, (offset, color) => (words[offset] = palette[color]!));
    this.applied = target;
    this.playheadMs = t;
    this.ctx.putImageData(this.image!, 0, 0);
    this.ui.scrub.value = String(t - this.startMs);
    this.ui.time.textContent = formatTime(t);
    this.ui.scrub.setAttribute('aria-valuetext', formatTime(t));
  }

  private tick(now: number): void {
    if (!this.playing || this.records === null) return;
    const elapsed = now - this.lastFrame;
    this.lastFrame = now;
    this.seek(this.playheadMs + elapsed * this.speed);
    if (this.playheadMs >= this.records.endMs) this.pause();
    else requestAnimationFrame((t) => this.tick(t));
  }

  /** "Jump to": a local date and time from the datetime-local field. */
  private jumpTo(value: string): void {
    const ms = new Date(value).getTime();
    if (!Number.isFinite(ms)) return;
    this.pause();
    this.seek(ms);
  }

  /** The board just before the first record, from the time-travel image. */
  private async loadStart(board: BoardJson, records: HistoryRecords, signal: AbortSignal): Promise<void> {
    const response = await fetch(`/api/boards/${encodeURIComponent(board.id)}/image.png?at=${records.startMs - 1}`, { signal });
    if (!response.ok) throw new Error(await errorText(response));
    const bitmap = await createImageBitmap(await response.blob());
    const { width, height, palette } = records.header!;
    this.ui.canvas.width = width;
    this.ui.canvas.height = height;
    this.ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
    this.image = this.ctx.getImageData(0, 0, width, height);
    this.words = new Uint32Array(this.image.data.buffer);
    this.startWords = this.words.slice();
    this.applied = 0;
    this.paletteWords = new Uint32Array(palette.length / 3);
    for (let i = 0; i < this.paletteWords.length; i++) {
      this.paletteWords[i] = (0xff000000 | (palette[i * 3 + 2]! << 16) | (palette[i * 3 + 1]! << 8) | palette[i * 3]!) >>> 0;
    }
  }

  private setControls(enabled: boolean): void {
    for (const control of [this.ui.play, this.ui.speed, this.ui.scrub, this.ui.jump, this.ui.go]) control.disabled = !enabled;
    if (!enabled) {
      this.ui.time.textContent = '';
      this.ui.start.textContent = '';
      this.ui.end.textContent = '';
    }
  }

  private stop(): void {
    this.abort.abort();
    this.pause();
  }
}
