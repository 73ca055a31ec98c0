// Takes one direction of a WebSocket byte stream apart for people to read:
// every frame with each field of its header, where it lies and what it
// means, the payload as sent (masked) and unmasked, and each data message
// whole, inflated when permessage-deflate compressed it. The wire inspector
// and wscat.js show what it finds. It is not the parser the connection runs
// on (frame-parser.ts is): it only looks, keeps a bounded part of what it
// sees, and on a frame the real parser would refuse it says why and stops.
//
// Sans-I/O: push(bytes) returns the frames those bytes completed. Memory is
// bounded by the options: `shownBytes` of each frame's payload, and a data
// message up to `maxMessageBytes` (a longer one is shown cut, not decoded).
import type { DeflateAgreement } from './deflate-negotiation.js';
import { isControlOpcode, Opcode } from './opcodes.js';
import { inflateMessage, InflateError } from './permessage-deflate.js';
import { headerFields, isKnownOpcode, opcodeName, type FrameField } from './frame-fields.js';
import { isValidUtf8 } from './utf8.js';

export { bitString, hex, opcodeName, type FrameField } from './frame-fields.js';

export interface DissectorOptions {
  /** Client frames are masked, server frames are not (RFC 6455 §5.1). */
  fromClient: boolean;
  /** permessage-deflate as negotiated for the connection, or null. */
  deflate: DeflateAgreement | null;
  /** Payload bytes kept per frame to show; the rest is counted, not kept. */
  shownBytes: number;
  /** A data message is kept whole, to inflate and decode, up to this many bytes (inflated too). */
  maxMessageBytes: number;
}

export interface DissectedMessage {
  binary: boolean;
  compressed: boolean;
  /** Payload bytes on the wire, over all its frames. */
  wireLength: number;
  /** Its length once inflated (equal to wireLength when not compressed); -1 when unknown. */
  length: number;
  /** The whole message (inflated), or null when it could not be kept or inflated (see `problem`). */
  data: Uint8Array | null;
  problem?: string;
}

export interface DissectedFrame {
  /** Where the frame starts in this direction's stream, counted from the first byte the dissector saw. */
  streamOffset: number;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  opcodeName: string;
  masked: boolean;
  /** Which form the payload length took: 7 bits, or 126 + 16 bits, or 127 + 64 bits. */
  lengthBits: 7 | 16 | 64;
  payloadLength: number;
  maskKey: Uint8Array | null;
  /** The header bytes as on the wire (2 to 14). */
  header: Uint8Array;
  /** The first `shownBytes` of the payload as on the wire (still masked, if masked). */
  payload: Uint8Array;
  /** The same bytes unmasked (a copy), or null when the frame is not masked. */
  unmasked: Uint8Array | null;
  fields: FrameField[];
  /** A Close frame's status code (null: none) and reason. */
  close?: { code: number | null; reason: string };
  /** On the frame that ends a data message: the message. */
  message?: DissectedMessage;
  /** Set when the real parser would fail the connection here; the dissector stops after this frame. */
  problem?: string;
}

const MAX_HEADER = 14;
const TWO_POW_32 = 2 ** 32;
const EMPTY = new Uint8Array(0);


export class FrameDissector {
  private readonly header = new Uint8Array(MAX_HEADER);
  private headerFill = 0;
  private streamOffset = 0; // bytes of the stream seen so far
  private frameStart = 0;
  private frame: DissectedFrame | null = null; // the frame whose payload is arriving
  private payloadSeen = 0;
  private shownFill = 0;
  private controlPayload: Uint8Array | null = null; // a control frame's payload (≤ 125 bytes), to read a Close
  // The data message in progress: its bytes as received (unmasked), while they fit.
  private messageOpcode = 0;
  private messageCompressed = false;
  private messageParts: Uint8Array[] | null = null;
  private messageKept = 0;
  private messageWire = 0;
  private messageStartedBefore = false; // its first frame came before we attached
  private sawMessageStart = false; // a Text or Binary frame went by: a lone continuation is now an error
  // With context takeover, the last bytes inflated: what the next message may refer back into.
  private history: Uint8Array | null = null;
  private dead = false;

  constructor(private readonly options: DissectorOptions) {}

  /** The frames that `bytes` completed. Copies what it keeps: `bytes` may change once this returns. */
  push(bytes: Uint8Array): DissectedFrame[] {
    const done: DissectedFrame[] = [];
    let at = 0;
    while (at < bytes.length && !this.dead) {
      if (this.frame === null) {
        at = this.readHeader(bytes, at);
        const started = this.frame as DissectedFrame | null; // readHeader sets it once the header is whole
        if (started !== null && (started.payloadLength === 0 || started.problem !== undefined)) done.push(this.finish());
      } else {
        at = this.readPayload(bytes, at);
        if (this.payloadSeen === this.frame.payloadLength) done.push(this.finish());
      }
    }
    this.streamOffset += bytes.length;
    return done;
  }

