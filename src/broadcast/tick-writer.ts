// Applies a TickPlan through each subscriber's BroadcastSink: its frames
// (CHUNKs or a catch-up) then its DIFF, in one writev, then the 1013 closes.
// No decisions here: those are the planner's. Writing empties each outbox.
//
// A saturated tick (10,000 recipients) takes longer to write than a turn of
// the event loop should: the writing goes in slices of at most `sliceMs`, with
// `defer` (setImmediate) between them, so that reads, placements, handshakes
// and /health are served meanwhile, and the first recipients get their DIFF
// without waiting for the last ones. Planning and the first slice share one
// slice's budget. The Broadcaster plans a tick in the check phase (see
// broadcaster.ts), so `defer` runs each later slice in a later turn, after
// that turn's reads: one slice per turn. Every slice writes the same shared
// messages; the plan holds encoded frames only, nothing read from a board
// (a sparse chunk's chunkData is a scratch copy, valid for one turn).
//
// With permessage-deflate: CHUNKs and shared DIFFs are PreparedMessages, so a
// sink that negotiated it sends the message's one compressed frame, made the
// first time such a sink asks (never if none does) and shared by all, in
// whichever slice. A DIFF nobody shares this tick (its group has one
// recipient) goes as a plain frame, uncompressed: compressing it would cost a
// zlib call per subscriber, and its sections compressed one by one (to share
// them) come out bigger than plain (55 → 75 bytes for three one-pixel
// sections, 4,501 → 5,195 for 100 sections of 10 pixels:
// bench/canvas/diff-compression.ts).
import type { Clock } from '../clock.js';
import { CloseCode } from '../websocket/opcodes.js';
import type { Subscriber } from './subscriber.js';
import type { TickPlan } from './tick-planner.js';

export const TOO_SLOW_REASON = 'too slow to keep up';

export class TickWriter {
  // The subscriber being written under cork, so that what cork runs is one
  // function made once, not a closure per subscriber per tick.
  private corked: Subscriber | null = null;
  private readonly writeCorked = (): void => writeOutbox(this.corked!);
  // The plan being written, where the next slice starts (recipients, then closes), and who to tell when done.
  private plan: TickPlan | null = null;
  private next = 0;
  private onWritten: () => void = () => {};
  private deferred = false;
  private readonly writeSlice = (): void => {
    this.deferred = false;
    this.slice(this.sliceMs);
  };

  constructor(
    private readonly clock: Clock,
    private readonly defer: (task: () => void) => void,
    private readonly sliceMs: number,
  ) {}

  /** Whether a plan is still being written (its remaining slices are deferred). */
  get writing(): boolean {
    return this.plan !== null;
  }

  /**
   * Writes `plan` in slices; calls `written` after its last write (at once if
   * it fits in one slice). The first slice's time counts from `since` (when
   * planning started: planning and the first slice share one turn's budget).
   */
  write(plan: TickPlan, written: () => void, since = this.clock.now()): void {
    this.finish();
    this.plan = plan;
    this.next = 0;
    this.onWritten = written;
    this.slice(this.sliceMs - (this.clock.now() - since));
  }

  /** Writes the rest of the plan being written, now. */
  finish(): void {
    while (this.plan !== null) this.slice(Infinity);
  }

  /** One subscriber's outbox, planned between ticks (a catch-up's next window), in one writev. */
  writeOne(subscriber: Subscriber): void {
    if (subscriber.outbox.isEmpty) return;
    this.corked = subscriber;
    subscriber.connection.cork(this.writeCorked);
    this.corked = null;
  }

  private slice(budgetMs = this.sliceMs): void {
    const plan = this.plan;
    if (plan === null) return;
    const { recipients, closing } = plan;
    const end = this.clock.now() + budgetMs;
    let i = this.next;
    // At least one write per slice, then as many as fit in the budget.
    do {
      if (i < recipients.length) {
        const subscriber = recipients[i]!;
        if (subscriber.outbox.frames.length === 0) {
          writeOutbox(subscriber); // a DIFF alone: one frame, nothing to join
        } else {
          this.corked = subscriber;
          subscriber.connection.cork(this.writeCorked);
          this.corked = null;
        }
      } else if (i < recipients.length + closing.length) {
        closing[i - recipients.length]!.connection.close(CloseCode.TryAgainLater, TOO_SLOW_REASON);
      }
      i++;
    } while (i < recipients.length + closing.length && this.clock.now() < end);
    this.next = i;
    if (i < recipients.length + closing.length) {
      if (!this.deferred) this.defer(this.writeSlice);
      this.deferred = true;
      return;
    }
    this.plan = null;
    this.onWritten();
  }
}

function writeOutbox(subscriber: Subscriber): void {
  const { connection, outbox } = subscriber;
  const { frames } = outbox;
  for (let i = 0; i < frames.length; i++) connection.sendPrepared(frames[i]!);
  if (outbox.shared !== null) connection.sendPrepared(outbox.shared);
  outbox.clear(); // written: let go of the frames now (whoever shares its frame holds it)
}
