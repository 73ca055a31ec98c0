// A Tessera message taken apart field by field, for people to read (the wire
// inspector, wscat.js --tessera): each field's byte range and its value. The
// values come from the real decoders (decodeClientMessage,
// decodeServerMessage), so what is shown is what the server and the client
// understand; the byte ranges follow docs/PROTOCOL.md. Lists are shown up to
// MAX_LISTED entries, then summed up in one field.
import { decodeClientMessage } from './client-messages.js';
import { decodeServerMessage } from './server-messages.js';
import { MessageType, RejectReason, type ClientMessage, type ProtocolFault, type ServerMessage } from './types.js';

export interface MessageField {
  name: string;
  /** Bytes [start, end) of the message. */
  start: number;
  end: number;
  value: string;
}

export interface DescribedMessage {
  /** The type's name as PROTOCOL.md writes it (PLACE, ACK, DIFF, …), or "?" for an unknown type. */
  name: string;
  fields: MessageField[];
  /** What the decoder refused in it, if it did. */
  fault?: string;
}

const MAX_LISTED = 16;
const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(MessageType).map(([name, value]) => [value, name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()]),
);
const REJECT_NAMES: Record<number, string> = Object.fromEntries(Object.entries(RejectReason).map(([name, value]) => [value, name]));

/** A message the client sent (`fromClient`) or the server sent, described. */
export function describeMessage(bytes: Uint8Array, fromClient: boolean): DescribedMessage {
  const name = bytes.length === 0 ? '?' : (TYPE_NAMES[bytes[0]!] ?? '?');
  const fields: MessageField[] = bytes.length === 0 ? [] : [{ name: 'type', start: 0, end: 1, value: `0x${hex2(bytes[0]!)} ${name}` }];
  const decoded = fromClient ? decodeClientMessage(bytes) : decodeServerMessage(bytes);
  if (decoded.type === 'fault') return { name, fields, fault: (decoded as ProtocolFault).message };
  if (fromClient) clientFields(decoded as ClientMessage, bytes, fields);
  else serverFields(decoded as ServerMessage, bytes, fields);
  return { name, fields };
}

function clientFields(message: ClientMessage, bytes: Uint8Array, fields: MessageField[]): void {
  const add = (name: string, start: number, end: number, value: string | number) => fields.push({ name, start, end, value: String(value) });
  switch (message.type) {
    case 'subscribe':
    case 'unsubscribe': {
      add('board', 1, 2, message.board);
      const n = message.chunks.length / 2;
      add('n (chunks)', 2, 4, n);
      listed(n, 4, 4, (i, at) => add(`chunk ${i}: cx, cy`, at, at + 4, `${message.chunks[i * 2]}, ${message.chunks[i * 2 + 1]}`), add);
      return;
    }
    case 'place':
      add('requestId', 1, 5, message.requestId);
      add('board', 5, 6, message.board);
      add('x', 6, 8, message.x);
      add('y', 8, 10, message.y);
      add('color', 10, 11, message.color);
      return;
    case 'place-batch':
      add('requestId', 1, 5, message.requestId);
      add('board', 5, 6, message.board);
      add('n (pixels)', 6, 8, message.count);
      listed(message.count, 8, 5, (i, at) => add(`pixel ${i}: x, y, color`, at, at + 5, `${readU16(bytes, at)}, ${readU16(bytes, at + 2)}, ${bytes[at + 4]}`), add);
      return;
    case 'tile-write':
      add('requestId', 1, 5, message.requestId);
      add('board', 5, 6, message.board);
      add('tx', 6, 8, message.tx);
      add('ty', 8, 10, message.ty);
      add('colors', 10, bytes.length, `${message.colors.length} bytes, one per pixel, row by row`);
      return;
    case 'ping':
      add('clientTime (f64)', 1, 9, message.clientTime);
      return;
  }
}

function serverFields(message: ServerMessage, bytes: Uint8Array, fields: MessageField[]): void {
  const add = (name: string, start: number, end: number, value: string | number) => fields.push({ name, start, end, value: String(value) });
  switch (message.type) {
    case 'hello':
      add('protocolVersion', 1, 2, message.protocolVersion);
      add('sessionId', 2, 18, `${message.sessionId.length} bytes (your session)`);
      add('jsonLength', 18, 22, bytes.length - 22); // the decoder checked that it is the rest
      add('json', 22, bytes.length, message.json.length > 200 ? `${message.json.slice(0, 200)}…` : message.json);
      return;
    case 'chunk':
      add('board', 1, 2, message.board);
      add('cx', 2, 4, message.cx);
      add('cy', 4, 6, message.cy);
      add('version', 6, 10, message.version);
      add('encoding', 10, 11, ['0 raw', '1 runs', '2 empty'][message.encoding] ?? message.encoding);
      add('pixels', 11, bytes.length, `${message.pixels.length} bytes`);
      return;
    case 'diff': {
      let at = 1;
      message.sections.forEach((section, s) => {
        const n = section.offsets.length;
        add(`section ${s}: board, cx, cy`, at, at + 5, `${section.board}, ${section.cx}, ${section.cy}`);
        add(`section ${s}: fromVersion → toVersion`, at + 5, at + 13, `${section.fromVersion} → ${section.toVersion}`);
        add(`section ${s}: n (pixels)`, at + 13, at + 15, n);
        listed(n, at + 15, 3, (i, entry) => add(`section ${s}, pixel ${i}: offset, color`, entry, entry + 3, `${section.offsets[i]}, ${section.colors[i]}`), add);
        at += 15 + n * 3;
      });
      return;
    }
    case 'ack':
      add('requestId', 1, 5, message.requestId);
      add('count', 5, 7, message.count);
      add('color', 7, 8, message.color);
      return;
    case 'reject':
      add('requestId', 1, 5, message.requestId);
      add('reason', 5, 6, `${message.reason} ${REJECT_NAMES[message.reason] ?? ''}`.trim());
      add('retryAfterMs', 6, 10, message.retryAfterMs);
      return;
    case 'quota':
      add('board', 1, 2, message.board);
      add('available', 2, 4, message.available);
      add('capacity', 4, 6, message.capacity);
      add('nextInMs', 6, 10, message.nextInMs);
      return;
    case 'online':
      add('n (boards)', 1, 2, message.entries.length);
      listed(message.entries.length, 2, 5, (i, at) => add(`board ${message.entries[i]!.board}: online`, at, at + 5, message.entries[i]!.count), add);
      return;
    case 'pong':
      add('clientTime (f64)', 1, 9, message.clientTime);
      add('serverTime (f64)', 9, 17, message.serverTime);
      return;
    case 'protocol-error':
      add('code', 1, 2, message.code);
      add('message', 2, bytes.length, message.message);
      return;
  }
}

/** Calls `each` for the first MAX_LISTED of `count` entries of `size` bytes from `start`, then sums up the rest. */
function listed(
  count: number,
  start: number,
  size: number,
  each: (index: number, at: number) => void,
  add: (name: string, start: number, end: number, value: string) => void,
): void {
  const shown = Math.min(count, MAX_LISTED);
  for (let i = 0; i < shown; i++) each(i, start + i * size);
  if (count > shown) add(`${count - shown} more`, start + shown * size, start + count * size, `${(count - shown) * size} bytes`);
}

function readU16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function hex2(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
