// The receiving half of RFC 6455 framing, "sans-I/O": feed it bytes with
// `receive`, pull decoded events with `nextEvent`. It never touches a socket,
// so the connection layer decides how to react (answer pings, send close...).
//
// Frame layout (§5.2), see also frame-encoder.ts:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-------+-+-------------+-------------------------------+
//   |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//   |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//   |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//   | |1|2|3|       |K|             |                               |
//   +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//   |     Extended payload length continued, if payload len == 127  |
//   + - - - - - - - - - - - - - - - +-------------------------------+
//   |                               |Masking-key, if MASK set to 1  |
//   +-------------------------------+-------------------------------+
//   | Masking-key (continued)       |          Payload Data         |
//   +-------------------------------- - - - - - - - - - - - - - - - +
//
// A message is one data frame (Text or Binary) with FIN set, or a Text/Binary
// frame with FIN clear followed by Continuation frames, the last with FIN set
// (§5.4). Control frames (Close, Ping, Pong) may appear between fragments.
//
// Memory: received chunks wait in a ByteQueue and are consumed in place. A frame
// whose payload lies inside one chunk is delivered as a zero-copy view of that
// chunk, unmasked in place. Otherwise (fragmented message, or a payload that
// spans chunks) the payload is copied into one growable message buffer as
// bytes arrive, so text can be validated early and no chunk is kept alive.
// The bytes such buffers hold are counted against a budget shared by every
// parser of the server (options.unfinishedMessages), so many peers each
// holding part of a large message cannot add up to unbounded memory.
//
// permessage-deflate (RFC 7692 §6): when it was negotiated, RSV1 on the first
// frame of a data message means "compressed". The parser only frames: it
// delivers the compressed payload with `compressed: true` and the protocol
// object inflates it (and validates text after inflating).

import { ByteQueue } from '../net/byte-queue.js';
import { CloseCode, Opcode, isControlOpcode, isValidCloseCodeOnWire } from './opcodes.js';
import type { MessageMemory } from './message-memory.js';
import { Utf8Validator, isValidUtf8 } from './utf8.js';

export interface FrameParserOptions {
  /** Largest payload of a single frame; larger → error 1009 as soon as the header is read. */
  maxFrameSize: number;
  /** Largest total payload of a data message, summed over its fragments → 1009. */
  maxMessageSize: number;
  /** Most frames one data message may be split into → 1009. */
  maxFragments: number;
  /** Server: frames must be masked. Client: frames must not be masked. Violation → 1002. */
  expectMasked: boolean;
  /** Bytes that unfinished messages of all parsers may hold, shared between them; none left → 1013. */
  unfinishedMessages?: MessageMemory;
}

export type WsEvent =
  /** `compressed`: RSV1 was set (permessage-deflate), so `data` is still DEFLATE data. */
  | { kind: 'message'; binary: boolean; data: Buffer; compressed: boolean }
  | { kind: 'ping'; data: Buffer }
  | { kind: 'pong'; data: Buffer }
  /** `code` is 1005 (NoStatus) when the Close frame had no payload. */
  | { kind: 'close'; code: number; reason: string }
  /** The parser is dead after this; the connection should send a Close with `code`. */
  | { kind: 'error'; code: number; message: string };

/** A reason to fail the connection; thrown inside the parser, turned into an 'error' event. */
class FrameError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const READING_HEADER = 0;
const READING_PAYLOAD = 1;
const DEAD = 2; // after 'close' or 'error': everything else is ignored

const MAX_HEADER_LENGTH = 14; // 2 + 8 (64-bit length) + 4 (mask)
const RSV1 = 0x40; // permessage-deflate's "Per-Message Compressed" bit (RFC 7692 §6)
const MAX_CONTROL_PAYLOAD = 125;
const MIN_MESSAGE_BUFFER = 1024;
const EMPTY = Buffer.alloc(0);
// Shared scratch space: parsing is synchronous, so one copy serves every
// parser, and an idle connection carries no typed arrays of its own.
const HEADER_SCRATCH = Buffer.alloc(MAX_HEADER_LENGTH); // a header that spans chunks
const MASK_SCRATCH = new Uint8Array(4);

