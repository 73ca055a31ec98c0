// Rollback, undo and reset: the history (placement Storage) says what pixels should be; the
// difference from the board now is written as NEW placements attributed to the moderator,
// through the pipeline's commit (the durable group commit), applied and broadcast like any
// write. History stays append-only: nothing is deleted or changed.
//
//   rollback(rect, T): every pixel of the rectangle as it was at T (the newest snapshot at or
//                      before T, plus the records after it up to T), nothing outside it.
//   undo(who, since T): each pixel whose latest writes since T are by `who` goes back to the
//                      colour before the first of those trailing writes; a pixel someone else
//                      wrote over afterwards is left as it is.
//   reset: rollback of the whole board to T, or to the background (before any write).
import type { Board } from '../../canvas/board.js';
import type { Rect } from '../../moderation/lock-index.js';
import { pixelOf, type Storage, type StoredPlacement } from '../../storage/storage.js';
import { ApiError } from '../api/errors.js';
import type { Writer } from '../../placement/write.js';

/** The most pixels one rollback may cover (its target is held as one byte per pixel). */
export const MAX_ROLLBACK_PIXELS = 4 * 1024 * 1024;
/** Pixels per batch write (the commit writes one record per pixel, all in one transaction). */
const BATCH = 16_384;

/** Pixel (x, y) → colour to write. Keys: y · 65536 + x. */
export type PixelTargets = Map<number, number>;

/** The colours of `rect` at `atMs` (atMs < 0: before any write, all background), row-major. */
export async function pixelsAt(storage: Storage, board: Board, rect: Rect, atMs: number): Promise<Uint8Array> {
  if (rect.width * rect.height > MAX_ROLLBACK_PIXELS) {
    throw new ApiError(400, 'REGION_TOO_LARGE', `a rollback covers at most ${MAX_ROLLBACK_PIXELS} pixels; split the region`);
  }
  const { id, chunkSize, background } = board.config;
  const out = new Uint8Array(rect.width * rect.height).fill(background);
  if (atMs < 0) return out;
  const set = (x: number, y: number, color: number) => {
    if (x >= rect.x && y >= rect.y && x < rect.x + rect.width && y < rect.y + rect.height) out[(y - rect.y) * rect.width + (x - rect.x)] = color;
  };
  const snapshot = await storage.snapshotAt(id, atMs);
  for (const chunk of snapshot?.chunks ?? []) {
    const cx = (chunk.index % board.chunksX) * chunkSize;
    const cy = Math.floor(chunk.index / board.chunksX) * chunkSize;
    const x0 = Math.max(cx, rect.x);
    const x1 = Math.min(cx + chunkSize, rect.x + rect.width, board.config.width);
    const y0 = Math.max(cy, rect.y);
    const y1 = Math.min(cy + chunkSize, rect.y + rect.height, board.config.height);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) set(x, y, chunk.pixels[(y - cy) * chunkSize + (x - cx)]!);
  }
  for await (const page of storage.placementsAfter(id, snapshot?.seq ?? 0, atMs)) {
    for (const record of page) forEachPixel(record, (x, y, color) => set(x, y, color));
  }
  return out;
}

/** The pixels of `rect` that differ now from `pixels` (pixelsAt's answer). */
export function differences(board: Board, rect: Rect, pixels: Uint8Array): PixelTargets {
  const targets: PixelTargets = new Map();
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const color = pixels[(y - rect.y) * rect.width + (x - rect.x)]!;
      if (board.getPixel(x, y) !== color) targets.set(y * 65536 + x, color);
    }
  }
  return targets;
}

/** Who an undo is about: an actor ("guest:…", "user:N") or an IP hash (storage.hashIp of an ipKey). */
export type Culprit = { actor: string } | { ipHash: Uint8Array };

/** undo's targets on one board: see the top of this file. */
export async function undoTargets(storage: Storage, board: Board, culprit: Culprit, sinceMs: number, untilMs: number): Promise<PixelTargets> {
  const matches = 'actor' in culprit
    ? (record: StoredPlacement) => record.actor === culprit.actor
    : (record: StoredPlacement) => sameBytes(record.ipHash, culprit.ipHash);
  const restore: PixelTargets = new Map();
  for await (const page of storage.placementsBetween(board.config.id, sinceMs, untilMs)) {
    for (const record of page) {
      const mine = matches(record);
      forEachPixel(record, (x, y, _color, previous) => {
        const key = y * 65536 + x;
        if (!mine) restore.delete(key);
        else if (!restore.has(key)) restore.set(key, previous);
      });
    }
  }
  for (const [key, color] of restore) if (board.getPixel(key % 65536, Math.floor(key / 65536)) === color) restore.delete(key);
  return restore;
}

/**
 * Writes the targets as the moderator's placements, in one commit; resolves with the pixels
 * written once they are durable and applied. Read the board and call this in the same turn.
 */
export async function writeTargets(submit: (board: Board, writer: Writer, pixels: Uint8Array, count: number) => Promise<boolean>, board: Board, writer: Writer, targets: PixelTargets): Promise<number> {
  const pending: Promise<boolean>[] = [];
  let batch = new Uint8Array(Math.min(targets.size, BATCH) * 5);
  let count = 0;
  const flush = () => {
    if (count === 0) return;
    pending.push(submit(board, writer, batch.subarray(0, count * 5), count));
    batch = new Uint8Array(Math.min(targets.size, BATCH) * 5);
    count = 0;
  };
  for (const [key, color] of targets) {
    const x = key % 65536;
    const y = Math.floor(key / 65536);
    const at = count * 5;
    batch[at] = x >>> 8;
    batch[at + 1] = x;
    batch[at + 2] = y >>> 8;
    batch[at + 3] = y;
    batch[at + 4] = color;
    if (++count === BATCH) flush();
  }
  flush();
  const results = await Promise.all(pending);
  if (results.some((ok) => !ok)) throw new ApiError(503, 'UNAVAILABLE', 'the restored pixels could not be stored: try again shortly', { 'Retry-After': '1' });
  return targets.size;
}

function forEachPixel(record: StoredPlacement, each: (x: number, y: number, color: number, previous: number) => void): void {
  if (record.kind === 'pixel') {
    each(record.x, record.y, record.color, record.previousColor);
    return;
  }
  const size = Math.round(Math.sqrt(record.colors.length));
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const x = record.tx * size + col;
      const y = record.ty * size + row;
      const { color, previousColor } = pixelOf(record, x, y);
      each(x, y, color, previousColor);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
