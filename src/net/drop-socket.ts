// Closing a connection at once, whatever it still has queued. Destroyed with
// no error, a socket fails each write still queued in its stream with a new
// Error of its own, stack trace included: a stalled viewer holds thousands
// of small queued frames, and 200 of them torn down at once held the event
// loop for 2.5 s (bench/net/teardown.ts). Destroyed with one shared error,
// each queued write is failed with that one object: 100 times cheaper.
import type { Socket } from 'node:net';

/** The error a dropped socket's queued writes fail with; the server does not log it. */
export const SOCKET_DROPPED: NodeJS.ErrnoException = Object.assign(new Error('connection dropped by the server'), { code: 'ERR_SOCKET_DROPPED' });

/** Destroys `socket` now. It must have an 'error' listener (every socket the server accepts has one). */
export function dropSocket(socket: Socket): void {
  socket.destroy(SOCKET_DROPPED);
}
