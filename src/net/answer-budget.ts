// The bytes of HTTP answers written but not yet taken by the kernel, counted across every
// connection of a server. One connection's queue is held to 1 MiB (http-connection.ts); many
// pipelining non-readers together are held to this budget: while it is spent, a connection
// that still has answers of its own queued answers no more requests (and reads none) until
// they have left. A connection with nothing queued is always answered, so a client that
// reads its answers is served whatever the others do.
export class AnswerBudget {
  private queued = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes queued now, by all connections together. */
  get bytes(): number {
    return this.queued;
  }

  get spent(): boolean {
    return this.queued > this.maxBytes;
  }

  /** A connection's queue grew (or, negative, shrank) by `delta` bytes. */
  change(delta: number): void {
    this.queued += delta;
  }
}
