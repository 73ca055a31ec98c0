// Writes to the board, optimistically: the pixels show at once (the chunk store's
// overlay) and go back to what the server holds if it REJECTs them. Every request
// carries its own id, so answers find their pixels whatever order they come in.
import {
  encodePlace,
  encodePlaceBatch,
  encodeTileWrite,
  RejectReason,
  type AckMessage,
  type RejectMessage,
} from '../../src/protocol/messages.js';
import type { ChunkStore } from './chunk-store.js';

export type PlaceResult =
  | { ok: true; count: number }
  | { ok: false; reason: number; retryAfterMs: number; message: string };

/** Pixels waiting to be sent as one request (a click, or a piece of a stroke). */
export class PendingWrite {
  /** x, y, color triples. */
  readonly pixels: number[] = [];
  private readonly taken = new Set<number>();
  /** The tile of a TILE_WRITE; null for pixels. */
  tile: { tx: number; ty: number } | null = null;
  /** Tokens the write costs (the quota's units), set when it is sent. */
  cost = 0;

  constructor(
    readonly id: number,
    readonly store: ChunkStore,
  ) {}

  get count(): number {
    return this.pixels.length / 3;
  }

  /** Adds a pixel (once) and shows it at once. False if it was already in this write. */
  add(x: number, y: number, color: number): boolean {
    const key = y * this.store.board.width + x;
    if (this.taken.has(key)) return false;
    this.taken.add(key);
    this.pixels.push(x, y, color);
    this.store.setPending(x, y, color, this.id);
    return true;
  }
}

interface InFlight {
  write: PendingWrite;
  resolve: (result: PlaceResult) => void;
}

export class Placer {
  private nextId = 1;
  private readonly inFlight = new Map<number, InFlight>();
  /** Pixels shown and then taken back (REJECT, lost connection): for tests. */
  rolledBack = 0;
  /** Every answer, after the pixels were committed or rolled back (toasts, announcements). */
  onResult: (result: PlaceResult, write: PendingWrite) => void = () => {};

  constructor(private readonly send: (bytes: Uint8Array) => boolean) {}

  begin(store: ChunkStore): PendingWrite {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return new PendingWrite(id, store);
  }

  /** A whole tile (TILE_WRITE); `colors` is tileSize² palette indices, row-major. */
  beginTile(store: ChunkStore, tx: number, ty: number, colors: Uint8Array): PendingWrite {
    const size = store.board.tileSize!;
    const write = this.begin(store);
    write.tile = { tx, ty };
    for (let i = 0; i < colors.length; i++) write.add(tx * size + (i % size), ty * size + Math.floor(i / size), colors[i]!);
    return write;
  }

  /** Sends a write as PLACE (one pixel), PLACE_BATCH or TILE_WRITE. */
  commit(write: PendingWrite): Promise<PlaceResult> {
    const board = write.store.board.index;
    const { pixels, tile } = write;
    let bytes: Uint8Array;
    if (tile !== null) {
      const colors = new Uint8Array(write.count);
      for (let i = 0; i < colors.length; i++) colors[i] = pixels[i * 3 + 2]!;
      bytes = encodeTileWrite(write.id, board, tile.tx, tile.ty, colors);
    } else {
      bytes = write.count === 1 ? encodePlace(write.id, board, pixels[0]!, pixels[1]!, pixels[2]!) : encodePlaceBatch(write.id, board, pixels);
    }
    return this.dispatch(write, bytes);
  }

  handleAck(message: AckMessage): void {
    const request = this.take(message.requestId);
    if (request === undefined) return;
    const { pixels, store } = request.write;
    // Accepted: the pixels become the server's until the DIFF confirms them.
    for (let i = 0; i < pixels.length; i += 3) store.clearPending(pixels[i]!, pixels[i + 1]!, request.write.id, pixels[i + 2]!);
    this.finish(request, { ok: true, count: message.count });
  }

  handleReject(message: RejectMessage): void {
    const request = this.take(message.requestId);
    if (request === undefined) return;
    this.rollBack(request.write);
    this.finish(request, { ok: false, reason: message.reason, retryAfterMs: message.retryAfterMs, message: rejectText(message.reason, message.retryAfterMs) });
  }

  /** The connection dropped: no answer will come. The resync brings the truth. */
  abandonAll(): void {
    for (const [id, request] of this.inFlight) {
      this.inFlight.delete(id);
      this.rollBack(request.write);
      this.finish(request, { ok: false, reason: 0, retryAfterMs: 0, message: 'Connection lost: not placed' });
    }
  }

  get pendingRequests(): number {
    return this.inFlight.size;
  }

  private dispatch(write: PendingWrite, bytes: Uint8Array): Promise<PlaceResult> {
    if (!this.send(bytes)) {
      this.rollBack(write);
      const result: PlaceResult = { ok: false, reason: 0, retryAfterMs: 0, message: 'Not connected: not placed' };
      this.onResult(result, write);
      return Promise.resolve(result);
    }
    return new Promise((resolve) => this.inFlight.set(write.id, { write, resolve }));
  }

  private take(id: number): InFlight | undefined {
    const request = this.inFlight.get(id);
    this.inFlight.delete(id);
    return request;
  }

  private rollBack(write: PendingWrite): void {
    const { pixels, store } = write;
    this.rolledBack += write.count;
    for (let i = 0; i < pixels.length; i += 3) store.clearPending(pixels[i]!, pixels[i + 1]!, write.id, null);
  }

  private finish(request: InFlight, result: PlaceResult): void {
    this.onResult(result, request.write);
    request.resolve(result);
  }
}

/** What to tell the user about a REJECT. */
export function rejectText(reason: number, retryAfterMs: number): string {
  switch (reason) {
    case RejectReason.RATE_LIMITED:
      return `Too fast: wait ${(retryAfterMs / 1000).toFixed(1)} s`;
    case RejectReason.INVALID_COORDS:
      return 'Not placed: outside the board';
    case RejectReason.INVALID_COLOR:
      return 'Not placed: not a colour of this board';
    case RejectReason.LOCKED:
      return 'Not placed: this area is locked';
    case RejectReason.BANNED:
      return 'Not placed: you may not place on this board';
    case RejectReason.NOT_ALLOWED:
      return 'Not placed: this board does not allow that';
    default:
      return `Not placed (reason ${reason})`;
  }
}
