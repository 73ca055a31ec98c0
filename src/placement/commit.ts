// Stage 5: make an accepted write permanent before anyone is told it
// happened. The in-memory commit is immediate; a durable store (SQLite,
// PostgreSQL) or a shared ordered log (Redis) answers later, and the write is
// applied, published and acknowledged only once it has.
import type { RejectReason } from '../protocol/types.js';
import type { WriteRequest } from './write.js';

/** A commit stage's refusal with a reason of its own (e.g. shared rate limits); other failures are UNAVAILABLE. */
export class WriteRefusedError extends Error {
  constructor(readonly reason: RejectReason, readonly retryAfterMs: number) {
    super('write refused');
  }
}

export interface CommitStage {
  /**
   * Commits `request`, in the order of calls. Returns null when it is
   * committed already, else a promise that settles when it is (rejected if it
   * never will be: then the write is refused and the board is left as it was).
   * A stage that keeps `request` past the call copies its byte arrays first:
   * they may be views of a read buffer that is reused.
   */
  commit(request: WriteRequest): Promise<void> | null;
  /** True when the stage applies committed writes itself, in a shared log's order (cluster mode). */
  readonly appliesWrites?: boolean;
}

/** Nothing outlives the process: every write is committed as soon as it is accepted. */
export const inMemoryCommit: CommitStage = { commit: () => null };