export class FrameParser {
  private readonly options: FrameParserOptions;
  private state = READING_HEADER;

  // Received bytes not parsed yet.
  private readonly queue = new ByteQueue();

  // The frame being read (valid in READING_PAYLOAD).
  private fin = false;
  private opcode = 0;
  private payloadLength = 0;
  private payloadReceived = 0; // payload bytes already moved into the message buffer
  private masked = false;
  private maskKey = 0; // the 4 mask bytes as one big-endian u32

  // The data message being assembled. messageOpcode is Text or Binary from the
  // header of its first frame until it is delivered, and 0 when there is none.
  private messageOpcode = 0;
  private messageLength = 0; // payload bytes announced by its frame headers so far
  private messageFrames = 0;
  private messageCompressed = false; // RSV1 was set on its first frame
  private messageBuffer: Buffer | null = null;
  private messageFill = 0; // bytes of messageBuffer in use
  private heldBytes = 0; // messageBuffer's size, taken from options.unfinishedMessages
  private utf8: Utf8Validator | null = null; // created by the first text message

  /**
   * `options` is kept, not copied: share one object between parsers with the
   * same limits. `perMessageDeflate`: the extension was negotiated, so RSV1
   * marks a compressed message instead of being an error.
   */
  constructor(
    options: FrameParserOptions,
    private readonly perMessageDeflate = false,
  ) {
    this.options = options;
  }

  /** Bytes received but not parsed yet (not counting a message being assembled). */
  get bufferedBytes(): number {
    return this.queue.length;
  }

  /** True when every byte received so far belongs to a whole frame already read. */
  get atFrameBoundary(): boolean {
    return this.state !== READING_PAYLOAD && this.queue.length === 0;
  }

  /** True from the first frame header of a data message until the message is delivered. */
  get messageInProgress(): boolean {
    return this.messageOpcode !== 0;
  }

  /** Stops for good, giving back the memory of a message in progress (call it when the connection ends). */
  dispose(): void {
    this.die();
  }

  /** Adds bytes from the network. The parser owns `data` from now on: it may unmask it in place. */
  receive(data: Buffer): void {
    if (this.state === DEAD) return;
    this.queue.push(data);
  }

  /** Returns the next event, or null when more bytes are needed (or the parser is dead). */
  nextEvent(): WsEvent | null {
    try {
      for (;;) {
        if (this.state === READING_HEADER) {
          if (!this.readHeader()) return null;
        } else if (this.state === READING_PAYLOAD) {
          const event = this.readPayload();
          if (event !== null) return event;
          // No event: either the payload is incomplete, or it was a fragment
          // that did not finish its message and the next header follows.
          if (this.state === READING_PAYLOAD) return null;
        } else {
          return null;
        }
      }
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      this.die();
      return { kind: 'error', code: error.code, message: error.message };
    }
  }

  // ---- Frame header -------------------------------------------------------

