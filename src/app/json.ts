// The JSON of src/protocol/json.ts, built from the canvas: boards for HELLO and the API,
// quotas and HELLO itself. Every field is named, so nothing else of the configuration
// can slip onto the wire.
import type { Board } from '../canvas/board.js';
import type { WritePolicy } from '../placement/write-policy.js';
import type { BoardJson, HelloJson, QuotaJson } from '../protocol/messages.js';

export function boardJson(board: Board, policy: WritePolicy): BoardJson {
  const { id, title, width, height, chunkSize, palette, background, tileSize } = board.config;
  const { strokes, maxBatch, tileWrites } = policy;
  // 'chunk' buckets (the memory a write allocates) are the server's own business: a client's
  // cooldown and rules count pixels and writes.
  const buckets = policy.buckets.flatMap(({ key, capacity, refillPerSecond, unit, roles }) =>
    unit === 'chunk' ? [] : [{ key, capacity, refillPerSecond, unit, ...(roles ? { roles: [...roles] } : {}) }],
  );
  return { id, index: board.index, title, width, height, chunkSize, palette, background, tileSize, policy: { strokes, maxBatch, tileWrites, buckets } };
}

interface Quota {
  available: number;
  capacity: number;
  nextInMs: number;
}

/** A board's quota, its counts clamped to u16 as the QUOTA message sends them. */
export function quotaJson(board: Board, quota: Quota): QuotaJson {
  return { board: board.index, available: clampU16(quota.available), capacity: clampU16(quota.capacity), nextInMs: quota.nextInMs };
}

export function helloJson(sessionId: string, boards: readonly Board[], policies: readonly WritePolicy[], quotaOf: (board: Board) => Quota): HelloJson {
  return { sessionId, boards: boards.map((board) => boardJson(board, policies[board.index]!)), quotas: boards.map((board) => quotaJson(board, quotaOf(board))) };
}

export function clampU16(n: number): number {
  return Math.min(Math.max(0, Math.floor(n)), 0xffff);
}
