// Wires the client together: the connection's messages go to the chunk store,
// placements and status; the viewport decides the subscriptions; the tools and
// inputs turn clicks and keys into writes.
import {
  decodeChunkPixels,
  parseHello,
  type BoardJson,
  type ChunkMessage,
  type DiffSection,
  type HelloJson,
  type ServerMessage,
} from '../../src/protocol/messages.js';
import { Announcer } from './announcer.js';
import { ChunkStore } from './chunk-store.js';
import { Connection, type ConnectionState } from './connection.js';
import { Cooldowns } from './cooldown.js';
import { byId } from './dom.js';
import { HashWriter, readHash, type HashState } from './hash-state.js';
import { Keyboard } from './keyboard.js';
import { Notifier } from './notifier.js';
import { GridLayer, PixelMarker } from './overlays.js';
import { OverviewLayer } from './overview.js';
import { Palette } from './palette.js';
import { PaletteUi } from './palette-ui.js';
import { Placer, type PlaceResult, type PendingWrite } from './placement.js';
import { PointerInput } from './pointer-input.js';
import { Renderer } from './renderer.js';
import { StatusBar } from './status-bar.js';
import { Stroke } from './stroke.js';
import { Subscriptions } from './subscriptions.js';
import { TemplateLayer } from './template-layer.js';
import { TemplatePanel } from './template-panel.js';
import { decodeShare, TemplateStore } from './templates.js';
import { TileEditor } from './tile-editor.js';
import { Toasts } from './toasts.js';
import { Tools } from './tools.js';
import { MAX_ZOOM, Viewport, type View } from './viewport.js';
import { chunksToWatch } from './visible-chunks.js';

/** The zoom the Z toggle goes to, and the one "jump to pixel" uses at least. */
const CLOSE_ZOOM = 16;
/** Boards with more chunks than this get the overview pyramid under their live chunks. */
const OVERVIEW_MIN_CHUNKS = 400;

export interface CurrentBoard {
  info: BoardJson;
  palette: Palette;
  store: ChunkStore;
  overview: OverviewLayer | null;
  /** performance.now() when it was selected, and when every wanted chunk was first on screen. */
  selectedAt: number;
  fullyDrawnAt: number | null;
}

export class App {
  boards: BoardJson[] = [];
  board: CurrentBoard | null = null;
  live = true;
  readonly online = new Map<number, number>();
  readonly viewport = new Viewport();
  readonly canvas = byId<HTMLCanvasElement>('board');
  readonly renderer = new Renderer(this.canvas, this.viewport);
  readonly connection: Connection;
  readonly subscriptions: Subscriptions;
  readonly placer: Placer;
  readonly cooldowns = new Cooldowns();
  readonly toasts = new Toasts(byId('toasts'));
  readonly announcer = new Announcer(byId('announcer'));
  readonly status = new StatusBar({
    connection: byId('status-connection'),
    latency: byId('status-latency'),
    online: byId('status-online'),
    cooldown: byId('status-cooldown'),
    hover: byId('hover-info'),
  });
  readonly palette = new PaletteUi(byId('palette'), byId('recent'), byId<HTMLInputElement>('custom-colour'));
  readonly tools = new Tools({
    brush: byId<HTMLButtonElement>('tool-brush'),
    eraser: byId<HTMLButtonElement>('tool-eraser'),
    tile: byId<HTMLButtonElement>('tool-tile'),
    grid: byId<HTMLButtonElement>('tool-grid'),
  });
  readonly grid = new GridLayer();
  readonly hoverMarker = new PixelMarker('rgba(0, 0, 0, 0.7)', 1);
  readonly cursor = new PixelMarker('#ff2d95', 2);
  readonly templates = new TemplateStore();
  readonly templateLayer = new TemplateLayer();
  readonly templatePanel: TemplatePanel;
  readonly tileEditor: TileEditor;
  readonly notifier = new Notifier();
  private readonly views = new Map<string, View>();
  private readonly hashWriter = new HashWriter();
  private hovered: { x: number; y: number } | null = null;
  private pendingHash: HashState = readHash();

