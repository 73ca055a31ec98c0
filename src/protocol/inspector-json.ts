// What the wire inspector's WebSocket (/inspect/ws) sends the inspector page:
// one JSON text message per record. Shared by the server (src/app/inspect)
// and the page (public/src/inspect.ts). Bytes travel as hex strings
// ("81 85 37 fa"), every field with its byte range.
import type { DescribedMessage } from './describe.js';

/** A field of a frame header or payload: bytes [start, end) of the frame, or some bits of one byte. */
export interface FieldJson {
  name: string;
  start: number;
  end: number;
  bits?: string;
  value: string;
  meaning: string;
}

export interface MessageJson {
  binary: boolean;
  compressed: boolean;
  /** Payload bytes on the wire over all its frames, and the message's own length (inflated); -1: unknown. */
  wireLength: number;
  length: number;
  /** Its first bytes (inflated), in hex, and how many of them. */
  hex: string | null;
  shownLength: number;
  /** A text message's text (cut like `hex`). */
  text?: string;
  /** The Tessera message it is, field by field. */
  tessera?: DescribedMessage;
  problem?: string;
}

export interface FrameJson {
  opcodeName: string;
  fin: boolean;
  rsv1: boolean;
  masked: boolean;
  lengthBits: 7 | 16 | 64;
  payloadLength: number;
  /** The header as on the wire. */
  header: string;
  maskKey: string | null;
  /** The payload's first bytes as on the wire (masked, if masked), and the same unmasked. */
  payload: string;
  unmasked: string | null;
  /** True when the payload is longer than what is shown. */
  truncated: boolean;
  fields: FieldJson[];
  close?: { code: number | null; reason: string };
  message?: MessageJson;
  problem?: string;
}

/** The steps of Sec-WebSocket-Accept (RFC 6455 §4.2.2 item 5.4). */
export interface AcceptStepsJson {
  key: string;
  guid: string;
  concatenated: string;
  sha1: string;
  accept: string;
}

export type InspectorRecord =
  /** First record: what this inspector shows and keeps. */
  | { kind: 'attached'; maxConnections: number; shownBytes: number; maxMessageBytes: number }
  /** A connection of this session, from now on shown; `handshake` is null when it opened before the inspector attached. */
  | {
      kind: 'open';
      connection: number;
      at: number;
      handshake: { request: string; response: string; accept: AcceptStepsJson | null } | null;
      compression: string | null;
    }
  | { kind: 'frame'; connection: number; at: number; from: 'client' | 'server'; frame: FrameJson }
  | { kind: 'closed'; connection: number; at: number; code: number; reason: string }
  /** More of this session's connections are open than one inspector shows: this one is not shown. */
  | { kind: 'not-shown'; reason: string }
  /** The page read too slowly: this many records were dropped before the next one. */
  | { kind: 'dropped'; count: number };
