// What both engines do to a placement record before they write it: check it, code its source,
// and bind its bytes as a Buffer.
import type { PlacementRecord } from './storage.js';

/** The stored `source` column; placement-row.ts reads 0 back as 'ws'. */
export const SOURCE_CODES = { ws: 0, http: 1 } as const;

/** Bound as a BLOB/bytea without copying (the drivers bind Buffers, not plain Uint8Arrays). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;

/** Programming errors, caught before the transaction: a record must make sense to be stored. */
export function checkRecord(record: PlacementRecord): void {
  const ok = typeof record.boardId === 'string' && typeof record.actor === 'string' && record.ipHash instanceof Uint8Array &&
    isCount(record.timeMs) && Object.hasOwn(SOURCE_CODES, record.source) &&
    (record.kind === 'pixel'
      ? isCount(record.x) && isCount(record.y) && isCount(record.color) && isCount(record.previousColor)
      : isCount(record.tx) && isCount(record.ty) && record.colors.length > 0 &&
        Number.isInteger(Math.sqrt(record.colors.length)) && record.previousColors.length === record.colors.length);
  if (!ok) throw new TypeError(`not a storable placement record (${record.kind} on board ${record.boardId})`);
}
