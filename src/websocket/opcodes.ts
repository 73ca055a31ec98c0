// Numbers that appear on the wire in WebSocket frames (RFC 6455).

/**
 * Frame opcodes (RFC 6455 §5.2, registry in §11.8).
 * 0x0–0x7 are data (non-control) opcodes, 0x8–0xF control opcodes;
 * the values not listed here (0x3–0x7, 0xB–0xF) are reserved and a
 * receiver must fail the connection when it sees one.
 */
export const Opcode = {
  /** Carries the next fragment of a Text or Binary message (§5.4). */
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Control frames are those whose opcode has the high bit set (§5.5). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** Status codes carried in the first two bytes of a Close frame (§7.4.1). */
export const CloseCode = {
  NormalClosure: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  /** The endpoint got a type of data it cannot accept (e.g. binary when it only understands text). */
  UnsupportedData: 1003,
  /** Never sent: stands for "the Close frame carried no status code". */
  NoStatus: 1005,
  /** Never sent: stands for "the connection dropped without a Close frame". */
  Abnormal: 1006,
  /** Data inside a message did not match its type, e.g. invalid UTF-8 in a text message. */
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
  TryAgainLater: 1013,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * May this status code appear in a Close frame on the wire?
 * - 1000–1003 and 1007–1014 are defined by RFC 6455 or the IANA registry.
 * - 1004 is reserved; 1005, 1006 (and 1015, TLS failure) are for APIs only,
 *   they describe a close that had no code and must never be sent.
 * - 3000–3999 are registered with IANA for libraries and frameworks,
 *   4000–4999 are for private use by applications.
 * Anything else (0–999, 1016–2999, ≥ 5000) is a protocol error.
 */
export function isValidCloseCodeOnWire(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}
