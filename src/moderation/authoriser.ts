// Stage 3 of the placement pipeline with moderation: bans (BANNED), a frozen board or one
// outside its event window (LOCKED), region locks (LOCKED). Everything it reads is in memory,
// kept current by the moderation service on every change; bench/moderation/authorise.ts
// measures it.
import type { Board } from '../canvas/board.js';
import type { Authoriser } from '../placement/authorise.js';
import type { Write, Writer } from '../placement/write.js';
import { RejectReason } from '../protocol/types.js';
import type { BanIndex } from './ban-index.js';
import type { BoardStates, LockIndex } from './lock-index.js';

export class ModerationAuthoriser implements Authoriser {
  constructor(
    private readonly bans: BanIndex,
    private readonly locks: LockIndex,
    private readonly boards: BoardStates,
  ) {}

  check(board: Board, writer: Writer, write: Write, now: number): RejectReason | null {
    if (!this.bans.empty && this.bans.find(writer, now) !== null) return RejectReason.BANNED;
    if (!this.boards.writable(board.index, now)) return RejectReason.LOCKED;
    if (this.locks.covers(board.index, write, board.config.tileSize ?? 0)) return RejectReason.LOCKED;
    return null;
  }
}
