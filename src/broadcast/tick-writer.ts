// Applies a TickPlan through each subscriber's BroadcastSink: its frames
// (CHUNKs or a catch-up) then its DIFF, in one writev, then the 1013 closes.
// No decisions here: those are the planner's. Writing empties each outbox.
//
// With permessage-deflate: CHUNKs and shared DIFFs are PreparedMessages, so a
// sink that negotiated it sends the message's one compressed frame, made the
// first time such a sink asks (never if none does) and shared by all. A DIFF
// nobody shares goes as its parts, uncompressed: compressing it would cost a
// zlib call per subscriber, and its sections compressed one by one (to share
// them) come out bigger than plain (55 → 75 bytes for three one-pixel
// sections, 4,501 → 5,195 for 100 sections of 10 pixels:
// bench/canvas/diff-compression.ts).
import { CloseCode } from '../websocket/opcodes.js';
import type { Subscriber } from './subscriber.js';
import type { TickPlan } from './tick-planner.js';

export const TOO_SLOW_REASON = 'too slow to keep up';

export class TickWriter {
  // The subscriber being written under cork, so that what cork runs is one
  // function made once, not a closure per subscriber per tick.
  private corked: Subscriber | null = null;
  private readonly writeCorked = (): void => writeOutbox(this.corked!);

  write(plan: TickPlan): void {
    for (const subscriber of plan.recipients) {
      if (subscriber.outbox.frames.length === 0) {
        writeOutbox(subscriber); // a DIFF alone: one frame, nothing to join
      } else {
        this.corked = subscriber;
        subscriber.connection.cork(this.writeCorked);
      }
    }
    this.corked = null;
    for (const subscriber of plan.closing) subscriber.connection.close(CloseCode.TryAgainLater, TOO_SLOW_REASON);
  }

  /** One subscriber's outbox, planned between ticks (a catch-up's next window), in one writev. */
  writeOne(subscriber: Subscriber): void {
    if (subscriber.outbox.isEmpty) return;
    this.corked = subscriber;
    subscriber.connection.cork(this.writeCorked);
    this.corked = null;
  }
}

function writeOutbox(subscriber: Subscriber): void {
  const { connection, outbox } = subscriber;
  const { frames } = outbox;
  for (let i = 0; i < frames.length; i++) connection.sendPrepared(frames[i]!);
  if (outbox.parts.length !== 0) {
    if (outbox.shared !== null) connection.sendPrepared(outbox.shared);
    else connection.sendParts(outbox.parts, outbox.bytes);
  }
  outbox.clear(); // written: let go of the frames now (whoever shares its frame holds it)
}