  /** Parses the next frame header; false if it has not fully arrived. Throws FrameError. */
  private readHeader(): boolean {
    const queue = this.queue;
    if (queue.length < 2) return false;
    const first = queue.front!;
    const offset = queue.offset;
    const contiguous = queue.frontLength;
    const byte0 = contiguous >= 2 ? first[offset] : queue.peek(0)!;
    const byte1 = contiguous >= 2 ? first[offset + 1] : queue.peek(1)!;

    // The first two bytes are enough to reject most bad frames early.
    const fin = (byte0 & 0x80) !== 0;
    const opcode = byte0 & 0x0f;
    const masked = (byte1 & 0x80) !== 0;
    const length7 = byte1 & 0x7f;
    if ((byte0 & 0x70) !== 0) this.checkReservedBits(byte0 & 0x70, opcode);
    this.checkOpcode(opcode, fin, length7);
    if (masked !== this.options.expectMasked) {
      throw protocolError(masked ? 'server frames must not be masked' : 'client frames must be masked');
    }

    const extendedLength = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
    const headerLength = 2 + extendedLength + (masked ? 4 : 0);
    if (queue.length < headerLength) return false;

    // Get the whole header in one place: in the chunk itself if it fits,
    // otherwise copied out of several chunks into a small scratch buffer.
    let header: Buffer;
    let at: number;
    if (contiguous >= headerLength) {
      header = first;
      at = offset;
      queue.consume(headerLength);
    } else {
      header = HEADER_SCRATCH;
      at = 0;
      queue.copyTo(header, 0, headerLength);
    }

    let length = length7;
    if (length7 === 126) {
      length = (header[at + 2] << 8) | header[at + 3];
    } else if (length7 === 127) {
      const high = header.readUInt32BE(at + 2);
      const low = header.readUInt32BE(at + 6);
      if (high >= 0x80000000) {
        throw protocolError('the most significant bit of a 64-bit payload length must be 0');
      }
      // A length of 2^53 or more cannot be held exactly in a JavaScript number;
      // it exceeds any limit we could configure, so it is "too big" (1009).
      if (high >= 0x200000) throw tooBig('frame payload length is 2^53 bytes or more');
      length = high * 2 ** 32 + low;
    }
    // Note: RFC 6455 asks senders to use the shortest length encoding; like
    // most receivers we accept a longer one, it is unambiguous.

    if (length > this.options.maxFrameSize) {
      throw tooBig(`frame payload of ${length} bytes exceeds the limit of ${this.options.maxFrameSize}`);
    }
    if (!isControlOpcode(opcode)) {
      if (opcode !== Opcode.Continuation) this.messageCompressed = (byte0 & RSV1) !== 0;
      this.countDataFrame(opcode, length);
    }

    if (masked) {
      this.maskKey = header.readUInt32BE(at + headerLength - 4);
    }
    this.fin = fin;
    this.opcode = opcode;
    this.masked = masked;
    this.payloadLength = length;
    this.payloadReceived = 0;
    this.state = READING_PAYLOAD;
    return true;
  }

  /**
   * RSV2 and RSV3 mean nothing here. RSV1 is permessage-deflate's: allowed
   * only if it was negotiated, and then only on the first frame of a data
   * message, never on a continuation or a control frame (RFC 7692 §6.1).
   */
  private checkReservedBits(bits: number, opcode: number): void {
    if (bits !== RSV1) throw protocolError('RSV2 and RSV3 must be 0: no extension defines them');
    if (!this.perMessageDeflate) throw protocolError('RSV1 must be 0: no extension was negotiated');
    if (isControlOpcode(opcode)) throw protocolError('control frames are never compressed: RSV1 must be 0');
    if (opcode === Opcode.Continuation) {
      throw protocolError('RSV1 is set on the first frame of a compressed message only, not on continuations');
    }
  }

  /** Checks the opcode against the frame and the message in progress (§5.2, §5.4, §5.5). */
  private checkOpcode(opcode: number, fin: boolean, length7: number): void {
    switch (opcode) {
      case Opcode.Close:
      case Opcode.Ping:
      case Opcode.Pong:
        if (!fin) throw protocolError('control frames must not be fragmented');
        if (length7 > MAX_CONTROL_PAYLOAD) {
          throw protocolError('control frames must have a payload of 125 bytes or less');
        }
        return;
      case Opcode.Text:
      case Opcode.Binary:
        if (this.messageOpcode !== 0) {
          throw protocolError('a new data frame arrived while a fragmented message was in progress');
        }
        return;
      case Opcode.Continuation:
        if (this.messageOpcode === 0) {
          throw protocolError('continuation frame without a fragmented message in progress');
        }
        return;
      default:
        throw protocolError(`reserved opcode 0x${opcode.toString(16)}`);
    }
  }

  private maskBytes(): Uint8Array {
    MASK_SCRATCH[0] = this.maskKey >>> 24;
    MASK_SCRATCH[1] = (this.maskKey >>> 16) & 0xff;
    MASK_SCRATCH[2] = (this.maskKey >>> 8) & 0xff;
    MASK_SCRATCH[3] = this.maskKey & 0xff;
    return MASK_SCRATCH;
  }

