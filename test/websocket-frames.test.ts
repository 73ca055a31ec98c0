import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  encodeCloseFrame,
  encodeFrame,
  encodeFrameHeader,
  prepareFrame,
} from '../src/websocket/frame-encoder.js';
import { FrameParser, type FrameParserOptions, type WsEvent } from '../src/websocket/frame-parser.js';
import { MessageMemory } from '../src/websocket/message-memory.js';
import { CloseCode, Opcode, isValidCloseCodeOnWire } from '../src/websocket/opcodes.js';
import { mulberry32 } from './support/random.js';

// ---- helpers ---------------------------------------------------------------

const SERVER: FrameParserOptions = {
  maxFrameSize: 1 << 20,
  maxMessageSize: 1 << 21,
  maxFragments: 1000,
  expectMasked: true,
};
const CLIENT: FrameParserOptions = { ...SERVER, expectMasked: false };
const MASK = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]); // the key used in RFC 6455 §5.7

const bytes = (...values: number[]): Buffer => Buffer.from(values);
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** An event with Buffers shown as hex, so assert.equal prints readable diffs. */
type Plain = Record<string, unknown>;
function plain(event: WsEvent): Plain {
  if (event.kind === 'message') return { kind: 'message', binary: event.binary, data: event.data.toString('hex') };
  if (event.kind === 'ping' || event.kind === 'pong') return { kind: event.kind, data: event.data.toString('hex') };
  if (event.kind === 'error') return { kind: 'error', code: event.code };
  return { ...event };
}

function drain(parser: FrameParser, into: Plain[] = []): Plain[] {
  for (let event = parser.nextEvent(); event !== null; event = parser.nextEvent()) into.push(plain(event));
  return into;
}

/** Feeds copies of the pieces (the parser unmasks in place) and returns all events. */
function parse(options: FrameParserOptions, ...pieces: Uint8Array[]): Plain[] {
  const parser = new FrameParser(options);
  const events: Plain[] = [];
  for (const piece of pieces) {
    parser.receive(Buffer.from(piece));
    drain(parser, events);
  }
  return events;
}

/** Like parse, but keeps the raw events (cheap to compare in loops that run thousands of times). */
function parseRaw(options: FrameParserOptions, pieces: Uint8Array[]): WsEvent[] {
  const parser = new FrameParser(options);
  const events: WsEvent[] = [];
  for (const piece of pieces) {
    parser.receive(Buffer.from(piece));
    for (let event = parser.nextEvent(); event !== null; event = parser.nextEvent()) events.push(event);
  }
  return events;
}

/** Compares two events, payloads with Buffer.equals (cheaper than hex for loops that run thousands of times). */
function sameEvent(a: WsEvent, b: WsEvent): boolean {
  const { data: dataA, ...restA } = a as WsEvent & { data?: Buffer };
  const { data: dataB, ...restB } = b as WsEvent & { data?: Buffer };
  if (JSON.stringify(restA) !== JSON.stringify(restB)) return false;
  return dataA === undefined || dataB === undefined ? dataA === dataB : dataA.equals(dataB);
}

const sameEvents = (a: WsEvent[], b: WsEvent[]): boolean => a.length === b.length && a.every((event, i) => sameEvent(event, b[i]!));

/** A copy in its own ArrayBuffer (small Buffers otherwise share Node's 8 KiB pool). */
function ownCopy(source: Uint8Array): Buffer {
  const copy = Buffer.alloc(source.length);
  copy.set(source);
  return copy;
}

function firstEvent(options: FrameParserOptions, ...pieces: Uint8Array[]): Plain {
  const events = parse(options, ...pieces);
  assert.ok(events.length > 0, 'expected an event');
  return events[0]!;
}

function assertError(events: Plain[], code: number, label = ''): void {
  const last = events[events.length - 1];
  assert.equal(last, { kind: 'error', code }, label);
}

const text = (s: string): Plain => ({ kind: 'message', binary: false, data: Buffer.from(s).toString('hex') });
const binary = (b: Uint8Array): Plain => ({ kind: 'message', binary: true, data: Buffer.from(b).toString('hex') });
const HELLO = Buffer.from('Hello');

/** A masked frame with a hand-written first byte (FIN, RSV bits, opcode), for frames the encoder refuses to make. */
function rawFrame(byte0: number, payload: Uint8Array): Buffer {
  const header = encodeFrameHeader(byte0 & 0x0f, payload.length, true, MASK);
  header[0] = byte0;
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] ^= MASK[i & 3]!;
  return Buffer.concat([header, body]);
}

const masked = (opcode: number, payload: Uint8Array | string, fin = true): Buffer =>
  encodeFrame(opcode, typeof payload === 'string' ? Buffer.from(payload) : payload, { fin, mask: MASK });

