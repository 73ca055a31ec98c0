// A paced catch-up. A client that fell behind, or subscribed to more than its
// socket takes at once, is owed whole chunks (their current contents, not the
// backlog: CanvasClient.missed). Sending them all at once would queue up to
// 64 MiB for one client (1,024 dense chunks) and get it closed with 1013 at
// the next tick, for data we queued ourselves. So they go a window at a time:
// at most `windowBytes` in the client's socket, refilled when it drains, and a
// reader that keeps up at its own speed always recovers.
import type { Board } from '../canvas/board.js';
import type { CanvasClient } from './canvas-client.js';
import type { ChunkFrameCache } from './chunk-frame-cache.js';

/**
 * Sends `client` owed chunks it still watches while its socket holds at most
 * `windowBytes` (one frame at least when it holds nothing, so a chunk larger
 * than the window still goes). Returns true once nothing is owed.
 */
export function sendOwedChunks(client: CanvasClient, boards: readonly Board[], frames: ChunkFrameCache, windowBytes: number): boolean {
  const owed = client.missed;
  if (owed === null) return true;
  const connection = client.connection;
  let room = windowBytes - connection.bufferedAmount;
  let first = connection.bufferedAmount === 0;
  for (let boardIndex = 0; boardIndex < owed.length; boardIndex++) {
    const chunks = owed[boardIndex];
    if (!chunks) continue;
    const board = boards[boardIndex]!;
    for (const chunk of chunks) {
      if (client.isSubscribed(boardIndex, chunk)) {
        const frame = frames.frame(board, chunk);
        if (frame.length > room && !first) return false;
        connection.sendPrepared(frame);
        room -= frame.length;
        first = false;
      }
      chunks.delete(chunk);
    }
    owed[boardIndex] = null;
  }
  client.missed = null;
  return true;
}
