// Wires the client together: the connection's messages go to the chunk store,
// placements and status; the viewport decides the subscriptions; the tools and
// inputs turn clicks and keys into writes (placing.ts); page-controls.ts wires
// the toolbar's buttons and forms.
import {
  decodeChunkPixels,
  parseHello,
  type BoardJson,
  type ChunkMessage,
  type DiffSection,
  type BoardPolicyJson,
  type HelloJson,
  type ServerMessage,
} from '../../src/protocol/messages.js';
import { installModeration, type ModerationUi } from './admin/install.js';
import { Announcer } from './announcer.js';
import { ChunkStore } from './chunk-store.js';
import { Connection, type ConnectionState } from './connection.js';
import { Cooldowns, rulesText, TileCooldowns } from './cooldown.js';
import { byId } from './dom.js';
import { HashWriter, readHash, type HashState } from './hash-state.js';
import { HistoryUi } from './history-ui.js';
import { Keyboard } from './keyboard.js';
import { Minimap } from './minimap.js';
import { Notifier } from './notifier.js';
import { Onboarding } from './onboarding.js';
import { GridLayer, LandedFlashes } from './overlays.js';
import { OverviewLayer } from './overview.js';
import { renderBoardPicker, wirePageControls } from './page-controls.js';
import { Palette } from './palette.js';
import { PaletteUi } from './palette-ui.js';
import { Placer } from './placement.js';
import { CLOSE_ZOOM, Placing } from './placing.js';
import { PointerInput } from './pointer-input.js';
import { Pointing } from './pointing.js';
import { Renderer } from './renderer.js';
import { StatusBar } from './status-bar.js';
import { Subscriptions } from './subscriptions.js';
import { TemplateLayer } from './template-layer.js';
import { TemplatePanel } from './template-panel.js';
import { decodeShare, TemplateStore } from './templates.js';
import { TileEditor } from './tile-editor.js';
import { Toasts } from './toasts.js';
import { Tools } from './tools.js';
import { MAX_ZOOM, Viewport, type View } from './viewport.js';
import { chunksToWatch } from './visible-chunks.js';

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
  readonly placing: Placing;
  readonly cooldowns = new Cooldowns();
  readonly tileCooldowns = new TileCooldowns();
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
    draw: byId<HTMLButtonElement>('tool-draw'),
    grid: byId<HTMLButtonElement>('tool-grid'),
  });
  readonly grid = new GridLayer();
  readonly pointing: Pointing;
  readonly flashes = new LandedFlashes();
  readonly templates = new TemplateStore();
  readonly templateLayer = new TemplateLayer();
  readonly templatePanel: TemplatePanel;
  readonly tileEditor: TileEditor;
  readonly notifier = new Notifier();
  readonly minimap: Minimap;
  readonly onboarding: Onboarding;
  readonly history: HistoryUi;
  readonly hashWriter = new HashWriter();
  readonly moderation: ModerationUi;
  /** The last link "Copy link" made (tests read it; the clipboard may be unavailable). */
  lastCopiedLink = '';
  private readonly views = new Map<string, View>();
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
    this.pointing = new Pointing(this.viewport, this.canvas, byId('reticle-badge'), this.cooldowns, {
      store: () => this.board?.store ?? null,
      placeColour: () => {
        const board = this.board;
        if (board === null || this.tools.tool === 'tile') return null;
        return board.palette.hex[this.tools.tool === 'eraser' ? board.info.background : this.palette.selected] ?? null;
      },
      targetSpan: () => (this.tools.tool === 'tile' ? (this.board?.info.tileSize ?? 1) : 1),
      zoomsFirst: (pointerType) => this.placing.zoomsFirst(pointerType),
      online: () => this.connection.isOpen,
      describePixel: (x, y) => this.describePixel(x, y),
      announce: (text) => this.announcer.say(text),
      showReadout: (text) => this.status.hover(text),
      requestRender: () => this.renderer.requestRender(),
    });

    this.history = new HistoryUi({
      board: () => this.board?.info ?? null,
      focusPixel: () => (this.pointing.cursor.visible ? this.pointing.cursor : this.pointing.hovered),
      announce: (text) => this.announcer.say(text),
      toast: (text, kind) => this.toasts.show(text, kind),
    });
    this.history.overlays.requestRender = () => this.renderer.requestRender();

    this.renderer.layers.push(this.history.overlays, this.templateLayer, this.grid, this.flashes, this.pointing.reticle, this.pointing.cursor);
    this.renderer.afterFrame = () => {
      this.afterFrame();
      this.templatePanel.refreshStats();
      // The pixel pointed at may have changed colour (someone placed there).
      this.pointing.renderReadout();
    };
    this.flashes.requestRender = () => this.renderer.requestRender();
    this.templateLayer.requestRender = () => this.renderer.requestRender();
    this.viewport.onChange(() => this.onViewChange());
    this.minimap = new Minimap(byId<HTMLCanvasElement>('minimap'), this.viewport);

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

    this.placing = new Placing(this.viewport, this.placer, this.cooldowns, this.tileCooldowns, this.tools, this.palette, this.flashes, {
      store: () => this.board?.store ?? null,
      online: () => this.connection.isOpen,
      colourName: (index) => this.colourName(index),
      toast: (text, kind, cause) => this.toasts.show(text, kind, cause),
      announce: (text) => this.announcer.say(text),
      mark: (x, y) => this.pointing.mark(x, y),
      openTile: (store, tx, ty) => void this.tileEditor.open(store, tx, ty, this.palette.selected),
    });

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
      {
        blocked: (tx, ty) => this.placing.tileBlocked(tx, ty),
        send: (write) => this.placing.send(write),
        shown: (open) => this.toastsInto(open ? byId<HTMLDialogElement>('tile-editor') : null),
      },
    );
    this.tileEditor.onSaved = (result, tx, ty) => this.placing.tileSaved(result, tx, ty, this.tileEditor.colors);

    this.onboarding = new Onboarding({
      welcome: byId('welcome'),
      welcomeClose: byId<HTMLButtonElement>('welcome-close'),
      welcomeHelp: byId<HTMLButtonElement>('welcome-help'),
      help: byId<HTMLDialogElement>('help'),
      helpButton: byId<HTMLButtonElement>('help-button'),
    });
    this.onboarding.onDialog = (dialog, open) => this.toastsInto(open ? dialog : null);

    new PointerInput(this.canvas, this.viewport, {
      click: (x, y, pointerType) => {
        this.pointing.pointerType = pointerType;
        this.placing.click(x, y, pointerType);
      },
      beginStroke: (x, y, pointerType) => this.placing.beginStroke(x, y, pointerType),
      hover: (pixel) => this.pointing.hover(pixel),
      inspect: (x, y) => void this.history.pixelInfo.show(x, y),
    });
    new Keyboard(this.canvas, this.viewport, this.tools, this.palette, {
      moveCursor: (dx, dy) => this.pointing.moveCursor(dx, dy),
      placeAtCursor: () => this.placeAtCursor(),
      hideCursor: () => this.pointing.hideCursor(),
      cursorOnScreen: () => {
        const { cursor } = this.pointing;
        return cursor.visible ? this.viewport.boardToScreen(cursor.x + 0.5, cursor.y + 0.5) : null;
      },
      zoomToggle: () => this.zoomToggle(),
      toggleDrawMode: () => {
        if (this.tools.toggleDrawMode()) this.announcer.say(this.tools.drawMode ? 'Draw mode: dragging draws' : 'Draw mode off: dragging moves the board');
      },
      showHelp: () => this.onboarding.showHelp(),
      modalOpen: () => this.tileEditor.isOpen || this.onboarding.helpOpen || this.history.player.isOpen,
    });

    wirePageControls(this);
    this.moderation = installModeration(this);
  }

  start(): void {
    this.connection.start();
    window.setInterval(() => this.renderCooldown(), 100);
  }

  // ---- server messages ----

  private onMessage(message: ServerMessage): void {
    this.moderation.onMessage(message);
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
        this.history.acknowledged();
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
      case 'policy':
        this.onPolicy(message.board, JSON.parse(message.json) as BoardPolicyJson);
        break;
      case 'pong':
        break;
    }
  }

  /** An admin changed a board's policy: its rules and cooldown pace change now, not at the next HELLO. */
  private onPolicy(index: number, policy: BoardPolicyJson): void {
    const info = this.boards[index];
    if (info === undefined) return;
    // In place: the chunk store, stroke and placing read this same object.
    info.policy = policy;
    this.cooldowns.setPolicy(index, policy.buckets);
    this.tileCooldowns.setPolicy(index, policy.buckets);
    if (this.board?.info === info) {
      this.tools.setBoard(info.tileSize !== null && policy.tileWrites, policy.strokes && policy.maxBatch > 1);
      byId('board-rules').textContent = rulesText(policy.buckets);
    }
    this.renderCooldown();
  }

  private onHello(hello: HelloJson): void {
    const previous = this.board?.info;
    this.boards = hello.boards;
    for (const board of hello.boards) {
      this.cooldowns.setPolicy(board.index, board.policy.buckets);
      this.tileCooldowns.setPolicy(board.index, board.policy.buckets);
    }
    for (const quota of hello.quotas) this.cooldowns.update(quota);
    renderBoardPicker(byId<HTMLSelectElement>('board-select'), this.boards, this.board?.info.id);
    this.renderCooldown();
    const same = previous !== undefined && this.boards[previous.index]?.id === previous.id;
    if (same) {
      // Reconnected: the server knows nothing of our subscriptions. Every chunk comes
      // back as a fresh CHUNK at its current version; until then the old pixels stay up.
      this.subscriptions.resubscribeAll();
      return;
    }
    const asked = this.pendingHash.board;
    const wanted = this.boards.find((b) => b.id === asked) ?? this.boards[0];
    if (wanted === undefined) return;
    if (asked !== undefined && wanted.id !== asked) {
      const text = `There is no board "${asked}" here: showing ${wanted.title}`;
      this.toasts.show(text, 'error');
      this.announcer.say(text);
    }
    this.selectBoard(wanted.index, this.pendingHash);
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
    this.history.diff(section);
  }

  private onConnectionState(state: ConnectionState, retryInMs: number): void {
    this.status.connection(state, retryInMs);
    if (state === 'open') return this.history.connected();
    // Offline: figures from before the drop would only mislead.
    this.status.latency(null);
    this.online.clear();
    this.status.online(null);
    // Dropped or replaced (reconnect()): no ACK will come for what the old socket sent.
    this.placer.abandonAll();
    this.renderCooldown();
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
    this.tools.setBoard(info.tileSize !== null && info.policy.tileWrites, info.policy.strokes && info.policy.maxBatch > 1);
    this.palette.setPalette(info.id, palette, palette.farthestFrom(info.background));
    this.pointing.reset();
    (document.getElementById('board-select') as HTMLSelectElement).value = info.id;
    document.title = `${info.title} · Tessera`;
    byId('board-rules').textContent = rulesText(info.policy.buckets);
    this.status.online(this.online.get(index) ?? null);
    this.minimap.setBoard(info);
    this.history.boardSelected(info);

    this.viewport.setBoard(info.width, info.height);
    const remembered = this.views.get(info.id);
    if (hash.x !== undefined && hash.y !== undefined) this.viewport.set(hash.x, hash.y, hash.zoom ?? this.viewport.fitZoom);
    else if (remembered) this.viewport.set(remembered.x, remembered.y, remembered.zoom);
    else this.viewport.fit();
    if (hash.template !== undefined) void this.importSharedTemplate(hash.template, info.id);
    this.pendingHash = {};
    this.renderCooldown();
    this.moderation.boardSelected();
    this.onViewChange();
  }

  private onViewChange(): void {
    this.updateSubscriptions();
    this.pointing.renderBadge();
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

  zoomToggle(): void {
    const v = this.viewport;
    if (v.zoom >= CLOSE_ZOOM) {
      v.animateTo(v.boardWidth / 2, v.boardHeight / 2, v.fitZoom);
      return;
    }
    const focus = this.pointing.cursor.visible ? this.pointing.cursor : this.pointing.hovered;
    const x = focus ? focus.x + 0.5 : v.x;
    const y = focus ? focus.y + 0.5 : v.y;
    v.animateTo(x, y, Math.min(MAX_ZOOM, CLOSE_ZOOM));
  }

  /** Moves the view to a pixel, close up, and puts the keyboard cursor there ("go to", templates). */
  goTo(x: number, y: number): void {
    this.pointing.putCursor(x, y);
    this.viewport.animateTo(x + 0.5, y + 0.5, Math.max(this.viewport.zoom, CLOSE_ZOOM));
  }

  private jumpTo(x: number, y: number, color: number): void {
    this.palette.select(color, null);
    if (this.tools.tool !== 'brush') this.tools.setTool('brush');
    this.goTo(x, y);
    this.announcer.say(`Next differing pixel: ${x}, ${y}, wants ${this.colourName(color)}`);
    this.canvas.focus();
  }

  private placeAtCursor(): void {
    const { cursor } = this.pointing;
    if (!cursor.visible) return this.pointing.moveCursor(0, 0);
    this.pointing.mark(cursor.x, cursor.y);
    this.placing.act(cursor.x, cursor.y);
  }

  describePixel(x: number, y: number): string {
    const color = this.board?.store.colorAt(x, y) ?? null;
    return `${x}, ${y}: ${color === null ? 'not loaded' : this.colourName(color)}`;
  }

  colourName(index: number): string {
    return `colour ${index + 1} (${this.board?.palette.hex[index] ?? '?'})`;
  }

  private boardPointAt(clientX: number, clientY: number): { x: number; y: number } | null {
    const rect = this.canvas.getBoundingClientRect();
    if (clientX < rect.left || clientY < rect.top || clientX > rect.right || clientY > rect.bottom) return null;
    const p = this.viewport.pixelAt(clientX - rect.left, clientY - rect.top);
    return this.board?.store.inside(p.x, p.y) ? p : null;
  }

  // ---- status ----

  /** The cooldown in the panel, the badge and the tile editor's Save (every 100 ms). */
  renderCooldown(): void {
    const board = this.board;
    if (board === null) return;
    const index = board.info.index;
    if (!this.connection.isOpen) {
      this.status.cooldown('Offline', false);
    } else {
      const tile = this.tools.tool === 'tile' ? this.focusTile() : null;
      const tileWait = tile ? this.tileCooldowns.waitMs(index, tile.tx, tile.ty) : 0;
      if (tile && tileWait > 0) this.status.cooldown(`Tile (${tile.tx}, ${tile.ty}): wait ${(tileWait / 1000).toFixed(1)} s`, true);
      else this.status.cooldown(this.cooldowns.describe(index), this.cooldowns.isWaiting(index));
    }
    this.tileEditor.refresh();
    this.pointing.renderBadge();
  }

  /** The tile the tile tool speaks of: the one being edited, else the one under the reticle. */
  private focusTile(): { tx: number; ty: number } | null {
    const size = this.board?.info.tileSize;
    if (size == null) return null;
    if (this.tileEditor.isOpen) return { tx: this.tileEditor.tx, ty: this.tileEditor.ty };
    const at = this.pointing.hovered ?? this.pointing.focusPixel();
    return at ? { tx: Math.floor(at.x / size), ty: Math.floor(at.y / size) } : null;
  }

  /** While a modal dialog is open the toasts go into it: the backdrop would hide them. */
  private toastsInto(dialog: HTMLDialogElement | null): void {
    const container = this.toasts.container;
    if (dialog !== null) dialog.append(container);
    else byId('reticle-badge').after(container);
  }

  async importSharedTemplate(text: string, boardId: string): Promise<void> {
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