// ---- RFC 6455 §5.7 examples, both directions --------------------------------

const RFC_UNMASKED_HELLO = bytes(0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f);
const RFC_MASKED_HELLO = bytes(0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);
const RFC_FRAGMENT_1 = bytes(0x01, 0x03, 0x48, 0x65, 0x6c);
const RFC_FRAGMENT_2 = bytes(0x80, 0x02, 0x6c, 0x6f);
const RFC_UNMASKED_PING = bytes(0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f);
const RFC_MASKED_PONG = bytes(0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58);

test('§5.7 single-frame unmasked text "Hello"', () => {
  assert.is(encodeFrame(Opcode.Text, HELLO).toString('hex'), RFC_UNMASKED_HELLO.toString('hex'));
  assert.is(prepareFrame(Opcode.Text, HELLO).toString('hex'), RFC_UNMASKED_HELLO.toString('hex'));
  assert.equal(parse(CLIENT, RFC_UNMASKED_HELLO), [text('Hello')]);
});

test('§5.7 single-frame masked text "Hello"', () => {
  assert.is(encodeFrame(Opcode.Text, HELLO, { mask: MASK }).toString('hex'), RFC_MASKED_HELLO.toString('hex'));
  assert.equal(parse(SERVER, RFC_MASKED_HELLO), [text('Hello')]);
});

test('§5.7 fragmented unmasked text "Hel" + "lo"', () => {
  assert.is(encodeFrame(Opcode.Text, Buffer.from('Hel'), { fin: false }).toString('hex'), RFC_FRAGMENT_1.toString('hex'));
  assert.is(encodeFrame(Opcode.Continuation, Buffer.from('lo')).toString('hex'), RFC_FRAGMENT_2.toString('hex'));
  assert.equal(parse(CLIENT, RFC_FRAGMENT_1, RFC_FRAGMENT_2), [text('Hello')]);
  assert.equal(parse(CLIENT, Buffer.concat([RFC_FRAGMENT_1, RFC_FRAGMENT_2])), [text('Hello')]);
});

test('§5.7 unmasked ping and masked pong "Hello" (and the other two combinations)', () => {
  const hello = HELLO.toString('hex');
  assert.is(encodeFrame(Opcode.Ping, HELLO).toString('hex'), RFC_UNMASKED_PING.toString('hex'));
  assert.is(encodeFrame(Opcode.Pong, HELLO, { mask: MASK }).toString('hex'), RFC_MASKED_PONG.toString('hex'));
  assert.equal(parse(CLIENT, RFC_UNMASKED_PING), [{ kind: 'ping', data: hello }]);
  assert.equal(parse(SERVER, RFC_MASKED_PONG), [{ kind: 'pong', data: hello }]);
  assert.equal(parse(SERVER, encodeFrame(Opcode.Ping, HELLO, { mask: MASK })), [{ kind: 'ping', data: hello }]);
  assert.equal(parse(CLIENT, encodeFrame(Opcode.Pong, HELLO)), [{ kind: 'pong', data: hello }]);
});

test('§5.7 256-byte binary uses the 16-bit length (0x7E 0x0100)', () => {
  const payload = Buffer.alloc(256, 0xab);
  const frame = encodeFrame(Opcode.Binary, payload);
  assert.is(frame.subarray(0, 4).toString('hex'), '827e0100');
  assert.is(frame.length, 4 + 256);
  assert.equal(parse(CLIENT, frame), [binary(payload)]);
  assert.equal(parse(SERVER, encodeFrame(Opcode.Binary, payload, { mask: MASK })), [binary(payload)]);
});

test('§5.7 64 KiB binary uses the 64-bit length (0x7F 0x0000000000010000)', () => {
  const payload = Buffer.alloc(65536);
  for (let i = 0; i < payload.length; i++) payload[i] = i * 7;
  const frame = encodeFrame(Opcode.Binary, payload);
  assert.is(frame.subarray(0, 10).toString('hex'), '827f0000000000010000');
  assert.is(frame.length, 10 + 65536);
  assert.equal(parse(CLIENT, frame), [binary(payload)]);
  assert.equal(parse(SERVER, encodeFrame(Opcode.Binary, payload, { mask: MASK })), [binary(payload)]);
});

// ---- encoder ------------------------------------------------------------------

