// Applies a TickPlan through each subscriber's BroadcastSink: its frames
// (CHUNKs or a catch-up) then its DIFF, in one writev, then the 1013 closes.
// No decisions here: those are the planner's.
import { CloseCode } from '../websocket/opcodes.js';
import type { Subscriber } from './subscriber.js';
import type { TickPlan } from './tick-planner.js';

export const TOO_SLOW_REASON = 'too slow to keep up';

// The subscriber being written under cork, so the callback handed to cork is
// one function made once, not a closure per subscriber per tick.
let corked: Subscriber | null = null;
const writeCorked = (): void => writeOutbox(corked!);

export function writeTick(plan: TickPlan): void {
  for (const subscriber of plan.recipients) {
    if (subscriber.outbox.frames.length === 0) {
      writeOutbox(subscriber); // one DIFF: a single frame, nothing to join
    } else {
      corked = subscriber;
      subscriber.connection.cork(writeCorked);
    }
  }
  corked = null;
  for (const subscriber of plan.closing) subscriber.connection.close(CloseCode.TryAgainLater, TOO_SLOW_REASON);
}

function writeOutbox(subscriber: Subscriber): void {
  const { connection, outbox } = subscriber;
  const { frames } = outbox;
  for (let i = 0; i < frames.length; i++) connection.sendPrepared(frames[i]!);
  if (outbox.parts.length === 0) return;
  if (outbox.shared !== null) connection.sendPrepared(outbox.shared);
  else connection.sendParts(outbox.parts, outbox.bytes);
}
