// A hook that sees one connection's bytes as they cross the wire, in both
// directions: the wire inspector's way in. A connection without one pays a
// null check per read and per write, nothing more.

export interface WireTap {
  /**
   * Bytes from the peer, before anything reads them. They are unmasked in
   * place right after this returns: copy what you keep.
   */
  received(bytes: Uint8Array): void;
  /** Bytes we send, in order, frame by frame (a frame may come in several calls: header, then payload). */
  sent(bytes: Uint8Array): void;
  /** The connection ended with this close code and reason. */
  closed(code: number, reason: string): void;
}