test('length forms at their boundaries: 125 / 126 / 65535 / 65536', () => {
  assert.is(encodeFrameHeader(Opcode.Binary, 125).toString('hex'), '827d');
  assert.is(encodeFrameHeader(Opcode.Binary, 126).toString('hex'), '827e007e');
  assert.is(encodeFrameHeader(Opcode.Binary, 65535).toString('hex'), '827effff');
  assert.is(encodeFrameHeader(Opcode.Binary, 65536).toString('hex'), '827f0000000000010000');
  assert.is(encodeFrameHeader(Opcode.Binary, 2 ** 53 - 1).toString('hex'), '827f001fffffffffffff');
  assert.is(encodeFrameHeader(Opcode.Text, 3, false, MASK).toString('hex'), '018337fa213d');
  assert.throws(() => encodeFrameHeader(Opcode.Binary, -1), RangeError);
  assert.throws(() => encodeFrameHeader(16, 0), RangeError);
  assert.throws(() => encodeFrameHeader(Opcode.Binary, 0, true, new Uint8Array(3)), RangeError);
});

test('encodeFrame masks a copy, never the caller payload, and refuses bad control frames', () => {
  const payload = Buffer.from('Hello');
  encodeFrame(Opcode.Text, payload, { mask: MASK });
  assert.is(payload.toString(), 'Hello');
  assert.throws(() => encodeFrame(Opcode.Ping, Buffer.alloc(126)), RangeError);
  assert.throws(() => encodeFrame(Opcode.Ping, Buffer.alloc(1), { fin: false }), RangeError);
});

test('encodeCloseFrame: code + reason, empty for NoStatus, truncation at a character boundary', () => {
  assert.is(encodeCloseFrame(CloseCode.NormalClosure).toString('hex'), '880203e8');
  assert.is(encodeCloseFrame(CloseCode.GoingAway, 'bye').toString('hex'), '880503e9627965');
  assert.is(encodeCloseFrame(CloseCode.NoStatus).toString('hex'), '8800');
  assert.is(encodeCloseFrame(0).toString('hex'), '8800');
  assert.throws(() => encodeCloseFrame(CloseCode.Abnormal), RangeError);
  assert.throws(() => encodeCloseFrame(999), RangeError);

  // 122 ASCII bytes then "€" (3 bytes) would be 125 > 123: the whole € goes.
  const cut = encodeCloseFrame(CloseCode.PolicyViolation, 'a'.repeat(122) + '€');
  assert.is(cut[1], 2 + 122);
  assert.is(cut.subarray(4).toString(), 'a'.repeat(122));
  // Exactly 123 bytes of reason fit.
  const full = encodeCloseFrame(CloseCode.PolicyViolation, 'a'.repeat(120) + '€');
  assert.is(full[1], 125);
  // Long multi-byte reasons: always ≤ 125 and always valid UTF-8 that parses back.
  for (let i = 0; i < 8; i++) {
    const reason = 'x'.repeat(i) + '😀é€'.repeat(40);
    const frame = encodeCloseFrame(CloseCode.InternalError, reason);
    assert.ok(frame[1]! <= 125);
    const event = firstEvent(CLIENT, frame);
    assert.is(event.kind, 'close');
    assert.ok(reason.startsWith(event.reason as string));
    assert.ok(Buffer.byteLength(event.reason as string) >= 120, 'cuts at most one character');
  }
});

// ---- header rules ---------------------------------------------------------------

test('RSV1, RSV2 and RSV3 set → 1002', () => {
  for (const rsv of [0x40, 0x20, 0x10]) {
    assertError(parse(SERVER, rawFrame(0x81 | rsv, HELLO)), CloseCode.ProtocolError, `rsv ${rsv}`);
  }
});

test('reserved opcodes 3–7 and 0xB–0xF → 1002', () => {
  for (const opcode of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
    assertError(parse(SERVER, rawFrame(0x80 | opcode, bytes())), CloseCode.ProtocolError, `opcode ${opcode}`);
  }
});

test('masking: a server rejects unmasked frames, a client rejects masked ones → 1002', () => {
  assertError(parse(SERVER, RFC_UNMASKED_HELLO), CloseCode.ProtocolError);
  assertError(parse(CLIENT, RFC_MASKED_HELLO), CloseCode.ProtocolError);
});

test('64-bit length with the most significant bit set → 1002', () => {
  assertError(parse(SERVER, hex('82ff 8000000000000000 37fa213d')), CloseCode.ProtocolError);
  assertError(parse(SERVER, hex('82ff ffffffffffffffff 37fa213d')), CloseCode.ProtocolError);
});

test('64-bit length of 2^53 or more (not exactly representable) → 1009', () => {
  const options = { ...SERVER, maxFrameSize: Number.MAX_SAFE_INTEGER, maxMessageSize: Number.MAX_SAFE_INTEGER };
  assertError(parse(options, hex('82ff 0020000000000000 37fa213d')), CloseCode.MessageTooBig);
  assertError(parse(options, hex('82ff 7fffffffffffffff 37fa213d')), CloseCode.MessageTooBig);
});

