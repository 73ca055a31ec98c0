// A message encoded once and sent to many connections, with or without
// permessage-deflate (the idea of gorilla/websocket's PreparedMessage). The
// plain frame is encoded at once; the compressed frame the first time a
// connection that negotiated compression asks for it, then shared by all of
// them. That sharing is why it is compressed with no history (each
// connection's peer has a different one) and a window of SHARED_WINDOW_BITS:
// a connection that negotiated a smaller window gets the plain frame.
//
//   const message = new PreparedMessage(Opcode.Binary, payload);
//   for (const connection of subscribers) connection.sendPrepared(message);
import { encodeFrame, encodeFrameHeader } from './frame-encoder.js';
import { deflateMessage } from './permessage-deflate.js';

/** The window of shared compressed frames: 2^15 bytes, what every client accepts unless it asks for less. */
export const SHARED_WINDOW_BITS = 15;
/**
 * Shorter payloads go plain without trying: deflate's block header and end
 * code take about 2 bytes and a match needs 3 repeated ones, so they hardly
 * ever shrink (measured on DIFFs: one section of any size, or two of one
 * pixel, 37 bytes, shrink by under a byte on average; three, 55 bytes, to 49).
 */
export const MIN_SHARED_COMPRESSED_SIZE = 40;

export class PreparedMessage {
  /** The frame without compression. Shared: nobody may modify it. */
  readonly frame: Buffer;
  private readonly headerLength: number;
  // undefined: not compressed yet; null: compressing does not make it smaller.
  private compressed: Buffer | null | undefined = undefined;

  constructor(
    private readonly opcode: number,
    payload: Uint8Array,
  ) {
    this.frame = encodeFrame(opcode, payload);
    this.headerLength = this.frame.length - payload.length;
  }

  /** The payload, as a view of the plain frame. */
  get payload(): Buffer {
    return this.frame.subarray(this.headerLength);
  }

  /** The frame compressed (RSV1 set), made on first use; null when compressing does not make it smaller (or is not tried). */
  compressedFrame(): Buffer | null {
    if (this.compressed === undefined) {
      const payload = this.payload;
      const deflated = payload.length < MIN_SHARED_COMPRESSED_SIZE ? payload : deflateMessage(payload, SHARED_WINDOW_BITS);
      this.compressed = deflated.length >= payload.length
        ? null
        : Buffer.concat([encodeFrameHeader(this.opcode, deflated.length, true, undefined, true), deflated]);
    }
    return this.compressed;
  }
}
