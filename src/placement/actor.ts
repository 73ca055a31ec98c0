// How a writer is named in the history.
import { createHash } from 'node:crypto';
import type { Writer } from './write.js';

/**
 * The public name of a guest session in the history. The session id is the cookie, a secret: the
 * history keeps a one-way digest of it instead, the same for every write of the session.
 */
export function guestActor(session: string): string {
  return 'guest:' + createHash('sha256').update('tessera-actor\0').update(session).digest('base64url').slice(0, 16);
}

/** The writer's name in the history: its account ("user:N") when it has one, else its guest session's. */
export function actorOf(writer: Writer): string {
  return writer.actor ?? writer.guest ?? guestActor(writer.session);
}