test('non-minimal length encodings are accepted (16-bit and 64-bit forms of a short length)', () => {
  assert.equal(parse(CLIENT, hex('817e0005'), HELLO), [text('Hello')]);
  assert.equal(parse(CLIENT, hex('817f0000000000000005'), HELLO), [text('Hello')]);
});

test('control frames: payload over 125 bytes or FIN=0 → 1002', () => {
  for (const opcode of [Opcode.Close, Opcode.Ping, Opcode.Pong]) {
    assertError(parse(SERVER, rawFrame(0x80 | opcode, Buffer.alloc(126))), CloseCode.ProtocolError, `126 bytes op ${opcode}`);
    assertError(parse(SERVER, rawFrame(opcode, bytes())), CloseCode.ProtocolError, `FIN=0 op ${opcode}`);
  }
  // 125 is fine.
  assert.equal(parse(SERVER, masked(Opcode.Ping, Buffer.alloc(125))), [{ kind: 'ping', data: '00'.repeat(125) }]);
});

test('continuation frame with no message in progress → 1002', () => {
  assertError(parse(SERVER, masked(Opcode.Continuation, 'lo')), CloseCode.ProtocolError);
  assertError(parse(SERVER, masked(Opcode.Text, 'Hel'), masked(Opcode.Continuation, 'lo')), CloseCode.ProtocolError);
});

test('new Text/Binary frame while a fragmented message is in progress → 1002', () => {
  for (const opcode of [Opcode.Text, Opcode.Binary]) {
    const events = parse(SERVER, masked(Opcode.Text, 'Hel', false), masked(opcode, 'lo'));
    assert.equal(events, [{ kind: 'error', code: CloseCode.ProtocolError }]);
  }
});

// ---- fragmentation ---------------------------------------------------------------

test('control frames inside a fragmented message are delivered immediately', () => {
  const parser = new FrameParser(SERVER);
  parser.receive(Buffer.concat([masked(Opcode.Text, 'Hel', false), masked(Opcode.Ping, 'p1')]));
  assert.equal(drain(parser), [{ kind: 'ping', data: Buffer.from('p1').toString('hex') }]);
  parser.receive(Buffer.concat([masked(Opcode.Continuation, 'l', false), masked(Opcode.Pong, 'p2')]));
  assert.equal(drain(parser), [{ kind: 'pong', data: Buffer.from('p2').toString('hex') }]);
  parser.receive(masked(Opcode.Continuation, 'o'));
  assert.equal(drain(parser), [text('Hello')]);
});

test('close in the middle of a fragmented message: a normal close, partial message dropped', () => {
  const events = parse(
    SERVER,
    masked(Opcode.Binary, bytes(1, 2), false),
    encodeFrame(Opcode.Close, hex('03e8'), { mask: MASK }),
    masked(Opcode.Continuation, bytes(3)),
  );
  assert.equal(events, [{ kind: 'close', code: 1000, reason: '' }]);
});

test('empty fragments and empty messages', () => {
  assert.equal(
    parse(SERVER, Buffer.concat([masked(Opcode.Text, '', false), masked(Opcode.Continuation, '', false), masked(Opcode.Continuation, '')])),
    [text('')],
  );
  assert.equal(parse(SERVER, masked(Opcode.Binary, '')), [binary(bytes())]);
  assert.equal(parse(SERVER, masked(Opcode.Ping, '')), [{ kind: 'ping', data: '' }]);
});

// ---- close frames ----------------------------------------------------------------

const closeFrame = (payload: Uint8Array): Buffer => rawFrame(0x88, payload);

test('close frames: no payload → 1005, code only, code + reason', () => {
  assert.equal(parse(SERVER, closeFrame(bytes())), [{ kind: 'close', code: CloseCode.NoStatus, reason: '' }]);
  assert.equal(parse(SERVER, closeFrame(hex('03e9'))), [{ kind: 'close', code: 1001, reason: '' }]);
  assert.equal(parse(SERVER, closeFrame(Buffer.concat([hex('0fa0'), Buffer.from('bye ✓')]))), [
    { kind: 'close', code: 4000, reason: 'bye ✓' },
  ]);
});

test('close frame with a 1-byte payload → 1002', () => {
  assertError(parse(SERVER, closeFrame(bytes(0x03))), CloseCode.ProtocolError);
});

test('close codes: valid on the wire are accepted, the others → 1002', () => {
  for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]) {
    assert.ok(isValidCloseCodeOnWire(code), `${code}`);
    assert.equal(parse(SERVER, closeFrame(bytes(code >> 8, code & 0xff))), [{ kind: 'close', code, reason: '' }]);
  }
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]) {
    assert.not.ok(isValidCloseCodeOnWire(code), `${code}`);
    assertError(parse(SERVER, closeFrame(bytes(code >> 8, code & 0xff))), CloseCode.ProtocolError, `${code}`);
  }
});