  // ---- Header ---------------------------------------------------------------------------

  private readHeader(bytes: Uint8Array, at: number): number {
    const header = this.header;
    if (this.headerFill === 0) this.frameStart = this.streamOffset + at;
    while (at < bytes.length) {
      header[this.headerFill++] = bytes[at++]!;
      const needed = this.headerLength();
      if (needed !== 0 && this.headerFill === needed) {
        this.frame = this.describeHeader(header.slice(0, needed));
        this.headerFill = 0;
        break;
      }
    }
    return at;
  }

  /** The header's full length, once its first two bytes are in; 0 before. */
  private headerLength(): number {
    if (this.headerFill < 2) return 0;
    const length7 = this.header[1]! & 0x7f;
    return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + ((this.header[1]! & 0x80) !== 0 ? 4 : 0);
  }

  private describeHeader(header: Uint8Array): DissectedFrame {
    const byte0 = header[0]!;
    const byte1 = header[1]!;
    const fin = (byte0 & 0x80) !== 0;
    const rsv1 = (byte0 & 0x40) !== 0;
    const rsv2 = (byte0 & 0x20) !== 0;
    const rsv3 = (byte0 & 0x10) !== 0;
    const opcode = byte0 & 0x0f;
    const masked = (byte1 & 0x80) !== 0;
    const length7 = byte1 & 0x7f;
    const lengthBits = length7 === 126 ? 16 : length7 === 127 ? 64 : 7;
    let payloadLength = length7;
    let at = 2;
    if (lengthBits === 16) {
      payloadLength = (header[2]! << 8) | header[3]!;
      at = 4;
    } else if (lengthBits === 64) {
      const high = ((header[2]! << 24) | (header[3]! << 16) | (header[4]! << 8) | header[5]!) >>> 0;
      const low = ((header[6]! << 24) | (header[7]! << 16) | (header[8]! << 8) | header[9]!) >>> 0;
      payloadLength = high * TWO_POW_32 + low;
      at = 10;
    }
    const maskKey = masked ? header.slice(at, at + 4) : null;
    const name = opcodeName(opcode);
    const fields = headerFields(header, { payloadLength, lengthBits, maskAt: at }, this.options.deflate !== null);

    const frame: DissectedFrame = {
      streamOffset: this.frameStart, fin, rsv1, rsv2, rsv3, opcode, opcodeName: name, masked,
      lengthBits, payloadLength, maskKey, header, payload: EMPTY, unmasked: null, fields,
    };
    const problem = this.problemWith(frame);
    if (problem !== null) frame.problem = problem;
    this.startPayload(frame);
    return frame;
  }

  /** What the real parser would refuse in this header (frame-parser.ts), or null. */
  private problemWith(frame: DissectedFrame): string | null {
    const { opcode, rsv1, rsv2, rsv3, masked, payloadLength, fin } = frame;
    if (!isKnownOpcode(opcode)) return `reserved opcode 0x${opcode.toString(16)}`;
    if (rsv2 || rsv3) return 'RSV2/RSV3 set, and no extension defines them';
    if (rsv1 && (this.options.deflate === null || opcode === Opcode.Continuation || isControlOpcode(opcode))) {
      return this.options.deflate === null ? 'RSV1 set without permessage-deflate' : 'RSV1 set on a frame that does not begin a data message';
    }
    if (masked !== this.options.fromClient) return masked ? 'server frames must not be masked' : 'client frames must be masked';
    if (isControlOpcode(opcode) && (payloadLength > 125 || !fin)) return 'control frames carry at most 125 bytes and are never fragmented';
    if (payloadLength > Number.MAX_SAFE_INTEGER) return 'payload length above 2^53 - 1';
    if (opcode === Opcode.Continuation && this.messageOpcode === 0 && this.sawMessageStart) return 'continuation frame without a message to continue';
    if ((opcode === Opcode.Text || opcode === Opcode.Binary) && this.messageOpcode !== 0) return 'new data message before the previous one ended';
    return null;
  }

  // ---- Payload --------------------------------------------------------------------------

  private startPayload(frame: DissectedFrame): void {
    this.payloadSeen = 0;
    this.shownFill = 0;
    frame.payload = new Uint8Array(Math.min(this.options.shownBytes, frame.payloadLength));
    this.controlPayload = isControlOpcode(frame.opcode) && frame.problem === undefined ? new Uint8Array(frame.payloadLength) : null;
    if (frame.problem !== undefined) return;
    const { opcode } = frame;
    if (opcode === Opcode.Text || opcode === Opcode.Binary) {
      this.messageOpcode = opcode;
      this.messageCompressed = frame.rsv1;
      this.messageParts = [];
      this.messageKept = 0;
      this.messageWire = 0;
      this.messageStartedBefore = false;
      this.sawMessageStart = true;
    } else if (opcode === Opcode.Continuation && this.messageOpcode === 0) {
      // We attached in the middle of a fragmented message: its start was never seen.
      this.messageOpcode = Opcode.Binary;
      this.messageStartedBefore = true;
      this.messageParts = null;
      this.messageWire = 0;
    }
  }