  /** Applies the message limits as soon as a data frame's header is known. */
  private countDataFrame(opcode: number, length: number): void {
    const { maxMessageSize, maxFragments } = this.options;
    if (opcode !== Opcode.Continuation) {
      this.messageOpcode = opcode;
      this.messageLength = 0;
      this.messageFrames = 0;
      this.messageFill = 0;
      if (opcode === Opcode.Text && !this.messageCompressed) (this.utf8 ??= new Utf8Validator()).reset();
    }
    this.messageLength += length;
    this.messageFrames += 1;
    if (this.messageLength > maxMessageSize) {
      throw tooBig(`message of ${this.messageLength}+ bytes exceeds the limit of ${maxMessageSize}`);
    }
    if (this.messageFrames > maxFragments) {
      throw tooBig(`message split into more than ${maxFragments} fragments`);
    }
  }

  // ---- Frame payload ------------------------------------------------------

  /** Moves the current frame's payload forward; returns an event when one is complete. */
  private readPayload(): WsEvent | null {
    const length = this.payloadLength;
    if (isControlOpcode(this.opcode)) {
      // Control frames are tiny (≤ 125 bytes): wait until the whole payload is here.
      if (this.queue.length < length) return null;
      const payload = this.queue.read(length);
      if (this.masked) unmask(payload, 0, length, this.maskBytes(), 0);
      this.state = READING_HEADER;
      return this.controlEvent(this.opcode, payload);
    }

    // Fast path: a whole unfragmented message inside the current chunk is
    // handed out as a view of that chunk, with no copy.
    if (this.fin && this.opcode !== Opcode.Continuation && this.payloadReceived === 0) {
      if (this.queue.frontLength >= length) {
        const payload = this.queue.read(length);
        if (this.masked) unmask(payload, 0, length, this.maskBytes(), 0);
        this.state = READING_HEADER;
        this.messageOpcode = 0;
        const binary = this.opcode === Opcode.Binary;
        const compressed = this.messageCompressed;
        if (!binary && !compressed && !isValidUtf8(payload)) throw invalidText();
        return { kind: 'message', binary, data: payload, compressed };
      }
    }

    // Otherwise copy what has arrived into the message buffer, unmasking and
    // validating it now, so bad text fails before the rest of it arrives
    // (compressed text can only be validated once inflated).
    const binary = this.messageOpcode === Opcode.Binary;
    const compressed = this.messageCompressed;
    const text = !binary && !compressed;
    while (this.payloadReceived < length && this.queue.length > 0) {
      const count = Math.min(this.queue.frontLength, length - this.payloadReceived);
      const target = this.reserveMessageSpace(count);
      const start = this.messageFill;
      this.queue.copyTo(target, start, count);
      if (this.masked) unmask(target, start, start + count, this.maskBytes(), this.payloadReceived & 3);
      this.payloadReceived += count;
      this.messageFill += count;
      if (text && !this.utf8!.write(target, start, start + count)) throw invalidText();
    }
    if (this.payloadReceived < length) return null;

    this.state = READING_HEADER;
    if (!this.fin) return null; // more fragments to come
    if (text && !this.utf8!.end()) throw invalidText('text message ends in the middle of a UTF-8 character');
    const data = this.messageBuffer === null ? EMPTY : this.messageBuffer.subarray(0, this.messageFill);
    // The delivered message owns that memory now; the next message gets a new buffer.
    this.releaseMessageBuffer();
    this.messageOpcode = 0;
    return { kind: 'message', binary, data, compressed };
  }

  /**
   * Returns the message buffer with room for `count` more bytes. It grows by
   * doubling, but never past what the message can still need: the exact
   * total once the final frame's header is known, else maxMessageSize.
   */
  private reserveMessageSpace(count: number): Buffer {
    const needed = this.messageFill + count;
    const current = this.messageBuffer;
    if (current !== null && current.length >= needed) return current;
    const ceiling = this.fin ? this.messageLength : this.options.maxMessageSize;
    const doubled = Math.max(MIN_MESSAGE_BUFFER, current === null ? 0 : current.length * 2);
    const size = Math.max(needed, Math.min(doubled, ceiling));
    const budget = this.options.unfinishedMessages;
    if (budget !== undefined && !budget.reserve(size - this.heldBytes)) {
      throw new FrameError(CloseCode.TryAgainLater, 'the server holds too many unfinished messages; try again later');
    }
    this.heldBytes = size;
    const grown = Buffer.allocUnsafe(size);
    if (current !== null) current.copy(grown, 0, 0, this.messageFill);
    this.messageBuffer = grown;
    return grown;
  }