test('close reason that is not valid UTF-8 → 1007', () => {
  assertError(parse(SERVER, closeFrame(hex('03e8 c0af'))), CloseCode.InvalidPayload);
  assertError(parse(SERVER, closeFrame(hex('03e8 e282'))), CloseCode.InvalidPayload, 'truncated');
});

test('after close or error: null forever, later bytes ignored and not buffered', () => {
  for (const end of [closeFrame(hex('03e8')), rawFrame(0xc1, HELLO)]) {
    const parser = new FrameParser(SERVER);
    parser.receive(Buffer.concat([end, masked(Opcode.Text, 'ignored')]));
    assert.ok(parser.nextEvent() !== null);
    assert.is(parser.nextEvent(), null);
    assert.is(parser.bufferedBytes, 0);
    parser.receive(masked(Opcode.Text, 'also ignored'));
    assert.is(parser.bufferedBytes, 0);
    assert.is(parser.nextEvent(), null);
  }
});

// ---- UTF-8 in text messages ---------------------------------------------------------

test('text messages must be valid UTF-8 → 1007 (whole frame, and truncated at message end)', () => {
  assertError(parse(SERVER, masked(Opcode.Text, hex('48 c0 af'))), CloseCode.InvalidPayload, 'overlong');
  assertError(parse(SERVER, masked(Opcode.Text, hex('ed a0 80'))), CloseCode.InvalidPayload, 'surrogate');
  assertError(parse(SERVER, masked(Opcode.Text, hex('f4 90 80 80'))), CloseCode.InvalidPayload, '> U+10FFFF');
  assertError(parse(SERVER, masked(Opcode.Text, hex('48 e2 82'))), CloseCode.InvalidPayload, 'truncated');
  assertError(
    parse(SERVER, masked(Opcode.Text, hex('48 e2'), false), masked(Opcode.Continuation, hex('82'))),
    CloseCode.InvalidPayload,
    'truncated at the end of a fragmented message',
  );
  // Binary messages are not checked.
  assert.equal(parse(SERVER, masked(Opcode.Binary, hex('c0 af'))), [binary(hex('c0 af'))]);
});

test('a multi-byte character split across fragments is accepted', () => {
  const euro = Buffer.from('€'); // e2 82 ac
  const events = parse(
    SERVER,
    masked(Opcode.Text, euro.subarray(0, 1), false),
    masked(Opcode.Continuation, euro.subarray(1, 2), false),
    masked(Opcode.Continuation, euro.subarray(2)),
  );
  assert.equal(events, [text('€')]);
});

test('invalid UTF-8 in the first fragment fails before the second fragment arrives', () => {
  const parser = new FrameParser(SERVER);
  parser.receive(masked(Opcode.Text, hex('41 ff 41'), false));
  assert.equal(drain(parser), [{ kind: 'error', code: CloseCode.InvalidPayload }]);
});

test('invalid UTF-8 in the first half of a large frame fails before the second half arrives', () => {
  const payload = Buffer.from('é'.repeat(5000)); // 10000 bytes
  payload[3001] = 0xff;
  const frame = masked(Opcode.Text, payload);
  const parser = new FrameParser(SERVER);
  parser.receive(frame.subarray(0, 2000));
  assert.equal(drain(parser), [], 'first 2000 bytes are valid');
  parser.receive(Buffer.from(frame.subarray(2000, 5000)));
  assert.equal(drain(parser), [{ kind: 'error', code: CloseCode.InvalidPayload }]);

  // Same when trickling in small pieces: the error comes right after the bad byte.
  const trickle = new FrameParser(SERVER);
  const bad = masked(Opcode.Text, payload);
  let fedUpTo = 0;
  for (let at = 0; at < bad.length; at += 7) {
    trickle.receive(Buffer.from(bad.subarray(at, at + 7)));
    fedUpTo = at + 7;
    if (drain(trickle).length > 0) break;
  }
  assert.ok(fedUpTo <= 4 + 4 + 3001 + 7, `error after ${fedUpTo} bytes`);
});

// ---- zero-copy and memory ---------------------------------------------------------

test('an unfragmented frame inside one chunk is a zero-copy view, unmasked in place', () => {
  const chunk = ownCopy(Buffer.concat([masked(Opcode.Binary, Buffer.alloc(300, 7)), masked(Opcode.Text, 'Hello')]));
  const parser = new FrameParser(SERVER);
  parser.receive(chunk);
  const first = parser.nextEvent();
  const second = parser.nextEvent();
  assert.ok(first?.kind === 'message' && second?.kind === 'message');
  assert.is(first.data.buffer, chunk.buffer, 'same memory as the received chunk');
  assert.is(first.data.byteOffset, 8, 'right after the 8-byte header');
  assert.ok(first.data.equals(Buffer.alloc(300, 7)));
  assert.is(second.data.buffer, chunk.buffer);
  assert.is(second.data.toString(), 'Hello');
  assert.is(parser.nextEvent(), null);
  assert.is(parser.bufferedBytes, 0);
});

