// One WebSocket connection's protocol, sans-I/O in the style of wsproto: bytes
// from the peer go in with receive(), and the frames they carried come out of
// nextEvent() once the protocol has acted on them (a ping is answered with a
// pong, a Close is answered and TCP ended, a broken frame fails the
// connection with its close code). Messages go in with send*(), and frame
// bytes come out through a ProtocolOutput. Time goes in too: every method that
// needs "now" is given it, and tick(now) runs the keepalive ping, the idle drop,
// the deadline of a message in progress and the close timeout. There is no
// socket and no clock in here, so the tests drive it byte for byte with a
// hand-moved clock.
//
// With permessage-deflate negotiated (RFC 7692), compressed messages are
// inflated here before they become events, and messages sent from 1 KiB up
// are compressed (see permessage-deflate.ts).
//
// The closing handshake (RFC 6455 §7.1):
//
//   OPEN ── we send Close ──────────▶ LOCAL_CLOSING ── peer's Close ──▶ TCP ended by us
//   OPEN ── we fail (§7.1.7) ───────▶ LOCAL_CLOSING, Close sent and TCP ended at once
//   OPEN ── peer's Close ───────────▶ REMOTE_CLOSING: answered with a Close, TCP ended by us
//   any  ── TCP closed, or dropped ─▶ CLOSED
//
// The server ends TCP first once both Close frames have crossed (§7.1.1); a
// peer that then leaves its side open, or never answers our Close, is
// dropped after the close timeout.

import type { DeflateAgreement } from './deflate-negotiation.js';
import type { FrameParserOptions } from './frame-parser.js';
import { FrameParser, type WsEvent } from './frame-parser.js';
import { encodeCloseFrame, encodeFrameHeader } from './frame-encoder.js';
import { CloseCode, Opcode } from './opcodes.js';
import { InflateError, type PerMessageDeflate } from './permessage-deflate.js';
import { PreparedMessage, SHARED_WINDOW_BITS } from './prepared-message.js';
import { isValidUtf8 } from './utf8.js';

