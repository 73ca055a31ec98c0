// The path of every write to a board, whichever way it came in:
//
//   decode → validate → authorise → rate-limit → commit → apply → publish → acknowledge
//
// Decoding is the caller's (the WebSocket codec, the HTTP API's JSON and PNG
// readers); the result goes back to the caller to acknowledge (ACK/REJECT, an
// HTTP status). Everything between is here, the same for every entry point,
// so both refuse the same things in the same order for the same reasons.
import type { Board } from '../canvas/board.js';
import type { Clock } from '../clock.js';
import { REJECT_REASONS } from '../protocol/reject-reasons.js';
import { RejectReason } from '../protocol/types.js';
import type { Quota } from '../ratelimit/policy.js';
import { newChunks } from './allocation.js';
import { apply } from './apply.js';
import type { Authoriser } from './authorise.js';
import { WriteRefusedError, type CommitStage } from './commit.js';
import { BoardRateLimits } from './rate-limit.js';
import { validate } from './validate.js';
import type { WritePolicy } from './write-policy.js';
import { lastColor, pixelCount, type PlacementResult, type WriteRequest, type Writer } from './write.js';

export interface PlacementMetrics {
  pixelsPlaced: { inc(labels: { board: string }, by?: number): void };
  rejects: { inc(labels: { board: string; reason: string }): void };
}

export interface PipelineStages {
  authorise: Authoriser;
  commit: CommitStage;
}

export class PlacementPipeline {
  private readonly limits: BoardRateLimits;

  constructor(
    /** Per board index: what the board allows. */
    private readonly policies: readonly WritePolicy[],
    private readonly stages: PipelineStages,
    private readonly clock: Clock,
    private readonly metrics: PlacementMetrics,
  ) {
    this.limits = new BoardRateLimits(policies);
  }

  /**
   * Runs `request` through every stage. The result is immediate when the write
   * is refused or its commit is (in memory); a promise while a durable commit
   * is pending.
   */
  submit(request: WriteRequest): PlacementResult | Promise<PlacementResult> {
    const { board, writer, write } = request;
    const now = this.clock.now();
    const policy = this.policies[board.index]!;
    const invalid = validate(board, policy, write) ?? this.stages.authorise.check(board, writer, write, now);
    if (invalid !== null) return this.refuse(board, invalid);
    // What the write makes the board allocate: held to the board's cap, charged to 'chunk' buckets.
    // (Writes still being committed are not counted: they may take the board past its cap by what they allocate.)
    const allocates = newChunks(board, write);
    if (policy.maxChunks !== null && allocates > 0 && board.allocatedChunks + allocates > policy.maxChunks) {
      return this.refuse(board, RejectReason.NOT_ALLOWED);
    }
    const limited = this.limits.consume(board, writer, write, now, allocates);
    if (limited !== null) return this.refuse(board, limited.reason, limited.retryAfterMs);
    const pending = this.stages.commit.commit(request);
    if (pending === null) return this.applyCommitted(request);
    return pending.then(
      () => this.applyCommitted(request),
      (error) => error instanceof WriteRefusedError
        ? this.refuse(board, error.reason, error.retryAfterMs)
        : this.refuse(board, RejectReason.UNAVAILABLE),
    );
  }

  /**
   * An operator's write (rollback, reset): committed, applied and published like any other,
   * without the writer's checks (a moderator restores locked regions, past any rate limit).
   */
  submitPrivileged(request: WriteRequest): PlacementResult | Promise<PlacementResult> {
    const pending = this.stages.commit.commit(request);
    if (pending === null) return this.applyCommitted(request);
    return pending.then(
      () => this.applyCommitted(request),
      () => this.refuse(request.board, RejectReason.UNAVAILABLE),
    );
  }

  /** Replaces a board's rate buckets at run time (an operator's settings); its writers start with full buckets. */
  setBuckets(board: Board, buckets: WritePolicy['buckets']): void {
    this.limits.setBuckets(board.index, buckets);
  }

  /** The binding quota for `writer` on `board` now (for QUOTA and HELLO). */
  quota(board: Board, writer: Writer): Quota {
    return this.limits.quota(board, writer, this.clock.now());
  }

  /** Counts a refusal decided before a request reached the pipeline (e.g. an unreadable tile PNG). */
  countRefusal(board: Board, reason: RejectReason): void {
    this.metrics.rejects.inc({ board: board.config.id, reason: REJECT_REASONS[reason].name });
  }

  /** Forgets rate-limit buckets that have refilled; call every few seconds. */
  sweep(): void {
    this.limits.sweep(this.clock.now());
  }

  private applyCommitted({ board, write }: WriteRequest): PlacementResult {
    // In cluster mode the write reaches the board through the shared log, in its order.
    const count = this.stages.commit.appliesWrites ? pixelCount(write) : apply(board, write);
    this.metrics.pixelsPlaced.inc({ board: board.config.id }, count);
    return { ok: true, count, color: lastColor(write) };
  }

  private refuse(board: Board, reason: RejectReason, retryAfterMs = 0): PlacementResult {
    this.countRefusal(board, reason);
    return { ok: false, reason, retryAfterMs };
  }
}