test('payload split across chunks is copied and does not keep the chunks alive', () => {
  const frame = masked(Opcode.Binary, Buffer.alloc(1000, 9));
  const parser = new FrameParser(SERVER);
  const a = ownCopy(frame.subarray(0, 500));
  const b = ownCopy(frame.subarray(500));
  parser.receive(a);
  assert.is(parser.nextEvent(), null);
  assert.is(parser.bufferedBytes, 0, 'payload bytes are moved out of the chunk at once');
  parser.receive(b);
  const event = parser.nextEvent();
  assert.ok(event?.kind === 'message');
  assert.ok(event.data.buffer !== a.buffer && event.data.buffer !== b.buffer);
  assert.ok(event.data.equals(Buffer.alloc(1000, 9)));
});

test('the message buffer grows by doubling but never past what the message needs', () => {
  // Five 1000-byte fragments: capacity 1024 → 2048 → 4096 → exactly 5000 once
  // the final header tells the total, never 8192 (and never past maxMessageSize).
  const options = { ...SERVER, maxMessageSize: 6000 };
  const fragments = Array.from({ length: 5 }, (_, i) =>
    masked(i === 0 ? Opcode.Binary : Opcode.Continuation, Buffer.alloc(1000, i), i === 4),
  );
  const parser = new FrameParser(options);
  for (const fragment of fragments) parser.receive(fragment);
  const event = parser.nextEvent();
  assert.ok(event?.kind === 'message');
  assert.is(event.data.length, 5000);
  assert.is(event.data.buffer.byteLength, 5000, 'allocated exactly (sizes above 4 KiB are not pooled)');
  // An unfragmented frame split across chunks is assembled in a buffer of its exact size.
  const frame = masked(Opcode.Binary, Buffer.alloc(5000, 1));
  const split = new FrameParser(SERVER);
  split.receive(ownCopy(frame.subarray(0, 2500)));
  split.receive(ownCopy(frame.subarray(2500)));
  const whole = split.nextEvent();
  assert.ok(whole?.kind === 'message');
  assert.is(whole.data.buffer.byteLength, 5000);
});

test('unfinished messages hold their buffers against a shared budget: past it → 1013, given back when done', () => {
  const memory = new MessageMemory(4000);
  const options = { ...SERVER, unfinishedMessages: memory };
  const first = new FrameParser(options);
  first.receive(masked(Opcode.Binary, Buffer.alloc(3000, 1), false)); // a first fragment: copied into a buffer
  assert.is(first.nextEvent(), null);
  assert.ok(first.messageInProgress);
  assert.is(memory.held, 3000);
  const second = new FrameParser(options);
  second.receive(masked(Opcode.Binary, Buffer.alloc(10, 2), false));
  assert.equal(plain(second.nextEvent()!), { kind: 'error', code: CloseCode.TryAgainLater }, 'its 1024 bytes do not fit');
  assert.is(memory.held, 3000, 'the refused parser holds nothing');
  // A whole frame in one chunk needs no buffer, so it passes even now.
  const third = new FrameParser(options);
  third.receive(masked(Opcode.Binary, Buffer.alloc(10, 3)));
  assert.is(third.nextEvent()?.kind, 'message');

  first.receive(masked(Opcode.Continuation, Buffer.alloc(10, 1)));
  assert.is(first.nextEvent()?.kind, 'message');
  assert.not.ok(first.messageInProgress);
  assert.is(memory.held, 0, 'a delivered message is no longer counted');
  first.receive(masked(Opcode.Text, 'abc', false));
  assert.is(first.nextEvent(), null);
  assert.is(memory.held, 1024);
  first.dispose();
  assert.is(memory.held, 0, 'dispose gives back what a message in progress held');
});

test('bufferedBytes counts bytes waiting for a complete header or control frame', () => {
  const parser = new FrameParser(SERVER);
  const ping = masked(Opcode.Ping, 'abc');
  parser.receive(Buffer.from(ping.subarray(0, 4)));
  assert.is(parser.nextEvent(), null);
  assert.is(parser.bufferedBytes, 4);
  parser.receive(Buffer.from(ping.subarray(4)));
  assert.equal(plain(parser.nextEvent()!), { kind: 'ping', data: Buffer.from('abc').toString('hex') });
  assert.is(parser.bufferedBytes, 0);
});

// ---- limits ----------------------------------------------------------------------------

