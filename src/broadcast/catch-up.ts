// A paced catch-up. A client that fell behind, or subscribed to more than its
// socket takes at once, is owed whole chunks (their current contents, not the
// backlog: `missed`). Sending them all at once would queue up to 64 MiB for
// one client (1,024 dense chunks) and get it closed with 1013 at the next
// tick, for data we queued ourselves. So they go a window at a time: at most
// `windowBytes` in the client's socket, refilled when it drains, and a reader
// that keeps up at its own speed always recovers. No I/O here: the messages
// go to `send`, so a tick planner can put them in an outbox as well.
import type { Board } from '../canvas/board.js';
import type { PreparedMessage } from '../websocket/prepared-message.js';
import type { ChunkFrameCache } from './chunk-frame-cache.js';

/** What a catch-up needs of a client (CanvasClient has it). */
export interface OwedChunks {
  /** Per board index: chunks owed whole; null when nothing is. */
  missed: (Set<number> | null)[] | null;
  isSubscribed(board: number, chunk: number): boolean;
}

/**
 * Hands `send` the CHUNKs of owed chunks the client still watches, while its
 * socket, holding `backlog` bytes, stays within `windowBytes` (counting plain
 * frames; one at least when it holds nothing, so a chunk larger than the
 * window still goes).
 * Removes what it hands over; returns true once nothing is owed.
 */
export function takeOwedChunks(
  client: OwedChunks, boards: readonly Board[], frames: ChunkFrameCache,
  backlog: number, windowBytes: number, send: (message: PreparedMessage) => void,
): boolean {
  const owed = client.missed;
  if (owed === null) return true;
  let room = windowBytes - backlog;
  let first = backlog === 0;
  for (let boardIndex = 0; boardIndex < owed.length; boardIndex++) {
    const chunks = owed[boardIndex];
    if (!chunks) continue;
    const board = boards[boardIndex]!;
    for (const chunk of chunks) {
      if (client.isSubscribed(boardIndex, chunk)) {
        const message = frames.message(board, chunk);
        const length = message.frame.length;
        if (length > room && !first) return false;
        send(message);
        room -= length;
        first = false;
      }
      chunks.delete(chunk);
    }
    owed[boardIndex] = null;
  }
  client.missed = null;
  return true;
}
