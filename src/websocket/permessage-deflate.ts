// permessage-deflate's data (RFC 7692 §7.2): a compressed message's payload
// is its bytes run through DEFLATE (RFC 1951) and flushed with a sync flush,
// which ends in an empty stored block, 00 00 ff ff; those 4 bytes are left
// off the wire (§7.2.1) and put back before inflating (§7.2.2).
//
//   "Hello" → f2 48 cd c9 c9 07 00 [00 00 ff ff]           (§7.2.3.1)
//   "Hello" again, with the first in the window → f2 00 11 00 00   (§7.2.3.2)
//
// No zlib context outlives a call. "Context takeover" means the next message
// may refer back into the previous ones, up to the LZ77 window (2^bits
// bytes); a zlib stream kept open per connection would remember that, at
// about 300 KiB of zlib state per connection. Here the window's bytes
// themselves are kept (at most 2^bits, and only when takeover is on) and
// handed to a fresh zlib call as its preset dictionary, which is exactly
// the history a kept stream would have. So an idle connection holds no
// zlib memory at all; one with context takeover holds its windows' bytes;
// zlib's working memory (about 256 KiB to deflate, 40 KiB to inflate) exists
// only during a call, one call at a time.
//
// Inflating is bounded: zlib writes its output in chunks and stops as soon
// as the total passes the endpoint's message limit, so a small message that
// would inflate to gigabytes (a "zip bomb") costs at most the limit.
import { constants, deflateRawSync, inflateRawSync, type ZlibOptions } from 'node:zlib';
import type { DeflateAgreement } from './deflate-negotiation.js';
import { CloseCode } from './opcodes.js';

const SYNC_FLUSH_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
// zlib's defaults: memLevel 8 (its hash tables, 128 KiB, exist only during a call) and level 6.
const MEM_LEVEL = 8;
const LEVEL = constants.Z_DEFAULT_COMPRESSION;
/** Inflating accepts any window up to the largest, 2^15 bytes. */
const MAX_WINDOW_BITS = 15;
/** Messages sent to one connection are compressed from this size up: below it zlib costs more than it saves. */
export const MIN_COMPRESSED_SIZE = 1024;

/** Why a compressed message could not be inflated: 1007 (not DEFLATE data) or 1009 (too big). */
export class InflateError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Compresses one message's payload into what goes on the wire (without the
 * 00 00 ff ff tail), with an LZ77 window of 2^windowBits bytes, referring
 * back into `history` if given. It may come out longer than the payload
 * ("Hello" takes 7 bytes): callers send such a message uncompressed.
 */
export function deflateMessage(payload: Uint8Array, windowBits: number, history: Uint8Array | null = null): Buffer {
  const options: ZlibOptions = { windowBits, memLevel: MEM_LEVEL, level: LEVEL, finishFlush: constants.Z_SYNC_FLUSH };
  if (history !== null) options.dictionary = history;
  const output = deflateRawSync(payload, options);
  return output.subarray(0, output.length - SYNC_FLUSH_TAIL.length); // a sync flush always ends with the tail
}

/**
 * Inflates one message's payload (as received, without the tail), referring
 * back into `history` if given. Throws InflateError: 1009 as soon as the
 * output passes `maxLength` (nothing larger is ever allocated), 1007 if the
 * bytes are not DEFLATE data.
 */
export function inflateMessage(payload: Uint8Array, maxLength: number, history: Uint8Array | null = null): Buffer {
  const input = Buffer.allocUnsafe(payload.length + SYNC_FLUSH_TAIL.length);
  input.set(payload, 0);
  input.set(SYNC_FLUSH_TAIL, payload.length);
  const options: ZlibOptions = {
    windowBits: MAX_WINDOW_BITS,
    finishFlush: constants.Z_SYNC_FLUSH,
    maxOutputLength: Math.max(1, maxLength),
  };
  if (history !== null) options.dictionary = history;
  let output: Buffer;
  try {
    output = inflateRawSync(input, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new InflateError(CloseCode.MessageTooBig, `message inflates to more than ${maxLength} bytes`);
    }
    throw new InflateError(CloseCode.InvalidPayload, `compressed message is not valid DEFLATE data: ${(error as Error).message}`);
  }
  if (output.length > maxLength) throw new InflateError(CloseCode.MessageTooBig, `message inflates to more than ${maxLength} bytes`);
  return output;
}

/**
 * The last 2^bits bytes that went through one direction's compressor: the
 * history the next message may refer back into (context takeover).
 */
class Window {
  private bytes: Buffer | null = null;

  constructor(private readonly size: number) {}

  get history(): Buffer | null {
    return this.bytes;
  }

  /** Slides `data` into the window. */
  push(data: Uint8Array): void {
    const size = this.size;
    const kept = Math.min(this.bytes?.length ?? 0, Math.max(0, size - data.length));
    const fresh = Math.min(data.length, size);
    // Not from Buffer's shared pool: a window lives as long as its connection.
    const next = Buffer.allocUnsafeSlow(kept + fresh);
    if (kept > 0) this.bytes!.copy(next, 0, this.bytes!.length - kept);
    next.set(data.subarray(data.length - fresh), kept);
    this.bytes = next;
  }
}

/** One connection's compression, both ways, as negotiated. */
export class PerMessageDeflate {
  // Only with context takeover, and only once a compressed message has passed.
  private sentWindow: Window | null = null;
  private receivedWindow: Window | null = null;

  constructor(readonly agreement: DeflateAgreement) {}

  /** The payload to send with RSV1 set, or null to send this message uncompressed (small, or incompressible). */
  compress(payload: Uint8Array): Buffer | null {
    if (payload.length < MIN_COMPRESSED_SIZE) return null;
    const { serverNoContextTakeover, serverMaxWindowBits } = this.agreement;
    const compressed = deflateMessage(payload, serverMaxWindowBits, this.sentWindow?.history ?? null);
    if (compressed.length >= payload.length) return null;
    // Only what the peer inflates enters its window, and so ours.
    if (!serverNoContextTakeover) this.sentCompressed(payload);
    return compressed;
  }

  /**
   * Can a message compressed with no history and a 2^windowBits window (a
   * PreparedMessage) be sent here? Yes if the peer accepts that window.
   */
  acceptsShared(windowBits: number): boolean {
    return windowBits <= this.agreement.serverMaxWindowBits;
  }

  /**
   * A message compressed elsewhere (shared) was sent: with context takeover, it
   * is now history for the peer. (Its payload is read only then: on /ws, for
   * every subscriber of every broadcast, it is not.)
   */
  sentShared(message: { readonly payload: Uint8Array }): void {
    if (!this.agreement.serverNoContextTakeover) this.sentCompressed(message.payload);
  }

  /** Inflates a received message's payload; throws InflateError (1007, 1009). */
  decompress(payload: Uint8Array, maxLength: number): Buffer {
    const { clientNoContextTakeover, clientMaxWindowBits } = this.agreement;
    const message = inflateMessage(payload, maxLength, this.receivedWindow?.history ?? null);
    if (!clientNoContextTakeover) (this.receivedWindow ??= new Window(2 ** clientMaxWindowBits)).push(message);
    return message;
  }

  private sentCompressed(payload: Uint8Array): void {
    (this.sentWindow ??= new Window(2 ** this.agreement.serverMaxWindowBits)).push(payload);
  }
}