test('maxFrameSize → 1009 from the header alone', () => {
  const options = { ...SERVER, maxFrameSize: 1000 };
  assert.equal(parse(options, masked(Opcode.Binary, Buffer.alloc(1000))).length, 1, 'exactly at the limit is fine');
  // Only the 14-byte header of a 2^40-byte frame is ever sent.
  const header = encodeFrameHeader(Opcode.Binary, 2 ** 40, true, MASK);
  assert.equal(parse(options, header), [{ kind: 'error', code: CloseCode.MessageTooBig }]);
  assert.equal(parse(options, encodeFrameHeader(Opcode.Text, 1001, true, MASK)), [{ kind: 'error', code: 1009 }]);
});

test('maxMessageSize → 1009 as soon as a fragment header would exceed it', () => {
  const options = { ...SERVER, maxFrameSize: 1000, maxMessageSize: 1500 };
  const parser = new FrameParser(options);
  parser.receive(masked(Opcode.Binary, Buffer.alloc(800), false));
  assert.equal(drain(parser), []);
  parser.receive(encodeFrameHeader(Opcode.Continuation, 701, true, MASK));
  assert.equal(drain(parser), [{ kind: 'error', code: CloseCode.MessageTooBig }]);
  // A single frame over maxMessageSize (but within maxFrameSize) also fails from its header.
  const small = { ...SERVER, maxFrameSize: 1000, maxMessageSize: 500 };
  assert.equal(parse(small, encodeFrameHeader(Opcode.Text, 501, true, MASK)), [{ kind: 'error', code: 1009 }]);
  // Exactly at the limit is fine.
  assert.equal(
    parse(options, masked(Opcode.Binary, Buffer.alloc(800), false), masked(Opcode.Continuation, Buffer.alloc(700))).length,
    1,
  );
});

test('maxFragments → 1009', () => {
  const options = { ...SERVER, maxFragments: 3 };
  const fragments = [masked(Opcode.Text, 'a', false), masked(Opcode.Continuation, 'b', false), masked(Opcode.Continuation, 'c')];
  assert.equal(parse(options, ...fragments), [text('abc')]);
  const tooMany = [
    masked(Opcode.Text, 'a', false),
    masked(Opcode.Continuation, 'b', false),
    masked(Opcode.Continuation, 'c', false),
    masked(Opcode.Continuation, 'd'),
  ];
  assert.equal(parse(options, ...tooMany), [{ kind: 'error', code: CloseCode.MessageTooBig }]);
  // Empty fragments count too: they cannot be used to pin the parser forever.
  const empties = [masked(Opcode.Binary, '', false), ...Array.from({ length: 5 }, () => masked(Opcode.Continuation, '', false))];
  assertError(parse(options, ...empties), CloseCode.MessageTooBig);
});

// ---- one stream, every split ------------------------------------------------------------

function patterned(length: number): Buffer {
  const buf = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buf[i] = (i * 31) & 0xff;
  return buf;
}

/**
 * A stream with every kind of frame. Its 64-bit-length frame carries only 300
 * bytes (a longer-than-needed length form, which receivers accept) so the
 * test can afford to split the stream at every byte; `realBigFrame` adds a
 * genuine 64 KiB frame for the cheaper one-byte-at-a-time run.
 */
function mixedStream(realBigFrame: boolean): Buffer {
  const big = patterned(realBigFrame ? 70000 : 300);
  const bigFrame = realBigFrame
    ? masked(Opcode.Binary, big)
    : Buffer.concat([hex('82ff 000000000000012c'), MASK, encodeFrame(Opcode.Binary, big, { mask: MASK }).subarray(8)]);
  return Buffer.concat([
    masked(Opcode.Text, 'Hello, κόσμε 😀'),
    masked(Opcode.Binary, bytes(0, 1, 2, 3, 4, 5, 6)),
    masked(Opcode.Text, 'frag ', false), // a fragmented text message "frag € end"…
    masked(Opcode.Ping, 'ping!'), // …interrupted by a ping…
    masked(Opcode.Continuation, Buffer.from('€').subarray(0, 2), false), // …and with the € split
    masked(Opcode.Continuation, Buffer.concat([Buffer.from('€').subarray(2), Buffer.from(' end')])),
    masked(Opcode.Binary, Buffer.alloc(300, 0x5a)), // 16-bit length
    masked(Opcode.Pong, ''),
    bigFrame, // 64-bit length
    masked(Opcode.Text, ''),
    encodeFrame(Opcode.Close, Buffer.concat([hex('03e8'), Buffer.from('done')]), { mask: MASK }),
  ]);
}

