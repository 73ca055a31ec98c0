// Numbers and shapes of the Tessera wire protocol (docs/PROTOCOL.md).
// Shared by the server and the browser client: no Node-only APIs here or in
// any src/protocol file.

export const PROTOCOL_VERSION = 1;

/** The first byte of every message. */
export const MessageType = {
  // server → client
  Hello: 0x01,
  Chunk: 0x02,
  Diff: 0x03,
  Ack: 0x04,
  Reject: 0x05,
  Quota: 0x06,
  Online: 0x07,
  Pong: 0x08,
  ProtocolError: 0x09,
  Locks: 0x0a,
  BoardState: 0x0b,
  Banned: 0x0c,
  Policy: 0x0d,
  // client → server
  Subscribe: 0x10,
  Unsubscribe: 0x11,
  Place: 0x12,
  PlaceBatch: 0x13,
  TileWrite: 0x14,
  Ping: 0x15,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Why a write was refused (REJECT's `reason`). */
export const RejectReason = {
  RATE_LIMITED: 1,
  INVALID_COORDS: 2,
  INVALID_COLOR: 3,
  LOCKED: 4,
  BANNED: 5,
  NOT_ALLOWED: 6,
  UNAVAILABLE: 7,
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** PROTOCOL_ERROR's `code`. */
export const ProtocolErrorCode = {
  UnknownType: 1,
  Malformed: 2,
  UnknownBoard: 3,
  TooManySubscriptions: 4,
  TextMessage: 5,
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** CHUNK's `encoding`: how its pixel bytes are laid out (chunk-encoding.ts). */
export const ChunkEncoding = {
  Raw: 0,
  Runs: 1,
  Empty: 2,
} as const;
export type ChunkEncoding = (typeof ChunkEncoding)[keyof typeof ChunkEncoding];

/**
 * What a decoder returns instead of a message. The codes are those of
 * PROTOCOL_ERROR, so the server can answer a fault as it is.
 */
export interface ProtocolFault {
  type: 'fault';
  code: 1 | 2 | 5;
  message: string;
}

// ---- client → server ----

export interface ChunkListMessage {
  type: 'subscribe' | 'unsubscribe';
  board: number;
  /** cx, cy, cx, cy, … */
  chunks: Uint16Array;
}

export interface PlaceMessage {
  type: 'place';
  requestId: number;
  board: number;
  x: number;
  y: number;
  color: number;
}

export interface PlaceBatchMessage {
  type: 'place-batch';
  requestId: number;
  board: number;
  /** A view of the message's `count` × (x u16 BE, y u16 BE, color u8) bytes. */
  pixels: Uint8Array;
  count: number;
}

export interface TileWriteMessage {
  type: 'tile-write';
  requestId: number;
  board: number;
  tx: number;
  ty: number;
  /** A view of the rest of the message; the server checks it holds tileSize² colours. */
  colors: Uint8Array;
}

export interface PingMessage {
  type: 'ping';
  clientTime: number;
}

export type ClientMessage =
  | ChunkListMessage
  | PlaceMessage
  | PlaceBatchMessage
  | TileWriteMessage
  | PingMessage;

// ---- server → client ----

export interface HelloMessage {
  type: 'hello';
  /** Decoded as version 1's layout whatever it says: the client must check it. */
  protocolVersion: number;
  /** 16 bytes. */
  sessionId: Uint8Array;
  /** The UTF-8 JSON text, not parsed: that is the client's business. */
  json: string;
}

export interface ChunkMessage {
  type: 'chunk';
  board: number;
  cx: number;
  cy: number;
  version: number;
  encoding: number;
  /** A view of the rest of the message, laid out per `encoding`. */
  pixels: Uint8Array;
}

export interface DiffSection {
  board: number;
  cx: number;
  cy: number;
  fromVersion: number;
  toVersion: number;
  offsets: Uint16Array;
  /** colors[i] is the colour now at offsets[i]. */
  colors: Uint8Array;
}

export interface DiffMessage {
  type: 'diff';
  sections: DiffSection[];
}

export interface AckMessage {
  type: 'ack';
  requestId: number;
  count: number;
  color: number;
}

export interface RejectMessage {
  type: 'reject';
  requestId: number;
  reason: number;
  retryAfterMs: number;
}

export interface QuotaMessage {
  type: 'quota';
  board: number;
  available: number;
  capacity: number;
  nextInMs: number;
}

export interface OnlineEntry {
  board: number;
  count: number;
}

export interface OnlineMessage {
  type: 'online';
  entries: OnlineEntry[];
}

export interface PongMessage {
  type: 'pong';
  clientTime: number;
  serverTime: number;
}

export interface ProtocolErrorMessage {
  type: 'protocol-error';
  code: number;
  message: string;
}

/** A board's region locks, all of them (the list replaces the one before). */
export interface LocksMessage {
  type: 'locks';
  board: number;
  locks: { x: number; y: number; width: number; height: number }[];
}

export interface BoardStateMessage {
  type: 'board-state';
  board: number;
  /** false: frozen by an operator (read-only). */
  open: boolean;
  /** The event window in ms since the Unix epoch; 0: no bound. */
  opensAt: number;
  closesAt: number;
}

/** This client may not write; the server closes the connection (1008) right after. */
export interface BannedMessage {
  type: 'banned';
  /** ms since the Unix epoch; 0: until lifted. */
  expiresAt: number;
  reason: string;
}

/** A board's write policy changed at runtime: the JSON of HELLO's `policy` for that board. */
export interface PolicyMessage {
  type: 'policy';
  board: number;
  json: string;
}

export type ServerMessage =
  | HelloMessage
  | ChunkMessage
  | DiffMessage
  | AckMessage
  | RejectMessage
  | QuotaMessage
  | OnlineMessage
  | PongMessage
  | ProtocolErrorMessage
  | LocksMessage
  | BoardStateMessage
  | BannedMessage
  | PolicyMessage;
