// The overview pyramid (docs/API.md) for boards too large to subscribe to whole:
// zoomed out, the board is drawn from overview tiles (PNG images, cached by the
// browser forever since their URLs carry their version); zoomed in, live chunks
// are drawn on top. The level's versions are polled while the overview is in use,
// so a zoomed-out view stays live too (a few seconds behind).
import type { BoardJson, OverviewJson, OverviewVersionsJson } from '../../src/protocol/messages.js';
import type { Viewport } from './viewport.js';

interface Tile {
  image: HTMLImageElement;
  v: string;
  ready: boolean;
  usedAt: number;
}

const REFRESH_VERSIONS_MS = 5_000;
const MAX_TILES = 400;
/** Level 0 of a large board lists every tile (~200 KB of versions): never worth it here. */
const MIN_LEVEL = 1;

export class OverviewLayer {
  private info: OverviewJson | null = null;
  private readonly versions = new Map<number, { v: string[]; fetchedAt: number; loading: boolean }>();
  private readonly tiles = new Map<string, Tile>();
  /** Called when a tile image arrives: the screen needs a repaint. */
  onUpdate: () => void = () => {};
  tilesLoaded = 0;

  constructor(private readonly board: BoardJson) {
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const response = await fetch(`/api/boards/${encodeURIComponent(this.board.id)}/overview`);
      if (!response.ok) return;
      this.info = (await response.json()) as OverviewJson;
      this.onUpdate();
    } catch {
      // No overview: the board simply stays blank until zoomed in.
    }
  }

  /** The level whose pixels are closest to one device pixel at this zoom. */
  levelFor(zoom: number): number {
    if (this.info === null) return MIN_LEVEL;
    const level = Math.floor(Math.log2(1 / (zoom * devicePixelRatio)));
    return Math.min(this.info.levels - 1, Math.max(MIN_LEVEL, level));
  }

  /** Draws the visible tiles, coarse levels first so gaps show a blurrier picture, not holes. */
  draw(ctx: CanvasRenderingContext2D, viewport: Viewport): void {
    const info = this.info;
    if (info === null) return;
    const target = this.levelFor(viewport.zoom);
    const rect = viewport.visibleRect();
    const now = performance.now();
    for (let level = info.levels - 1; level >= target; level--) {
      const levelInfo = info.tiles[level]!;
      const span = info.tilePixels * levelInfo.scale; // board pixels per tile side
      const tx0 = Math.floor(rect.x0 / span);
      const ty0 = Math.floor(rect.y0 / span);
      const tx1 = Math.min(levelInfo.tilesX - 1, Math.floor((rect.x1 - 1) / span));
      const ty1 = Math.min(levelInfo.tilesY - 1, Math.floor((rect.y1 - 1) / span));
      const versions = level === target ? this.versionsOf(level, now) : null;
      for (let ty = ty0; ty <= ty1; ty++) {
        for (let tx = tx0; tx <= tx1; tx++) {
          const tile = versions ? this.tileFor(level, tx, ty, versions[ty * levelInfo.tilesX + tx]) : this.tiles.get(`${level}/${tx}/${ty}`);
          if (!tile?.ready) continue;
          tile.usedAt = now;
          const { naturalWidth: w, naturalHeight: h } = tile.image;
          ctx.drawImage(tile.image, tx * span, ty * span, w * levelInfo.scale, h * levelInfo.scale);
        }
      }
    }
  }

  /** The level's versions, fetched (again) when missing or old; null until known. */
  private versionsOf(level: number, now: number): string[] | null {
    const entry = this.versions.get(level);
    if (entry === undefined || (now - entry.fetchedAt > REFRESH_VERSIONS_MS && !entry.loading)) {
      const loading = { v: entry?.v ?? [], fetchedAt: entry?.fetchedAt ?? now, loading: true };
      this.versions.set(level, loading);
      void this.fetchVersions(level, loading);
    }
    const v = this.versions.get(level)!.v;
    return v.length > 0 ? v : null;
  }

  private async fetchVersions(level: number, entry: { v: string[]; fetchedAt: number; loading: boolean }): Promise<void> {
    const url = this.info!.versionsUrl.replace('{level}', String(level));
    try {
      const response = await fetch(url);
      if (response.ok) {
        const body = (await response.json()) as OverviewVersionsJson;
        const changed = body.v.join() !== entry.v.join();
        entry.v = body.v;
        if (changed) this.onUpdate();
      }
    } catch {
      // Try again at the next refresh.
    }
    entry.fetchedAt = performance.now();
    entry.loading = false;
  }

  /** The tile at version v; a newer version loads behind the old one, which stays up until it is ready. */
  private tileFor(level: number, tx: number, ty: number, v: string | undefined): Tile | undefined {
    const key = `${level}/${tx}/${ty}`;
    const current = this.tiles.get(key);
    if (v === undefined || current?.v === v) return current;
    const url = this.info!.tileUrl
      .replace('{level}', String(level))
      .replace('{tx}', String(tx))
      .replace('{ty}', String(ty))
      .replace('{v}', encodeURIComponent(v));
    const image = new Image();
    const next: Tile = { image, v, ready: false, usedAt: performance.now() };
    image.onload = () => {
      next.ready = true;
      this.tiles.set(key, next);
      this.tilesLoaded++;
      this.evict();
      this.onUpdate();
    };
    image.src = url;
    // Until the new image loads, keep showing the old one (if any) under the same key.
    if (current === undefined) this.tiles.set(key, next);
    else current.v = v; // so it is not requested again on the next frame
    return current;
  }

  private evict(): void {
    if (this.tiles.size <= MAX_TILES) return;
    const byAge = [...this.tiles.entries()].sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [key] of byAge.slice(0, this.tiles.size - MAX_TILES)) this.tiles.delete(key);
  }
}
