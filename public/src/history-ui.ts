// The history's part of the page (issue 8): pixel info, "N placed" in the status bar, the
// timelapse player, the heatmap and virgin-map overlays and the download links, wired to
// the app through a few calls (board selected, a DIFF, an ACK, a pixel inspected).
import type { BoardJson, DiffSection } from '../../src/protocol/messages.js';
import { byId } from './dom.js';
import { HistoryOverlays, type OverlayKind } from './history-overlays.js';
import { MyPlacements } from './my-placements.js';
import { PixelInfo } from './pixel-info.js';
import { isTyping } from './pointer-input.js';
import { TimelapsePlayer } from './timelapse-player.js';

export interface HistoryHost {
  board(): BoardJson | null;
  /** The pixel the I key speaks of: the keyboard cursor's, else the one pointed at. */
  focusPixel(): { x: number; y: number } | null;
  announce(text: string): void;
  toast(text: string, kind: 'error' | 'success'): void;
}

export class HistoryUi {
  readonly mine = new MyPlacements(byId('status-mine'));
  readonly overlays = new HistoryOverlays();
  readonly pixelInfo: PixelInfo;
  readonly player: TimelapsePlayer;
  private readonly overlayButtons: Record<OverlayKind, HTMLButtonElement> = {
    heatmap: byId<HTMLButtonElement>('overlay-heatmap'),
    virgin: byId<HTMLButtonElement>('overlay-virgin'),
  };

  constructor(private readonly host: HistoryHost) {
    this.pixelInfo = new PixelInfo(
      { panel: byId('pixel-info'), title: byId('pixel-info-title'), list: byId('pixel-info-list'), note: byId('pixel-info-note'), close: byId<HTMLButtonElement>('pixel-info-close') },
      { board: () => host.board(), me: () => this.mine.who, announce: (text) => host.announce(text) },
    );
    this.player = new TimelapsePlayer({
      dialog: byId<HTMLDialogElement>('timelapse'),
      canvas: byId<HTMLCanvasElement>('timelapse-canvas'),
      note: byId('timelapse-note'),
      play: byId<HTMLButtonElement>('timelapse-play'),
      speed: byId<HTMLSelectElement>('timelapse-speed'),
      scrub: byId<HTMLInputElement>('timelapse-scrub'),
      time: byId('timelapse-time'),
      start: byId('timelapse-start'),
      end: byId('timelapse-end'),
      jump: byId<HTMLInputElement>('timelapse-jump'),
      go: byId<HTMLButtonElement>('timelapse-go'),
      close: byId<HTMLButtonElement>('timelapse-close'),
    });
    byId<HTMLButtonElement>('timelapse-open').addEventListener('click', () => {
      const board = host.board();
      if (board !== null) void this.player.open(board);
    });
    for (const kind of ['heatmap', 'virgin'] as const) {
      this.overlayButtons[kind].addEventListener('click', () => void this.overlays.toggle(kind));
    }
    this.overlays.onChange = () => this.renderOverlayButtons();
    // Escape closes the panel wherever the focus is (captured: the canvas stops its Escape).
    window.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.pixelInfo.isOpen && document.querySelector('dialog[open]') === null) this.pixelInfo.close();
    }, true);
    window.addEventListener('keydown', (e) => {
      if (e.key.toLowerCase() !== 'i' || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented || isTyping(e.target)) return;
      if (document.querySelector('dialog[open]') !== null) return;
      const at = host.focusPixel();
      if (at !== null) void this.pixelInfo.show(at.x, at.y);
      e.preventDefault();
    });
  }

  /** The connection opened: the count may have changed while away. */
  connected(): void {
    this.mine.refresh();
  }

  boardSelected(board: BoardJson): void {
    this.pixelInfo.close();
    this.overlays.setBoard(board);
    const base = `/api/boards/${encodeURIComponent(board.id)}`;
    byId<HTMLAnchorElement>('download-png').href = `${base}/image.png`;
    byId<HTMLAnchorElement>('download-png').download = `${board.id}.png`;
    byId<HTMLAnchorElement>('download-ndjson').href = `${base}/placements.ndjson`;
    byId<HTMLAnchorElement>('download-csv').href = `${base}/placements.csv`;
    byId<HTMLAnchorElement>('download-timelapse').href = `${base}/timelapse`;
    byId<HTMLAnchorElement>('download-timelapse').download = `${board.id}.tlps`;
    // image.png answers only boards of up to 4096×4096 (docs/API.md).
    byId('download-png').hidden = board.width > 4096 || board.height > 4096;
  }

  diff(section: DiffSection): void {
    this.overlays.diff(section);
    const info = this.pixelInfo.pixel;
    const board = this.host.board();
    if (info === null || board === null) return;
    const size = board.chunkSize;
    if (Math.floor(info.x / size) !== section.cx || Math.floor(info.y / size) !== section.cy) return;
    const offset = (info.y % size) * size + (info.x % size);
    if (section.offsets.includes(offset)) this.pixelInfo.changed(info.x, info.y);
  }

  acknowledged(): void {
    this.mine.refresh();
  }

  private renderOverlayButtons(): void {
    for (const kind of ['heatmap', 'virgin'] as const) {
      const state = this.overlays.state[kind];
      const button = this.overlayButtons[kind];
      button.setAttribute('aria-pressed', String(state.enabled));
      button.dataset.loading = String(state.loading);
      if (state.error !== null) this.host.toast(`${kind === 'heatmap' ? 'Heatmap' : 'Virgin map'}: ${state.error}`, 'error');
    }
  }
}
