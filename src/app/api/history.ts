// Who placed what, when: a pixel's history, a board's latest placements and your own,
// newest first, in pages with an opaque cursor (docs/API.md). From the storage's records;
// a server without a data directory keeps no history (404 NO_HISTORY).
import type { HttpResponse } from '../../net/response.js';
import type { HttpRequest } from '../../net/router.js';
import { actorOf } from '../../placement/actor.js';
import { InvalidCursorError } from '../../storage/errors.js';
import { MAX_PAGE_SIZE, pixelOf, type Page, type PageRequest, type Storage, type StoredPlacement } from '../../storage/storage.js';
import type { Canvas } from '../canvas.js';
import { identify } from '../identity.js';
import { ApiError, type ApiHandler } from './errors.js';
import { boardFrom, integerParam, timeQuery } from './http.js';

const DEFAULT_PAGE = 50;

/** One placement as the API shows it. A tile write is one entry (with its tile and pixel count). */
export interface PlacementJson {
  seq: number;
  time: string;
  timeMs: number;
  board: string;
  who: string;
  source: 'ws' | 'http';
  x: number;
  y: number;
  color: number;
  previousColor: number;
  /** For a tile write: the tile written, and how many pixels. */
  tile?: { tx: number; ty: number; pixels: number };
  /** The account's username, when `who` is an account ("user:N"). */
  name?: string;
}

/** The storage, or 404 NO_HISTORY on a server without a data directory. */
export function historyStore(storage: Storage | null): Storage {
  if (storage === null) throw new ApiError(404, 'NO_HISTORY', 'this server keeps no history: it was started without a data directory');
  return storage;
}

export function historyHandlers(canvas: Canvas, storage: Storage | null): { pixel: ApiHandler; recent: ApiHandler; area: ApiHandler; mine: ApiHandler } {
  const store = (): Storage => historyStore(storage);
  const named = (json: PlacementJson): PlacementJson => {
    const name = canvas.displayName(json.who);
    return name === null ? json : { ...json, name };
  };

  const pixel: ApiHandler = (request) => {
    const board = boardFrom(canvas, request);
    const x = integerParam(request, 'x');
    const y = integerParam(request, 'y');
    if (!board.isInside(x, y)) throw new ApiError(400, 'INVALID_COORDS', `(${x}, ${y}) is not a pixel of board "${board.config.id}"`);
    return answer(store().pixelHistory(board.config.id, x, y, pageOf(request)), (record) => named(placementJson(record, x, y)));
  };

  const recent: ApiHandler = (request) => {
    const board = boardFrom(canvas, request);
    return answer(store().recentPlacements(board.config.id, pageOf(request)), (record) => named(placementJson(record)));
  };

  // A rectangle over a time range (the rollback slider's steps): ?x=&y=&width=&height=&from=&to=.
  const area: ApiHandler = (request) => {
    const board = boardFrom(canvas, request);
    const query = new URLSearchParams(request.query);
    const x = wholeQuery(query, 'x', 0, board.config.width - 1);
    const y = wholeQuery(query, 'y', 0, board.config.height - 1);
    const rect = { x, y, width: wholeQuery(query, 'width', 1, board.config.width - x), height: wholeQuery(query, 'height', 1, board.config.height - y) };
    const fromMs = timeQuery(query, 'from') ?? 0;
    const toMs = timeQuery(query, 'to') ?? Number.MAX_SAFE_INTEGER;
    if (fromMs > toMs) throw new ApiError(400, 'BAD_PARAMETER', 'from must not be after to');
    return answer(store().areaPlacements(board.config.id, rect, fromMs, toMs, pageOf(request)), (record) => named(placementJson(record)));
  };

  // By session cookie: the digest under which the history keeps this session's writes (or,
  // signed in, the account's name in the history, and the guest's it registered from).
  const mine: ApiHandler = async (request) => {
    const account = canvas.account(request);
    const actor = account?.actor ?? actorOf(identify(request, canvas.settings));
    const actors = account?.guestActor ? [actor, account.guestActor] : [actor];
    const [page, count] = await Promise.all([store().actorPlacements(actors, pageOf(request)), store().actorPlacementCount(actors)]);
    return json({ who: actor, count, items: page.items.map((record) => placementJson(record)), next: page.next });
  };

  return { pixel, recent, area, mine };
}

function answer(page: Promise<Page<StoredPlacement>>, toJson: (record: StoredPlacement) => PlacementJson): Promise<HttpResponse> {
  return page.then(
    ({ items, next }) => json({ items: items.map(toJson), next }),
    (error) => {
      if (error instanceof InvalidCursorError) throw new ApiError(400, 'BAD_CURSOR', 'cursor is not one this list handed out');
      throw error;
    },
  );
}

function json(value: unknown): HttpResponse {
  return { status: 200, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, body: JSON.stringify(value) };
}

function pageOf(request: HttpRequest): PageRequest {
  const query = new URLSearchParams(request.query);
  const limitText = query.get('limit');
  const limit = limitText === null ? DEFAULT_PAGE : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ApiError(400, 'BAD_PARAMETER', `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${JSON.stringify(limitText)}`);
  }
  return { limit, cursor: query.get('cursor') };
}

/** A required whole-number query parameter within min..max: else 400 BAD_PARAMETER. */
function wholeQuery(query: URLSearchParams, name: string, min: number, max: number): number {
  const text = query.get(name);
  const n = text !== null && /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new ApiError(400, 'BAD_PARAMETER', `${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

/** A record as JSON; for a tile record, the pixel (x, y) of it when given, else its top-left one. */
export function placementJson(record: StoredPlacement, x?: number, y?: number): PlacementJson {
  const common = { seq: record.seq, time: new Date(record.timeMs).toISOString(), timeMs: record.timeMs, board: record.boardId, who: record.actor, source: record.source };
  if (record.kind === 'pixel') return { ...common, x: record.x, y: record.y, color: record.color, previousColor: record.previousColor };
  const size = Math.sqrt(record.colors.length);
  const px = x ?? record.tx * size;
  const py = y ?? record.ty * size;
  return { ...common, x: px, y: py, ...pixelOf(record, px, py), tile: { tx: record.tx, ty: record.ty, pixels: record.colors.length } };
}
