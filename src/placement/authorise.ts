// Stage 3: may this writer write here, now? Bans (BANNED) and region locks
// (LOCKED) answer it; until moderation exists everyone may.
import type { Board } from '../canvas/board.js';
import type { RejectReason } from '../protocol/types.js';
import type { Write, Writer } from './write.js';

export interface Authoriser {
  /** null to allow, else the reason for refusing. */
  check(board: Board, writer: Writer, write: Write, now: number): RejectReason | null;
}

export const allowEveryone: Authoriser = { check: () => null };