  /** Forgets the message buffer and gives its bytes back to the budget. */
  private releaseMessageBuffer(): void {
    this.messageBuffer = null;
    this.messageFill = 0;
    if (this.heldBytes > 0) {
      this.options.unfinishedMessages?.release(this.heldBytes);
      this.heldBytes = 0;
    }
  }

  private controlEvent(opcode: number, payload: Buffer): WsEvent {
    if (opcode === Opcode.Ping) return { kind: 'ping', data: payload };
    if (opcode === Opcode.Pong) return { kind: 'pong', data: payload };
    // Close (§5.5.1): empty, or a 2-byte status code followed by a UTF-8 reason.
    // A Close in the middle of a fragmented message ends it: the partial message is dropped.
    let event: WsEvent;
    if (payload.length === 0) {
      event = { kind: 'close', code: CloseCode.NoStatus, reason: '' };
    } else if (payload.length === 1) {
      throw protocolError('a Close payload cannot be 1 byte: the status code takes 2');
    } else {
      const code = (payload[0] << 8) | payload[1];
      if (!isValidCloseCodeOnWire(code)) throw protocolError(`close code ${code} is not allowed on the wire`);
      const reason = payload.subarray(2);
      if (!isValidUtf8(reason)) throw invalidText('close reason is not valid UTF-8');
      event = { kind: 'close', code, reason: reason.toString('utf8') };
    }
    this.die();
    return event;
  }

  /** Stops for good: forget all buffered data. */
  private die(): void {
    this.state = DEAD;
    this.queue.clear();
    this.releaseMessageBuffer();
    this.messageOpcode = 0;
  }
}

// Unmasking works on 32-bit words for long payloads: 4 bytes per XOR. The
// key is turned into a word by storing its bytes in memory and reading them
// back as a Uint32, so the word has the right byte order on any CPU.
const WORD_UNMASK_THRESHOLD = 256; // below this, making a Uint32Array view costs more than it saves
const maskWordBytes = new Uint8Array(4);
const maskWord = new Uint32Array(maskWordBytes.buffer);

/**
 * XORs buf[start, end) with the masking key (§5.3), in place. `phase` is the
 * position in the payload of buf[start], modulo 4: a payload unmasked in
 * pieces continues where the previous piece stopped in the key.
 */
function unmask(buf: Uint8Array, start: number, end: number, mask: Uint8Array, phase: number): void {
  const shift = phase - start; // buf[i] is XORed with mask[(i + shift) & 3]
  let i = start;
  if (end - start >= WORD_UNMASK_THRESHOLD) {
    // Byte by byte up to a 4-byte-aligned address, then whole 32-bit words.
    for (; ((buf.byteOffset + i) & 3) !== 0; i++) buf[i] ^= mask[(i + shift) & 3];
    for (let k = 0; k < 4; k++) maskWordBytes[k] = mask[(i + shift + k) & 3];
    const word = maskWord[0];
    const wordCount = (end - i) >>> 2;
    const words = new Uint32Array(buf.buffer, buf.byteOffset + i, wordCount);
    for (let w = 0; w < wordCount; w++) words[w] ^= word;
    i += wordCount * 4;
  }
  // The rest (or a short payload): a simple loop, unrolled by 4, key in locals.
  const m0 = mask[(i + shift) & 3];
  const m1 = mask[(i + shift + 1) & 3];
  const m2 = mask[(i + shift + 2) & 3];
  const m3 = mask[(i + shift + 3) & 3];
  for (const last = end - 3; i < last; i += 4) {
    buf[i] ^= m0;
    buf[i + 1] ^= m1;
    buf[i + 2] ^= m2;
    buf[i + 3] ^= m3;
  }
  if (i < end) buf[i++] ^= m0;
  if (i < end) buf[i++] ^= m1;
  if (i < end) buf[i] ^= m2;
}

function protocolError(message: string): FrameError {
  return new FrameError(CloseCode.ProtocolError, message);
}

function tooBig(message: string): FrameError {
  return new FrameError(CloseCode.MessageTooBig, message);
}

function invalidText(message = 'text message is not valid UTF-8'): FrameError {
  return new FrameError(CloseCode.InvalidPayload, message);
}