export const ConnectionState = {
  /** Messages go both ways. */
  Open: 0,
  /** We started the closing handshake; no data goes out, data coming in is discarded. */
  LocalClosing: 1,
  /** The peer started the closing handshake; we answered it and ended TCP. */
  RemoteClosing: 2,
  /** TCP is closed (§7.1.4), or we dropped it. */
  Closed: 3,
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** Where the protocol's bytes and TCP decisions go: the socket, in production. */
export interface ProtocolOutput {
  /** Sends one frame: `header`, then `payload` unless it is null. */
  writeFrame(header: Uint8Array, payload: Uint8Array | null): void;
  /** Closes our side of TCP once everything written has gone out. */
  endTcp(): void;
  /** Closes TCP now, without waiting for anything. */
  dropTcp(): void;
}

/** A per-connection budget of inbound frames; a frame it refuses fails the connection with 1008. */
export interface MessageLimiter {
  take(now: number): boolean;
}

/** The budgets of one connection's inbound frames. */
export interface InboundLimiters {
  /** Data messages: the endpoint's policy. */
  messages: MessageLimiter;
  /** Pings and pongs: each ping costs us a pong, so they are not free either. */
  controlFrames: MessageLimiter;
}

/** Settings shared by every connection of an endpoint (one object, not one per connection). */
export interface ProtocolSettings {
  /** Limits on received frames and messages. */
  readonly frames: FrameParserOptions;
  /** A peer silent this long gets a ping... */
  readonly pingIntervalMs: number;
  /** ...and one silent this long is dropped. */
  readonly idleTimeoutMs: number;
  /** A data message must be whole this long after its first frame began (then 1008), pings or not. */
  readonly messageTimeoutMs: number;
  /** How long a closing connection may take: the peer's Close, then its end of TCP. */
  readonly closeTimeoutMs: number;
}

/**
 * What the protocol did with each frame it received, in order:
 * 'message' is for the application; 'ping' was answered with a pong; 'close'
 * is the peer's Close (answered, if the peer started the handshake); 'error'
 * means we failed the connection with `code`; 'discarded' is a data message
 * that arrived after our Close.
 */
export type ProtocolEvent = WsEvent | { kind: 'discarded' };

const DISCARDED: ProtocolEvent = Object.freeze({ kind: 'discarded' });
const EMPTY = Buffer.alloc(0);
const NO_MESSAGE = -1;

export class WebSocketProtocol {
  private current: ConnectionState = ConnectionState.Open;
  private readonly parser: FrameParser;
  private code: number = CloseCode.Abnormal;
  private reason = '';
  private lastReceivedAt: number;
  private pingSentAt = 0;
  private closeDeadline = 0;
  private messageStartedAt = NO_MESSAGE; // when the data message in progress began

  /** `deflate`: permessage-deflate as negotiated for this connection, or null. */
  constructor(
    private readonly settings: ProtocolSettings,
    private readonly limiters: InboundLimiters,
    private readonly output: ProtocolOutput,
    now: number,
    private readonly deflate: PerMessageDeflate | null = null,
  ) {
    this.parser = new FrameParser(settings.frames, deflate !== null);
    this.lastReceivedAt = now;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** permessage-deflate as negotiated, or null. */
  get compression(): DeflateAgreement | null {
    return this.deflate?.agreement ?? null;
  }

  /** True when the bytes received so far end with a whole frame (the next byte begins a frame header). */
  get atFrameBoundary(): boolean {
    return this.parser.atFrameBoundary;
  }

  /** The close code to report: ours if we closed first, the peer's if it did, 1006 if nobody sent one. */
  get closeCode(): number {
    return this.code;
  }

  get closeReason(): string {
    return this.reason;
  }

  // ---- Bytes in, events out -------------------------------------------------------------

  /** Bytes from the peer, received at `now`. The protocol owns `data` from now on (it unmasks in place). */
  receive(data: Buffer, now: number): void {
    if (this.current === ConnectionState.Closed) return;
    this.lastReceivedAt = now;
    this.parser.receive(data);
  }

  /** The next frame received, after acting on it; null when more bytes are needed. */
  nextEvent(): ProtocolEvent | null {
    const event = this.parser.nextEvent();
    if (event === null) {
      // The bytes so far end inside a data message: its deadline runs from now.
      if (this.messageStartedAt === NO_MESSAGE && this.parser.messageInProgress) this.messageStartedAt = this.lastReceivedAt;
      return null;
    }
    switch (event.kind) {
      case 'message':
        this.messageStartedAt = NO_MESSAGE;
        // After our Close, data is discarded (§5.5.1: the peer may still be sending).
        if (this.current !== ConnectionState.Open) return DISCARDED;
        if (!this.limiters.messages.take(this.lastReceivedAt)) return this.fail(CloseCode.PolicyViolation, 'message rate limit exceeded');
        return event.compressed ? this.inflate(event) : event;
      case 'ping':
      case 'pong':
        if (this.current === ConnectionState.Open && !this.limiters.controlFrames.take(this.lastReceivedAt)) {
          return this.fail(CloseCode.PolicyViolation, 'control frame rate limit exceeded');
        }
        // §5.5.2: a ping is answered with its payload; a pong's arrival already counts as activity.
        if (event.kind === 'ping') this.sendFrame(Opcode.Pong, event.data);
        return event;
      case 'close':
        this.receivedClose(event.code, event.reason);
        return event;
      case 'error':
        this.fail(event.code, event.message);
        return event;
    }
  }

  /** The message a compressed one stands for: inflated within the size limit, and text checked. */
  private inflate(event: WsEvent & { kind: 'message' }): ProtocolEvent {
    let data: Buffer;
    try {
      data = this.deflate!.decompress(event.data, this.settings.frames.maxMessageSize);
    } catch (error) {
      if (!(error instanceof InflateError)) throw error;
      return this.fail(error.code, error.message);
    }
    if (!event.binary && !isValidUtf8(data)) return this.fail(CloseCode.InvalidPayload, 'text message is not valid UTF-8');
    return { kind: 'message', binary: event.binary, data, compressed: true };
  }

  // ---- Messages in, bytes out -----------------------------------------------------------

  /** Sends one message: text (strings are UTF-8 encoded) or binary; compressed if that was negotiated and pays. */
  send(data: Uint8Array | string, binary: boolean): void {
    if (this.current !== ConnectionState.Open) return;
    const opcode = binary ? Opcode.Binary : Opcode.Text;
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    const compressed = this.deflate?.compress(payload) ?? null;
    if (compressed === null) return this.sendFrame(opcode, payload);
    this.output.writeFrame(encodeFrameHeader(opcode, compressed.length, true, undefined, true), compressed);
  }

  /**
   * Sends a message encoded once for many connections: a frame from
   * prepareFrame as it is, or a PreparedMessage, compressed if this
   * connection negotiated permessage-deflate with a window that allows it.
   */
  sendPrepared(message: Buffer | PreparedMessage): void {
    if (this.current !== ConnectionState.Open) return;
    if (!(message instanceof PreparedMessage)) return this.output.writeFrame(message, null);
    const deflate = this.deflate;
    const compressed = deflate !== null && deflate.acceptsShared(SHARED_WINDOW_BITS) ? message.compressedFrame() : null;
    if (compressed === null) return this.output.writeFrame(message.frame, null);
    deflate!.sentShared(message);
    this.output.writeFrame(compressed, null);
  }

  ping(payload: Uint8Array = EMPTY): void {
    this.sendFrame(Opcode.Ping, payload);
  }

  /** Starts the closing handshake at `now`; TCP ends when the peer answers, or is dropped after the close timeout. */
  close(code: number, reason: string, now: number): void {
    if (this.current !== ConnectionState.Open) return;
    this.startClosing(code, reason, now);
  }

  /** Closes TCP at once, without a closing handshake (the close code stays 1006 unless one was sent). */
  abort(): void {
    if (this.current === ConnectionState.Closed) return;
    this.current = ConnectionState.Closed;
    this.output.dropTcp();
  }

  /** TCP closed (either side): the connection is over. */
  connectionLost(): void {
    this.current = ConnectionState.Closed;
    this.parser.dispose(); // gives back what a message in progress held
  }

  // ---- Time in --------------------------------------------------------------------------

  /** Runs the deadlines: keepalive ping, idle drop, message in progress, close timeout. Call it every so often. */
  tick(now: number): void {
    if (this.current === ConnectionState.Closed) return;
    if (this.current !== ConnectionState.Open) {
      if (now >= this.closeDeadline) this.abort();
      return;
    }
    if (this.messageStartedAt !== NO_MESSAGE && now - this.messageStartedAt >= this.settings.messageTimeoutMs) {
      // Keeping the connection alive (pings) does not keep a message's buffer alive.
      this.fail(CloseCode.PolicyViolation, 'message not completed in time', now);
      return;
    }
    const silentFor = now - this.lastReceivedAt;
    if (silentFor >= this.settings.idleTimeoutMs) {
      this.reason = 'idle timeout';
      this.abort();
    } else if (silentFor >= this.settings.pingIntervalMs && this.pingSentAt <= this.lastReceivedAt) {
      // One ping per silence: the next one waits until the peer has said something.
      this.pingSentAt = now;
      this.ping();
    }
  }

  // ---- The closing handshake ------------------------------------------------------------

  private receivedClose(code: number, reason: string): void {
    if (this.current === ConnectionState.Open) {
      // Echo the peer's code (§5.5.1); a close without one is answered without one.
      this.code = code;
      this.reason = reason;
      this.output.writeFrame(encodeCloseFrame(code === CloseCode.NoStatus ? 0 : code), null);
      this.current = ConnectionState.RemoteClosing;
      this.closeDeadline = this.lastReceivedAt + this.settings.closeTimeoutMs;
    }
    // Both Close frames have now crossed: the server closes TCP first (§7.1.1).
    this.output.endTcp();
  }

  /**
   * _Fail the WebSocket Connection_ (§7.1.7): send the close code, then close
   * TCP; nothing more the peer sends is processed (not even its Close), and a
   * message in progress is let go at once. Returns the 'error' event.
   */
  private fail(code: number, reason: string, now = this.lastReceivedAt): ProtocolEvent {
    if (this.current === ConnectionState.Open) {
      this.startClosing(code, reason, now);
      this.output.endTcp();
      this.parser.dispose();
    }
    return { kind: 'error', code, message: reason };
  }

  private startClosing(code: number, reason: string, now: number): void {
    this.code = code;
    this.reason = reason;
    this.output.writeFrame(encodeCloseFrame(code, reason), null);
    this.current = ConnectionState.LocalClosing;
    this.closeDeadline = now + this.settings.closeTimeoutMs;
  }

  private sendFrame(opcode: number, payload: Uint8Array): void {
    if (this.current !== ConnectionState.Open) return;
    this.output.writeFrame(encodeFrameHeader(opcode, payload.length), payload.length === 0 ? null : payload);
  }
}
