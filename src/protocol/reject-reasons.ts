// Why a write is refused, said once for every way of writing: the code on the
// WebSocket (REJECT's `reason`), the name and status of the HTTP API's error
// body, and the default message a developer reads there (docs/API.md).
import { RejectReason } from './types.js';

export interface RejectInfo {
  /** The HTTP API's `error` field and the metrics' `reason` label. */
  readonly name: string;
  readonly httpStatus: number;
  readonly message: string;
}

export const REJECT_REASONS: Readonly<Record<RejectReason, RejectInfo>> = {
  [RejectReason.RATE_LIMITED]: { name: 'RATE_LIMITED', httpStatus: 429, message: 'too many writes: wait retryAfterMs before the next one' },
  [RejectReason.INVALID_COORDS]: { name: 'INVALID_COORDS', httpStatus: 400, message: 'not a place on this board' },
  [RejectReason.INVALID_COLOR]: { name: 'INVALID_COLOR', httpStatus: 400, message: 'not a colour of this board’s palette' },
  [RejectReason.LOCKED]: { name: 'LOCKED', httpStatus: 403, message: 'this region is locked' },
  [RejectReason.BANNED]: { name: 'BANNED', httpStatus: 403, message: 'you may not write to this board' },
  [RejectReason.NOT_ALLOWED]: { name: 'NOT_ALLOWED', httpStatus: 403, message: 'this board does not allow that kind of write' },
  [RejectReason.UNAVAILABLE]: { name: 'UNAVAILABLE', httpStatus: 503, message: 'the write could not be stored: nothing was changed, try again shortly' },
};
