// PUT /api/admin/boards/:id/settings: the fields given change, the others keep their value.
// "buckets" takes the configuration's bucket shape (docs/API.md), or null for the configuration's.
import { parseBucket } from '../../config/boards.js';
import type { BoardSettingsRecord } from '../../storage/moderation.js';
import { ApiError } from '../api/errors.js';
import { timeOrNull, type Fields } from './body.js';

const MAX_BUCKETS = 8;

export function boardSettingsFrom(fields: Fields, current: BoardSettingsRecord): BoardSettingsRecord {
  const next = { ...current };
  if (fields.open !== undefined) {
    if (typeof fields.open !== 'boolean') throw new ApiError(400, 'BAD_JSON', '"open" must be true or false');
    next.open = fields.open;
  }
  if (fields.opensAt !== undefined) next.opensAtMs = timeOrNull(fields, 'opensAt');
  if (fields.closesAt !== undefined) next.closesAtMs = timeOrNull(fields, 'closesAt');
  if (next.opensAtMs !== null && next.closesAtMs !== null && next.closesAtMs <= next.opensAtMs) {
    throw new ApiError(400, 'BAD_JSON', '"closesAt" must come after "opensAt"');
  }
  if (fields.buckets !== undefined) {
    if (fields.buckets === null) next.buckets = null;
    else {
      if (!Array.isArray(fields.buckets) || fields.buckets.length > MAX_BUCKETS) throw new ApiError(400, 'BAD_JSON', `"buckets" is an array of at most ${MAX_BUCKETS} buckets, or null`);
      try {
        next.buckets = fields.buckets.map((bucket, i) => parseBucket(bucket, `buckets[${i}]`));
      } catch (error) {
        throw new ApiError(400, 'BAD_JSON', (error as Error).message);
      }
    }
  }
  return next;
}
