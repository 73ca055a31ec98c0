// The received-but-unparsed bytes of one connection, as the list of chunks the
// socket delivered. Both parsers read from one: the HTTP request parser and the
// WebSocket frame parser. Bytes are consumed in place and handed out as views
// of the chunks they arrived in; copying happens only when a caller needs bytes
// that span chunks in one piece.

const EMPTY = Buffer.alloc(0);

export class ByteQueue {
  // chunks[0] is read from `start`; the other chunks are unread.
  private readonly chunks: Buffer[] = [];
  private start = 0;
  private size = 0;
  // The buffer join() last built, and the view of its filled part (see join).
  private joinSpace: Buffer | null = null;
  private joined: Buffer | null = null;

  /** Unread bytes. */
  get length(): number {
    return this.size;
  }

  /** The chunk holding the next byte (read it from `offset`), or undefined when empty. */
  get front(): Buffer | undefined {
    return this.chunks[0];
  }

  /** Where the next byte is in `front`. */
  get offset(): number {
    return this.start;
  }

  /** Unread bytes in `front`: how many can be read without crossing into the next chunk. */
  get frontLength(): number {
    const front = this.chunks[0];
    return front === undefined ? 0 : front.length - this.start;
  }

  /** Appends a chunk. The queue keeps it (no copy): the caller must not reuse it. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The byte `index` positions past the read position, or undefined if it has not arrived. */
  peek(index: number): number | undefined {
    let position = this.start + index;
    for (const chunk of this.chunks) {
      if (position < chunk.length) return chunk[position];
      position -= chunk.length;
    }
    return undefined;
  }

  /** Marks the next `count` bytes as read (count ≤ length). */
  consume(count: number): void {
    this.size -= count;
    while (count > 0) {
      const available = this.chunks[0]!.length - this.start;
      if (count < available) {
        this.start += count;
        return;
      }
      count -= available;
      this.dropFront();
    }
  }

  /** Reads up to `maxBytes` from the front chunk, as a view of it (never a copy). */
  take(maxBytes: number): Buffer {
    const front = this.chunks[0];
    if (front === undefined) return EMPTY;
    const end = Math.min(front.length, this.start + maxBytes);
    const view = front.subarray(this.start, end);
    this.consume(view.length);
    return view;
  }

  /** Reads exactly `count` bytes (count ≤ length): a view if the front chunk holds them, else a copy. */
  read(count: number): Buffer {
    if (count === 0) return EMPTY;
    if (this.frontLength >= count) return this.take(count);
    const copy = Buffer.allocUnsafe(count);
    this.copyTo(copy, 0, count);
    return copy;
  }

  /** Copies the next `count` bytes (count ≤ length) into `target` at `targetStart`, and reads them. */
  copyTo(target: Uint8Array, targetStart: number, count: number): void {
    while (count > 0) {
      const front = this.chunks[0]!;
      const n = Math.min(count, front.length - this.start);
      front.copy(target, targetStart, this.start, this.start + n);
      this.consume(n);
      targetStart += n;
      count -= n;
    }
  }

  /**
   * Makes the first min(length, maxBytes) bytes one chunk, so they can be
   * searched in one piece. The joined buffer gets spare room, and the next
   * join appends to it instead of copying it all again, so a peer trickling
   * a line one byte at a time costs linear copying.
   */
  join(maxBytes: number): void {
    const size = Math.min(this.size, maxBytes);
    let target: Buffer;
    let filled = 0;
    if (this.joined !== null && this.chunks[0] === this.joined && this.start === 0 && size <= this.joinSpace!.length) {
      target = this.joinSpace!; // its first joined.length bytes are already in place
      filled = this.chunks.shift()!.length;
    } else {
      target = Buffer.allocUnsafe(Math.min(maxBytes, 2 * size));
    }
    while (filled < size) {
      const chunk = this.chunks[0]!;
      const end = Math.min(chunk.length, this.start + size - filled);
      filled += chunk.copy(target, filled, this.start, end);
      if (end === chunk.length) {
        this.chunks.shift();
        this.start = 0;
      } else {
        this.start = end;
      }
    }
    // Whatever was not joined stays queued behind the joined bytes.
    if (this.chunks.length > 0) this.chunks[0] = this.chunks[0]!.subarray(this.start);
    this.joinSpace = target;
    this.joined = target.subarray(0, size);
    this.chunks.unshift(this.joined);
    this.start = 0;
  }

  /** Reads everything that is left, in one Buffer. */
  takeAll(): Buffer {
    if (this.chunks.length > 0) this.chunks[0] = this.chunks[0]!.subarray(this.start);
    const rest = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    this.clear();
    return rest;
  }

  /** Forgets every unread byte. */
  clear(): void {
    this.chunks.length = 0;
    this.start = 0;
    this.size = 0;
    this.joinSpace = this.joined = null;
  }

  private dropFront(): void {
    // Once the joined bytes are read, their buffer is not appended to again.
    if (this.chunks.shift() === this.joined) this.joinSpace = this.joined = null;
    this.start = 0;
  }
}
