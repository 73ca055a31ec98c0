// Stage 4: has this writer the tokens for this write? Each board's buckets
// (config `policy.buckets`) are checked together: a write passes all of them
// or takes from none. A pixel costs 1, a stroke its pixel count, a tile its
// tileSize² pixels and one write of that tile's own bucket; a 'chunk' bucket
// counts the chunks the write makes the board allocate.
import type { Board } from '../canvas/board.js';
import { RatePolicy, type Quota, type RateSubject } from '../ratelimit/policy.js';
import { RejectReason } from '../protocol/types.js';
import type { WritePolicy } from './write-policy.js';
import { pixelCount, type Write, type Writer } from './write.js';

export interface RateRefusal {
  reason: RejectReason;
  retryAfterMs: number;
}

export class BoardRateLimits {
  private readonly policies: RatePolicy[];

  constructor(policies: readonly WritePolicy[]) {
    this.policies = policies.map((policy) => new RatePolicy(policy.buckets));
  }

  setBuckets(board: number, buckets: WritePolicy['buckets']): void {
    this.policies[board] = new RatePolicy(buckets);
  }

  /** Takes the write's tokens (`newChunks`: what it allocates), or returns why not (and takes none). */
  consume(board: Board, writer: Writer, write: Write, now: number, newChunks = 0): RateRefusal | null {
    const subject: RateSubject = write.kind === 'tile' ? { session: writer.session, ip: writer.ip, role: writer.role, actor: writer.actor, tile: `${write.tx}:${write.ty}` } : writer;
    const decision = this.policies[board.index]!.consume(subject, pixelCount(write), now, newChunks);
    if (decision.allowed) return null;
    // A write larger than a bucket can ever hold will never pass: not a rate problem.
    if (!Number.isFinite(decision.retryAfterMs)) return { reason: RejectReason.NOT_ALLOWED, retryAfterMs: 0 };
    return { reason: RejectReason.RATE_LIMITED, retryAfterMs: decision.retryAfterMs };
  }

  quota(board: Board, writer: Writer, now: number): Quota {
    return this.policies[board.index]!.quota(writer, now);
  }

  /** Forgets buckets that have refilled (they are the same as no bucket). */
  sweep(now: number): void {
    for (const policy of this.policies) policy.sweep(now);
  }
}