  constructor() {
    this.connection = new Connection(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`, {
      onMessage: (m) => this.onMessage(m),
      onState: (state, retryInMs) => this.onConnectionState(state, retryInMs),
      onLatency: (ms) => this.status.latency(ms),
    });
    const send = (bytes: Uint8Array) => this.connection.send(bytes);
    this.subscriptions = new Subscriptions(send, (chunk) => this.board?.store.drop(chunk));
    this.placer = new Placer(send);
    this.placer.onResult = (result, write) => this.onPlaced(result, write);

    this.renderer.layers.push(this.templateLayer, this.grid, this.hoverMarker, this.cursor);
    this.renderer.afterFrame = () => {
      this.afterFrame();
      this.templatePanel.refreshStats();
      // The pixel under the mouse may have changed colour (someone placed there).
      if (this.hovered !== null) this.status.hover(this.describePixel(this.hovered.x, this.hovered.y));
    };
    this.templateLayer.requestRender = () => this.renderer.requestRender();
    this.viewport.onChange(() => this.onViewChange());

    this.templatePanel = new TemplatePanel(
      {
        panel: byId('template-panel'),
        toggle: byId<HTMLButtonElement>('templates-toggle'),
        file: byId<HTMLInputElement>('template-file'),
        select: byId<HTMLSelectElement>('template-select'),
        controls: byId('template-controls'),
        x: byId<HTMLInputElement>('template-x'),
        y: byId<HTMLInputElement>('template-y'),
        opacity: byId<HTMLInputElement>('template-opacity'),
        visible: byId<HTMLInputElement>('template-visible'),
        onlyDiff: byId<HTMLInputElement>('template-only-diff'),
        stats: byId('template-stats'),
        next: byId<HTMLButtonElement>('template-next'),
        share: byId<HTMLButtonElement>('template-share'),
        remove: byId<HTMLButtonElement>('template-remove'),
      },
      this.templates,
      this.templateLayer,
      {
        board: () => (this.board ? { ...this.board.info, palette: this.board.palette } : null),
        viewCentre: () => ({ x: this.viewport.x, y: this.viewport.y }),
        boardPointAt: (clientX, clientY) => this.boardPointAt(clientX, clientY),
        jumpTo: (x, y, color) => this.jumpTo(x, y, color),
        changed: () => {
          this.updateSubscriptions();
          this.renderer.requestRender();
        },
        shareState: () => this.hashState(),
        toast: (text, kind) => this.toasts.show(text, kind),
      },
    );

    const tileTools = [...document.querySelectorAll<HTMLButtonElement>('[data-tile-tool]')];
    this.tileEditor = new TileEditor(
      {
        dialog: byId<HTMLDialogElement>('tile-editor'),
        title: byId('tile-editor-title'),
        canvas: byId<HTMLCanvasElement>('tile-canvas'),
        palette: byId('tile-palette'),
        tools: tileTools,
        clear: byId<HTMLButtonElement>('tile-clear'),
        upload: byId<HTMLInputElement>('tile-upload'),
        note: byId('tile-note'),
        save: byId<HTMLButtonElement>('tile-save'),
        cancel: byId<HTMLButtonElement>('tile-cancel'),
      },
      this.placer,
    );
    this.tileEditor.onSaved = (result, tx, ty) => {
      const text = result.ok ? `Tile (${tx}, ${ty}) saved` : `Tile not saved: ${result.message}`;
      this.toasts.show(text, result.ok ? 'success' : 'error');
      this.announcer.say(text);
    };

    new PointerInput(this.canvas, this.viewport, {
      click: (x, y) => this.act(x, y),
      beginStroke: (x, y) => this.beginStroke(x, y),
      hover: (pixel) => this.hover(pixel),
    });
    new Keyboard(this.canvas, this.viewport, this.tools, this.palette, {
      moveCursor: (dx, dy) => this.moveCursor(dx, dy),
      placeAtCursor: () => this.placeAtCursor(),
      hideCursor: () => {
        this.cursor.visible = false;
        this.renderer.requestRender();
      },
      cursorOnScreen: () => (this.cursor.visible ? this.viewport.boardToScreen(this.cursor.x + 0.5, this.cursor.y + 0.5) : null),
      zoomToggle: () => this.zoomToggle(),
      modalOpen: () => this.tileEditor.isOpen,
    });

    this.wireControls();
  }

  start(): void {
    this.connection.start();
    window.setInterval(() => this.renderCooldown(), 100);
  }

  // ---- server messages ----

  private onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'hello':
        this.onHello(parseHello(message.json));
        break;
      case 'chunk':
        this.onChunk(message);
        break;
      case 'diff':
        for (const section of message.sections) this.onDiffSection(section);
        break;
      case 'ack':
        this.placer.handleAck(message);
        break;
      case 'reject':
        this.placer.handleReject(message);
        break;
      case 'quota':
        this.cooldowns.update(message);
        this.renderCooldown();
        break;
      case 'online':
        for (const entry of message.entries) this.online.set(entry.board, entry.count);
        this.status.online(this.board ? (this.online.get(this.board.info.index) ?? 0) : null);
        break;
      case 'protocol-error':
        console.warn(`tessera: protocol error ${message.code}: ${message.message}`);
        break;
      case 'pong':
        break;
    }
  }

  private onHello(hello: HelloJson): void {
    const previous = this.board?.info;
    this.boards = hello.boards;
    for (const quota of hello.quotas) this.cooldowns.update(quota);
    this.renderBoardPicker();
    this.renderCooldown();
    const same = previous !== undefined && this.boards[previous.index]?.id === previous.id;
    if (same) {
      // Reconnected: the server knows nothing of our subscriptions. Every chunk comes
      // back as a fresh CHUNK at its current version; until then the old pixels stay up.
      this.subscriptions.resubscribeAll();
      return;
    }
    const wanted = this.boards.find((b) => b.id === this.pendingHash.board) ?? this.boards[0];
    if (wanted !== undefined) this.selectBoard(wanted.index, this.pendingHash);
  }

  private onChunk(message: ChunkMessage): void {
    const board = this.board;
    if (board === null || message.board !== board.info.index) return;
    const index = board.store.chunkIndex(message.cx, message.cy);
    if (!this.subscriptions.subscribed.has(index)) return; // answered after we let go of it
    const { chunkSize, background } = board.info;
    try {
      board.store.applyChunk(message.cx, message.cy, message.version, decodeChunkPixels(message.encoding, message.pixels, chunkSize, background));
    } catch (err) {
      console.warn(`tessera: bad CHUNK (${message.cx}, ${message.cy}):`, err);
    }
  }

  private onDiffSection(section: DiffSection): void {
    const board = this.board;
    if (board === null || section.board !== board.info.index) return;
    if (board.store.applyDiff(section) === 'missed') this.subscriptions.refresh(board.store.chunkIndex(section.cx, section.cy));
  }

  private onConnectionState(state: ConnectionState, retryInMs: number): void {
    this.status.connection(state, retryInMs);
    if (state === 'reconnecting') this.placer.abandonAll();
  }

  // ---- boards and the view ----

  selectBoard(index: number, hash: HashState = {}): void {
    const info = this.boards[index];
    if (info === undefined) return;
    if (this.board !== null) this.views.set(this.board.info.id, this.viewport.view);
    const palette = new Palette(info.palette);
    const store = new ChunkStore(info, palette);
    const chunkCount = store.chunksX * store.chunksY;
    const overview = chunkCount > OVERVIEW_MIN_CHUNKS ? new OverviewLayer(info) : null;
    if (overview) overview.onUpdate = () => this.renderer.requestRender();
    store.onChange = (chunk) => {
      this.templateLayer.chunkChanged(chunk);
      this.renderer.requestRender();
    };
    this.board = { info, palette, store, overview, selectedAt: performance.now(), fullyDrawnAt: null };
    this.subscriptions.setBoard(index, store.chunksX);
    this.renderer.store = store;
    this.renderer.overview = overview;
    this.templateLayer.setBoard(store, this.templates.forBoard(info.id));
    this.templatePanel.showBoard(info.id);
    this.tools.setTileAvailable(info.tileSize !== null && info.policy.tileWrites);
    this.palette.setPalette(info.id, palette, palette.farthestFrom(info.background));
    this.cursor.visible = false;
    (document.getElementById('board-select') as HTMLSelectElement).value = info.id;
    document.title = `${info.title} · Tessera`;
    this.status.online(this.online.get(index) ?? null);

    this.viewport.setBoard(info.width, info.height);
    const remembered = this.views.get(info.id);
    if (hash.x !== undefined && hash.y !== undefined) this.viewport.set(hash.x, hash.y, hash.zoom ?? this.viewport.fitZoom);
    else if (remembered) this.viewport.set(remembered.x, remembered.y, remembered.zoom);
    else this.viewport.fit();
    if (hash.template !== undefined) void this.importSharedTemplate(hash.template, info.id);
    this.pendingHash = {};
    this.renderCooldown();
    this.onViewChange();
  }

  private onViewChange(): void {
    this.updateSubscriptions();
    if (this.board !== null) this.hashWriter.write(this.hashState());
  }

  updateSubscriptions(): void {
    const board = this.board;
    if (board === null) return;
    const watch = chunksToWatch(this.viewport, board.info, this.templateLayer.templates);
    this.live = watch.live;
    this.subscriptions.update(watch.wanted, watch.keep);
  }

  hashState(): HashState {
    const { x, y, zoom } = this.viewport;
    return { board: this.board?.info.id, x, y, zoom };
  }

  /** Every chunk on screen is drawn (the load-time figure), once per board selection. */
  private afterFrame(): void {
    const board = this.board;
    if (board === null || board.fullyDrawnAt !== null || !this.live) return;
    const rect = this.viewport.visibleRect();
    const size = board.info.chunkSize;
    for (let cy = Math.floor(rect.y0 / size); cy < Math.ceil(rect.y1 / size); cy++) {
      for (let cx = Math.floor(rect.x0 / size); cx < Math.ceil(rect.x1 / size); cx++) {
        if (!board.store.has(board.store.chunkIndex(cx, cy))) return;
      }
    }
    board.fullyDrawnAt = performance.now();
  }

  // ---- acting on the board ----

  /** The tool's action on a pixel: place it, or open the tile editor. */
  private act(x: number, y: number): void {
    const board = this.board;
    if (board === null || !board.store.inside(x, y)) return;
    if (this.tools.tool === 'tile' && board.info.tileSize !== null) {
      const size = board.info.tileSize;
      void this.tileEditor.open(board.store, Math.floor(x / size), Math.floor(y / size), this.palette.selected);
      return;
    }
    if (board.store.serverColorAt(x, y) === null) {
      this.toasts.show('Zoom in to place: this part of the board is not loaded');
      return;
    }
    const color = this.currentColor();
    const write = this.placer.begin(board.store);
    write.add(x, y, color);
    void this.placer.commit(write);
    this.palette.used(color);
  }

  private beginStroke(x: number, y: number): Stroke | null {
    const board = this.board;
    if (board === null || this.tools.tool === 'tile' || !board.info.policy.strokes || board.info.policy.maxBatch < 2) return null;
    if (board.store.serverColorAt(x, y) === null) return null;
    const color = this.currentColor();
    const stroke = new Stroke(this.placer, board.store, color);
    stroke.to(x, y);
    this.palette.used(color);
    return stroke;
  }

  private currentColor(): number {
    return this.tools.tool === 'eraser' ? this.board!.info.background : this.palette.selected;
  }

  private onPlaced(result: PlaceResult, write: PendingWrite): void {
    if (write.store !== this.board?.store) return;
    if (result.ok) {
      const where = write.count === 1 ? `at ${write.pixels[0]}, ${write.pixels[1]}` : `(${write.count} pixels)`;
      this.announcer.say(`Placed ${this.colourName(write.pixels[2]!)} ${where}`);
    } else {
      this.toasts.show(result.message, 'error');
      this.announcer.say(result.message);
    }
  }

  private zoomToggle(): void {
    const v = this.viewport;
    if (v.zoom >= CLOSE_ZOOM) {
      v.animateTo(v.boardWidth / 2, v.boardHeight / 2, v.fitZoom);
      return;
    }
    const focus = this.cursor.visible ? this.cursor : this.hovered;
    const x = focus ? focus.x + 0.5 : v.x;
    const y = focus ? focus.y + 0.5 : v.y;
    v.animateTo(x, y, Math.min(MAX_ZOOM, CLOSE_ZOOM));
  }

  private jumpTo(x: number, y: number, color: number): void {
    this.palette.select(color, null);
    if (this.tools.tool !== 'brush') this.tools.setTool('brush');
    this.cursor.show(x, y);
    this.viewport.animateTo(x + 0.5, y + 0.5, Math.max(this.viewport.zoom, CLOSE_ZOOM));
    this.announcer.say(`Next differing pixel: ${x}, ${y}, wants ${this.colourName(color)}`);
    this.canvas.focus();
  }

  // ---- the keyboard cursor and hover ----

  private moveCursor(dx: number, dy: number): void {
    const board = this.board;
    if (board === null) return;
    if (!this.cursor.visible) {
      const start = this.hovered ?? { x: Math.floor(this.viewport.x), y: Math.floor(this.viewport.y) };
      this.cursor.show(start.x, start.y);
    } else {
      this.cursor.show(this.cursor.x + dx, this.cursor.y + dy);
    }
    this.cursor.x = Math.min(board.info.width - 1, Math.max(0, this.cursor.x));
    this.cursor.y = Math.min(board.info.height - 1, Math.max(0, this.cursor.y));
    this.viewport.reveal(this.cursor.x, this.cursor.y);
    this.renderer.requestRender();
    this.announcer.say(this.describePixel(this.cursor.x, this.cursor.y));
  }

  private placeAtCursor(): void {
    if (!this.cursor.visible) {
      this.moveCursor(0, 0);
      return;
    }
    this.act(this.cursor.x, this.cursor.y);
  }

  private hover(pixel: { x: number; y: number } | null): void {
    const inside = pixel !== null && this.board !== null && this.board.store.inside(pixel.x, pixel.y);
    this.hovered = inside ? pixel : null;
    if (inside) this.hoverMarker.show(pixel.x, pixel.y);
    else this.hoverMarker.visible = false;
    this.status.hover(inside ? this.describePixel(pixel.x, pixel.y) : '');
    this.renderer.requestRender();
  }

  describePixel(x: number, y: number): string {
    const color = this.board?.store.colorAt(x, y) ?? null;
    return `${x}, ${y}: ${color === null ? 'not loaded' : this.colourName(color)}`;
  }

  private colourName(index: number): string {
    return `colour ${index + 1} (${this.board?.palette.hex[index] ?? '?'})`;
  }

  private boardPointAt(clientX: number, clientY: number): { x: number; y: number } | null {
    const rect = this.canvas.getBoundingClientRect();
    if (clientX < rect.left || clientY < rect.top || clientX > rect.right || clientY > rect.bottom) return null;
    const p = this.viewport.pixelAt(clientX - rect.left, clientY - rect.top);
    return this.board?.store.inside(p.x, p.y) ? p : null;
  }

  // ---- page controls ----

  private wireControls(): void {
    const select = byId<HTMLSelectElement>('board-select');
    select.addEventListener('change', () => {
      const board = this.boards.find((b) => b.id === select.value);
      if (board) this.selectBoard(board.index);
    });
    byId<HTMLButtonElement>('tool-zoom').addEventListener('click', () => this.zoomToggle());
    this.tools.onChange = () => {
      this.grid.enabled = this.tools.grid;
      this.renderer.requestRender();
    };
    this.palette.onSelect = (index, how) => {
      if (this.tools.tool === 'eraser') this.tools.setTool('brush');
      this.announcer.say(`${how === 'nearest' ? 'Nearest palette colour' : 'Selected'}: ${this.colourName(index)}`);
    };
    const notify = byId<HTMLInputElement>('notify-toggle');
    notify.checked = this.notifier.enabled;
    notify.addEventListener('change', () => void this.notifier.setEnabled(notify.checked));
    this.cooldowns.onReady = (board) => {
      this.renderCooldown();
      if (board !== this.board?.info.index) return;
      this.notifier.cooldownEnded(this.board.info.title);
      this.announcer.say('You can place again');
    };
    window.addEventListener('hashchange', () => {
      if (location.hash === this.hashWriter.lastWritten) return;
      const hash = readHash();
      const board = this.boards.find((b) => b.id === hash.board);
      if (board !== undefined && board.id !== this.board?.info.id) this.selectBoard(board.index, hash);
      else if (hash.x !== undefined && hash.y !== undefined) this.viewport.set(hash.x, hash.y, hash.zoom ?? this.viewport.zoom);
      if (hash.template !== undefined && this.board) void this.importSharedTemplate(hash.template, this.board.info.id);
    });
  }

  private renderCooldown(): void {
    const board = this.board;
    if (board === null) return;
    this.status.cooldown(this.cooldowns.describe(board.info.index), this.cooldowns.isWaiting(board.info.index));
  }

  private renderBoardPicker(): void {
    const select = byId<HTMLSelectElement>('board-select');
    select.replaceChildren(
      ...this.boards.map((board) => {
        const option = document.createElement('option');
        option.value = board.id;
        option.textContent = `${board.title} (${board.width}×${board.height})`;
        return option;
      }),
    );
    if (this.board) select.value = this.board.info.id;
  }

  private async importSharedTemplate(text: string, boardId: string): Promise<void> {
    try {
      const template = await decodeShare(text, boardId);
      this.templatePanel.adopt(template);
      this.toasts.show('Shared template added', 'success');
    } catch (err) {
      this.toasts.show(`Could not open the shared template: ${(err as Error).message}`, 'error');
    }
    this.hashWriter.write(this.hashState()); // the link's t= has done its job
  }
}
