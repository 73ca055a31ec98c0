// A committed write as the cluster's log carries it: only what applying it needs (board, where,
// colours), with its global seq. One log entry is one group commit: `s` is the seq of its first
// record, the others follow one by one. JSON: {"s":first,"w":[[board,x,y,color] | [board,tx,ty,"base64 colours"]…]}.
import type { PlacementRecord } from '../storage/storage.js';

export type LoggedWrite =
  | { seq: number; boardId: string; kind: 'pixel'; x: number; y: number; color: number }
  | { seq: number; boardId: string; kind: 'tile'; tx: number; ty: number; colors: Uint8Array };

type Entry = { s: number; w: [string, number, number, number | string][] };

export function encodeEntry(records: readonly PlacementRecord[], firstSeq: number): string {
  const w = records.map((record): Entry['w'][number] => record.kind === 'pixel'
    ? [record.boardId, record.x, record.y, record.color]
    : [record.boardId, record.tx, record.ty, Buffer.from(record.colors.buffer, record.colors.byteOffset, record.colors.byteLength).toString('base64')]);
  return JSON.stringify({ s: firstSeq, w } satisfies Entry);
}

/** The writes of one entry; throws on an entry this version did not write. */
export function decodeEntry(text: string): LoggedWrite[] {
  const entry = JSON.parse(text) as Entry;
  if (!Number.isSafeInteger(entry.s) || !Array.isArray(entry.w)) throw new Error('not a Tessera log entry');
  return entry.w.map(([boardId, a, b, c], i) => typeof c === 'string'
    ? { seq: entry.s + i, boardId, kind: 'tile', tx: a, ty: b, colors: Buffer.from(c, 'base64') }
    : { seq: entry.s + i, boardId, kind: 'pixel', x: a, y: b, color: c });
}

export function withSeqs(records: readonly PlacementRecord[], seqs: readonly number[]): LoggedWrite[] {
  return records.map((record, i) => record.kind === 'pixel'
    ? { seq: seqs[i]!, boardId: record.boardId, kind: 'pixel', x: record.x, y: record.y, color: record.color }
    : { seq: seqs[i]!, boardId: record.boardId, kind: 'tile', tx: record.tx, ty: record.ty, colors: record.colors });
}
