// The bytes that unfinished messages may hold, counted across every
// WebSocket connection of a server. A message that arrives in pieces
// (fragments, or one frame spread over many reads) is copied into a buffer
// until it is whole; one peer holding part of a large message is bounded by
// the endpoint's maxMessageSize, but many peers doing it at once are bounded
// only by this. A parser whose buffer would take the total past the limit
// fails its connection with 1013 (Try Again Later): the server, not the
// message, is short of room.

export class MessageMemory {
  private used = 0;

  constructor(readonly limit: number) {}

  /** Bytes held now, by all connections together. */
  get held(): number {
    return this.used;
  }

  /** Takes `bytes` if they fit under the limit; otherwise takes nothing. */
  reserve(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }
}
