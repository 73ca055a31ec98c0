// window.__tessera: what the browser tests (test/browser) read and drive. It
// exposes state, never shortcuts around the UI for the behaviour under test:
// placements in the tests go through real clicks and keys.
import type { App } from './app.js';

export function installTestApi(app: App): void {
  const api = {
    app,
    /** Connected, a board selected. */
    ready: () => app.connection.isOpen && app.board !== null,
    state: () => {
      const board = app.board;
      return {
        board: board?.info.id ?? null,
        connection: app.connection.state,
        hellos: app.connection.received.get('hello') ?? 0,
        latencyMs: app.connection.latencyMs,
        online: board ? (app.online.get(board.info.index) ?? null) : null,
        cooldown: document.getElementById('status-cooldown')?.textContent ?? '',
        connectionText: document.getElementById('status-connection')?.textContent ?? '',
        latencyText: document.getElementById('status-latency')?.textContent ?? '',
        onlineText: document.getElementById('status-online')?.textContent ?? '',
        hoverText: document.getElementById('hover-info')?.textContent ?? '',
        subscribed: [...app.subscriptions.subscribed].sort((a, b) => a - b),
        sentSubscribes: app.subscriptions.sentSubscribes,
        sentUnsubscribes: app.subscriptions.sentUnsubscribes,
        live: app.live,
        loadedChunks: board?.store.loadedCount ?? 0,
        selectedAt: board?.selectedAt ?? null,
        fullyDrawnAt: board?.fullyDrawnAt ?? null,
        framesDrawn: app.renderer.framesDrawn,
        pendingRequests: app.placer.pendingRequests,
        pendingPixels: board?.store.pendingCount ?? 0,
        selectedColor: app.palette.selected,
        tool: app.tools.tool,
        view: app.viewport.view,
        cursor: app.pointing.cursor.visible ? { x: app.pointing.cursor.x, y: app.pointing.cursor.y } : null,
        reticle: app.pointing.reticle.visible ? { x: app.pointing.reticle.x, y: app.pointing.reticle.y } : null,
        badge: document.getElementById('reticle-badge')?.hidden ? '' : (document.getElementById('reticle-badge')?.textContent ?? ''),
        drawMode: app.tools.drawMode,
        flashes: app.flashes.started,
        toasts: app.toasts.history.map((t) => t.text),
        toastsOnScreen: app.toasts.onScreen,
        announcements: [...app.announcer.history],
        tileEditorOpen: app.tileEditor.isOpen,
        hash: location.hash,
      };
    },
    /** Page coordinates (for mouse clicks) of the centre of board pixel (x, y). */
    pagePoint: (x: number, y: number) => {
      const rect = app.canvas.getBoundingClientRect();
      const s = app.viewport.boardToScreen(x + 0.5, y + 0.5);
      return { x: rect.left + s.x, y: rect.top + s.y };
    },
    /** The colour drawn on the canvas at board pixel (x, y) (at fraction fx, fy inside it), as "#RRGGBB" (read back with getImageData). */
    screenColor: (x: number, y: number, fx = 0.5, fy = 0.5) => {
      const rgb = app.renderer.readPixel(x, y, fx, fy);
      return rgb === null ? null : '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('').toUpperCase();
    },
    /** The history's parts: pixel info, my placements, the player, the overlays. */
    history: () => {
      const { pixelInfo, mine, player, overlays } = app.history;
      return {
        mineCount: mine.count,
        mineText: document.getElementById('status-mine')?.hidden ? '' : (document.getElementById('status-mine')?.textContent ?? ''),
        me: mine.who,
        pixelInfo: { open: pixelInfo.isOpen, pixel: pixelInfo.pixel, loads: pixelInfo.loads, entries: pixelInfo.entries, text: document.getElementById('pixel-info')?.innerText ?? '' },
        player: {
          open: player.isOpen,
          loaded: player.loaded,
          count: player.records?.count ?? 0,
          times: player.records ? [...player.records.times.subarray(0, player.records.count)] : [],
          startMs: player.startMs,
          endMs: player.records?.endMs ?? 0,
          playheadMs: player.playheadMs,
          applied: player.applied,
          playing: player.playing,
          speed: player.speed,
          timeText: document.getElementById('timelapse-time')?.textContent ?? '',
          note: document.getElementById('timelapse-note')?.textContent ?? '',
        },
        overlays: { heatmap: { ...overlays.state.heatmap }, virgin: { ...overlays.state.virgin } },
      };
    },
    /** The player's canvas at board pixel (x, y), as "#RRGGBB" (read back from the canvas). */
    playerColor: (x: number, y: number) => {
      const canvas = document.getElementById('timelapse-canvas') as HTMLCanvasElement;
      const d = canvas.getContext('2d')!.getImageData(x, y, 1, 1).data;
      return '#' + [d[0]!, d[1]!, d[2]!].map((c) => c.toString(16).padStart(2, '0')).join('').toUpperCase();
    },
    overlayAt: (x: number, y: number) => app.history.overlays.at(x, y),
    colorAt: (x: number, y: number) => app.board?.store.colorAt(x, y) ?? null,
    paletteHex: (index: number) => app.board?.palette.hex[index] ?? null,
    setView: (x: number, y: number, zoom: number) => app.viewport.set(x, y, zoom),
    templateStats: () => {
      const template = app.templatePanel.active;
      return template === null ? null : { ...app.templateLayer.stats(template, true), x: template.x, y: template.y, width: template.width, height: template.height };
    },
    templateStatsText: () => document.getElementById('template-stats')?.textContent ?? '',
    shareLink: () => app.templatePanel.lastShareLink,
    dropConnection: () => app.connection.simulateDrop(),
    /** Per-frame draw times (ms) and rAF frame intervals recorded by measureFrames. */
    drawTimes: () => [...app.renderer.drawTimes],
    /** Records requestAnimationFrame intervals until stopFrames is called. */
    measureFrames: () => {
      const intervals: number[] = [];
      let last = 0;
      let running = true;
      const tick = (now: number) => {
        if (last !== 0) intervals.push(now - last);
        last = now;
        if (running) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      const drawnBefore = app.renderer.framesDrawn;
      (api as { stopFrames?: () => { intervals: number[]; framesDrawn: number } }).stopFrames = () => {
        running = false;
        return { intervals, framesDrawn: app.renderer.framesDrawn - drawnBefore };
      };
    },
  };
  (window as unknown as { __tessera: typeof api }).__tessera = api;
}