  private readPayload(bytes: Uint8Array, at: number): number {
    const frame = this.frame!;
    const take = Math.min(bytes.length - at, frame.payloadLength - this.payloadSeen);
    const chunk = bytes.subarray(at, at + take);
    const shown = Math.min(take, frame.payload.length - this.shownFill);
    if (shown > 0) frame.payload.set(chunk.subarray(0, shown), this.shownFill);
    this.shownFill += shown;
    const keepForControl = this.controlPayload;
    const keepForMessage = !isControlOpcode(frame.opcode) && this.messageParts !== null;
    if (keepForControl !== null || keepForMessage) {
      const unmasked = unmask(chunk, frame.maskKey, this.payloadSeen);
      if (keepForControl !== null) keepForControl.set(unmasked, this.payloadSeen);
      else this.keepMessageBytes(unmasked);
    }
    if (!isControlOpcode(frame.opcode)) this.messageWire += take;
    this.payloadSeen += take;
    return at + take;
  }

  private keepMessageBytes(bytes: Uint8Array): void {
    if (this.messageKept + bytes.length > this.options.maxMessageBytes) {
      this.messageParts = null; // too long to keep: shown cut, not decoded
      return;
    }
    this.messageParts!.push(bytes);
    this.messageKept += bytes.length;
  }

  // ---- A whole frame --------------------------------------------------------------------

  private finish(): DissectedFrame {
    const frame = this.frame!;
    this.frame = null;
    if (frame.maskKey !== null) frame.unmasked = unmask(frame.payload, frame.maskKey, 0);
    if (frame.problem !== undefined) {
      this.dead = true;
      return frame;
    }
    if (frame.opcode === Opcode.Close) frame.close = readClose(this.controlPayload!);
    if (!isControlOpcode(frame.opcode) && frame.fin) frame.message = this.finishMessage();
    this.controlPayload = null;
    return frame;
  }

  private finishMessage(): DissectedMessage {
    const binary = this.messageOpcode === Opcode.Binary;
    const compressed = this.messageCompressed;
    const wireLength = this.messageWire;
    const parts = this.messageParts;
    const startedBefore = this.messageStartedBefore;
    this.messageOpcode = 0;
    this.messageParts = null;
    this.messageCompressed = false;
    const message: DissectedMessage = { binary, compressed, wireLength, length: compressed ? -1 : wireLength, data: null };
    if (startedBefore) {
      message.problem = 'this message began before the inspector attached';
      return message;
    }
    if (parts === null) {
      message.problem = `longer than the ${this.options.maxMessageBytes} bytes the inspector keeps`;
      return message;
    }
    const wire = concat(parts);
    if (!compressed) {
      message.data = wire;
      return message;
    }
    return this.inflate(message, wire);
  }

  private inflate(message: DissectedMessage, wire: Uint8Array): DissectedMessage {
    const agreement = this.options.deflate!;
    const fromClient = this.options.fromClient;
    const takeover = fromClient ? !agreement.clientNoContextTakeover : !agreement.serverNoContextTakeover;
    const windowSize = 2 ** (fromClient ? agreement.clientMaxWindowBits : agreement.serverMaxWindowBits);
    try {
      const data = inflateMessage(wire, this.options.maxMessageBytes, takeover ? this.history : null);
      message.data = data;
      message.length = data.length;
      if (takeover) this.history = slideWindow(this.history, data, windowSize);
    } catch (error) {
      if (!(error instanceof InflateError)) throw error;
      message.problem = takeover && this.history === null
        ? `could not inflate (${error.message}); with context takeover it may refer back to messages sent before the inspector attached`
        : `could not inflate: ${error.message}`;
      // Every later message may refer back into this one: from here on they cannot be inflated either.
      if (takeover) this.history = null;
    }
    return message;
  }
}

function readClose(payload: Uint8Array): { code: number | null; reason: string } {
  if (payload.length < 2) return { code: null, reason: '' };
  const reason = payload.subarray(2);
  return { code: (payload[0]! << 8) | payload[1]!, reason: isValidUtf8(reason) ? Buffer.from(reason).toString('utf8') : '(not valid UTF-8)' };
}

/** `bytes` XORed with the key, as if they started `offset` bytes into the payload (a copy). */
export function unmask(bytes: Uint8Array, key: Uint8Array | null, offset: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  if (key === null) return out;
  for (let i = 0; i < out.length; i++) out[i] ^= key[(offset + i) & 3]!;
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function slideWindow(history: Uint8Array | null, data: Uint8Array, size: number): Uint8Array {
  const joined = history === null ? data : concat([history, data]);
  return joined.length <= size ? Uint8Array.from(joined) : joined.slice(joined.length - size);
}