test('a mixed stream gives the same events whether fed whole or split in two at every byte', () => {
  const stream = mixedStream(false);
  const expected = parse(SERVER, stream);
  assert.is(expected.length, 9);
  assert.equal(expected[3], text('frag € end'));
  assert.equal(expected[6], binary(patterned(300)), 'the 64-bit-length frame');
  assert.equal(expected[8], { kind: 'close', code: 1000, reason: 'done' });

  const expectedRaw = parseRaw(SERVER, [stream]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const got = parseRaw(SERVER, [stream.subarray(0, cut), stream.subarray(cut)]);
    if (!sameEvents(got, expectedRaw)) assert.equal(got.map(plain), expected, `split at ${cut}`);
  }
});

test('a mixed stream (with a real 64 KiB frame) gives the same events fed one byte at a time', () => {
  for (const realBigFrame of [false, true]) {
    const stream = mixedStream(realBigFrame);
    const expected = parseRaw(SERVER, [stream]);
    assert.is(expected.length, 9);
    const pieces = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    const got = parseRaw(SERVER, pieces);
    if (!sameEvents(got, expected)) assert.equal(got.map(plain), expected.map(plain));
  }
});

// ---- random round trip ------------------------------------------------------------------


test('random round trip: encoder → random splits → parser gives back the same messages', () => {
  const random = mulberry32(20240611);
  const int = (n: number): number => Math.floor(random() * n);
  const LENGTHS = [0, 1, 125, 126, 127, 65535, 65536];
  const ALPHABET = ['a', 'Z', ' ', 'é', 'ß', '€', '中', '😀', '\u{10FFFF}', '\uFFFF'];
  const textPool = Buffer.from(Array.from({ length: 100_000 }, () => (random() < 0.7 ? 'a' : ALPHABET[int(ALPHABET.length)])).join(''));
  /** Valid UTF-8 of exactly `length` bytes: a slice of the pool, its cut last character replaced by 'a's. */
  const randomText = (length: number): Buffer => {
    let start = int(textPool.length - length + 1);
    while (start > 0 && (textPool[start]! & 0xc0) === 0x80) start--;
    const text = Buffer.from(textPool.subarray(start, start + length));
    let lastStart = length - 1;
    while (lastStart > 0 && (text[lastStart]! & 0xc0) === 0x80) lastStart--;
    const lead = text[lastStart] ?? 0;
    const size = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    if (lastStart + size > length) text.fill(0x61, lastStart);
    return text;
  };
  const options: FrameParserOptions = { ...SERVER, maxFrameSize: 1 << 18, maxMessageSize: 1 << 18, maxFragments: 64 };

  for (let round = 0; round < 2000; round++) {
    const isServer = random() < 0.7; // masked client→server frames, or unmasked server→client
    const parserOptions = { ...options, expectMasked: isServer };
    const frames: Buffer[] = [];
    const expected: WsEvent[] = [];
    const messageCount = 1 + int(3);
    for (let m = 0; m < messageCount; m++) {
      const length = random() < 0.5 ? LENGTHS[int(LENGTHS.length)]! : int(random() < 0.9 ? 300 : 70000);
      let payload: Buffer;
      const isText = random() < 0.5;
      if (isText) {
        payload = randomText(length);
        assert.is(payload.length, length);
      } else {
        payload = Buffer.alloc(length);
        for (let i = 0; i < length; i += 61) payload[i] = int(256);
      }
      // Cut into 1..5 fragments at random byte positions (may split characters),
      // with pings between fragments; those are delivered before the message.
      const cuts = Array.from({ length: int(5) }, () => int(payload.length + 1)).sort((a, b) => a - b);
      const bounds = [0, ...cuts, payload.length];
      for (let f = 0; f + 1 < bounds.length; f++) {
        const opcode = f === 0 ? (isText ? Opcode.Text : Opcode.Binary) : Opcode.Continuation;
        const fin = f + 2 === bounds.length;
        const mask = isServer ? Uint8Array.from([int(256), int(256), int(256), int(256)]) : undefined;
        frames.push(encodeFrame(opcode, payload.subarray(bounds[f]!, bounds[f + 1]!), { fin, mask }));
        if (!fin && random() < 0.2) {
          const ping = Buffer.from(`p${round}.${f}`);
          frames.push(encodeFrame(Opcode.Ping, ping, { mask }));
          expected.push({ kind: 'ping', data: ping });
        }
      }
      expected.push({ kind: 'message', binary: !isText, data: payload, compressed: false });
    }
    const stream = Buffer.concat(frames);
    const pieces: Buffer[] = [];
    for (let at = 0; at < stream.length; ) {
      const size = 1 + int(random() < 0.3 ? 8 : 4000);
      pieces.push(stream.subarray(at, at + size));
      at += size;
    }
    const got = parseRaw(parserOptions, pieces);
    if (!sameEvents(got, expected)) assert.equal(got.map(plain), expected.map(plain), `round ${round}`);
  }
});

test.run();
