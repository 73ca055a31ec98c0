// A board's whole history, streamed (docs/API.md): as the binary timelapse
// (timelapse-format.ts), and as NDJSON or CSV in the shape of the public r/place
// datasets. Each reads the storage a page at a time and is pulled by the socket
// (net/chunked-body.ts), so an export of any length holds one page and one piece.
import type { Board } from '../../canvas/board.js';
import type { HttpResponse } from '../../net/response.js';
import type { HttpRequest } from '../../net/router.js';
import type { Storage, StoredPlacement } from '../../storage/storage.js';
import type { Canvas } from '../canvas.js';
import type { ApiHandler } from './errors.js';
import { historyStore } from './history.js';
import { boardFrom, timeQuery } from './http.js';
import { TimelapseEncoder } from './timelapse-format.js';

const END_OF_TIME = Number.MAX_SAFE_INTEGER;
// Text pieces are handed to the socket once they are about this long.
const TEXT_PIECE_CHARS = 32 * 1024;

interface Range {
  fromMs: number | null;
  toMs: number;
}

function rangeOf(request: HttpRequest): Range {
  const query = new URLSearchParams(request.query);
  return { fromMs: timeQuery(query, 'from'), toMs: timeQuery(query, 'to') ?? END_OF_TIME };
}

function records(storage: Storage, board: Board, range: Range): AsyncIterable<StoredPlacement[]> {
  return storage.placementsBetween(board.config.id, range.fromMs ?? 0, range.toMs);
}

export function exportHandlers(canvas: Canvas, storage: Storage | null): { timelapse: ApiHandler; ndjson: ApiHandler; csv: ApiHandler } {
  const timelapse: ApiHandler = (request) => {
    const board = boardFrom(canvas, request);
    const store = historyStore(storage);
    const range = rangeOf(request);
    return streamed('application/vnd.tessera.timelapse', null, timelapseBytes(records(store, board, range), board, range.fromMs));
  };

  const text = (kind: 'ndjson' | 'csv'): ApiHandler => (request) => {
    const board = boardFrom(canvas, request);
    const store = historyStore(storage);
    const type = kind === 'ndjson' ? 'application/x-ndjson' : 'text/csv; charset=utf-8';
    return streamed(type, `${board.config.id}-placements.${kind}`, datasetLines(records(store, board, rangeOf(request)), board, kind));
  };

  return { timelapse, ndjson: text('ndjson'), csv: text('csv') };
}

function streamed(contentType: string, filename: string | null, body: AsyncIterable<Uint8Array>): HttpResponse {
  const headers: Record<string, string> = { 'Content-Type': contentType, 'Cache-Control': 'no-store' };
  if (filename !== null) headers['Content-Disposition'] = `attachment; filename="${filename}"`;
  return { status: 200, headers, body };
}

/** The timelapse stream; it starts at `fromMs`, or without one at the first record's time. */
async function* timelapseBytes(pages: AsyncIterable<StoredPlacement[]>, board: Board, fromMs: number | null): AsyncGenerator<Uint8Array> {
  let encoder: TimelapseEncoder | null = fromMs === null ? null : new TimelapseEncoder(board.config, fromMs);
  for await (const page of pages) {
    for (const record of page) {
      encoder ??= new TimelapseEncoder(board.config, record.timeMs);
      const piece = encoder.add(record);
      if (piece !== null) yield piece;
    }
  }
  yield (encoder ?? new TimelapseEncoder(board.config, 0)).take();
}

/**
 * One line per pixel written (a tile write is tileSize² lines), as the r/place datasets have
 * them: timestamp (ISO 8601, UTC), user_id (the history's digest of the writer), pixel_color
 * (#RRGGBB) and coordinate ("x,y").
 */
async function* datasetLines(pages: AsyncIterable<StoredPlacement[]>, board: Board, kind: 'ndjson' | 'csv'): AsyncGenerator<Uint8Array> {
  const colors = board.config.palette.map((color) => color.toUpperCase());
  const line = kind === 'ndjson'
    ? (time: string, who: string, color: number, x: number, y: number) => `{"timestamp":"${time}","user_id":${JSON.stringify(who)},"pixel_color":"${colors[color]}","coordinate":"${x},${y}"}\n`
    : (time: string, who: string, color: number, x: number, y: number) => `${time},${csvField(who)},${colors[color]},"${x},${y}"\n`;
  let text = kind === 'csv' ? 'timestamp,user_id,pixel_color,coordinate\n' : '';
  const tileSize = board.config.tileSize ?? 0;
  for await (const page of pages) {
    for (const record of page) {
      const time = new Date(record.timeMs).toISOString();
      if (record.kind === 'pixel') {
        text += line(time, record.actor, record.color, record.x, record.y);
      } else {
        for (let i = 0; i < record.colors.length; i++) {
          text += line(time, record.actor, record.colors[i]!, record.tx * tileSize + (i % tileSize), record.ty * tileSize + Math.floor(i / tileSize));
        }
      }
      if (text.length >= TEXT_PIECE_CHARS) {
        yield Buffer.from(text);
        text = '';
      }
    }
  }
  if (text.length > 0) yield Buffer.from(text);
}

/** A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
