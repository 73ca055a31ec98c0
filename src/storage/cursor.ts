// Opaque page cursors: the position after the last item of a page (keyset paging, so items
// added meanwhile cause neither duplicates nor gaps). Clients pass them back unread; the query
// kind inside stops a cursor of one query being used for another.
import { InvalidCursorError } from './errors.js';

export function encodeCursor(kind: string, position: readonly number[]): string {
  return Buffer.from(`${kind}:${position.join(',')}`, 'utf8').toString('base64url');
}

/** The position of a cursor for `kind` holding `length` numbers; throws InvalidCursorError. */
export function decodeCursor(kind: string, cursor: string, length: number): number[] {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = `${kind}:`;
  if (!text.startsWith(prefix)) throw new InvalidCursorError('invalid cursor');
  const parts = text.slice(prefix.length).split(',');
  if (parts.length !== length || !parts.every((part) => /^\d{1,16}$/.test(part))) throw new InvalidCursorError('invalid cursor');
  const position = parts.map(Number);
  if (!position.every(Number.isSafeInteger)) throw new InvalidCursorError('invalid cursor');
  return position;
}
