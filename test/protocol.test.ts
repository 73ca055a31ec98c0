import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ChunkEncoding,
  DIFF_PREFIX,
  DIFF_TYPE,
  MessageType,
  PROTOCOL_VERSION,
  ProtocolErrorCode,
  RejectReason,
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeDiff,
  encodeDiffSection,
  encodeHello,
  encodeOnline,
  encodePlace,
  encodePlaceBatch,
  encodeServerMessage,
  encodeSubscribe,
  type ClientMessage,
  type DiffSection,
  type ProtocolFault,
  type ServerMessage,
} from '../src/protocol/messages.js';
import { mulberry32 as prng } from './support/random.js';

// ---- helpers ----

const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/[0-9a-f]{2}/gi) ?? [], (h) => parseInt(h, 16));
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  /** An integer in 0..max, both ends included. */
  int(max: number): number {
    return Math.floor(this.next() * (max + 1));
  }
  u8 = (): number => this.int(0xff);
  u16 = (): number => this.int(0xffff);
  u32 = (): number => this.int(0xffffffff);
  f64(): number {
    const kinds = [0, -1.5, Number.MAX_VALUE, -Number.MIN_VALUE, Infinity];
    return this.int(3) === 0 ? kinds[this.int(kinds.length - 1)]! : (this.next() - 0.5) * 10 ** this.int(15);
  }
  bytes(length: number): Uint8Array {
    return Uint8Array.from({ length }, () => this.u8());
  }
  /** Text with 1-, 2-, 3- and 4-byte UTF-8 characters, a BOM, NUL and quotes. */
  text(maxLength: number): string {
    const pool = ['a', 'Z', ' ', '"', '\\', '\u0000', 'é', 'ж', '€', '\uFEFF', '😀', '𝄞'];
    return Array.from({ length: this.int(maxLength) }, () => pool[this.int(pool.length - 1)]!).join('');
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length - 1)]!;
  }
}

function assertFault(result: unknown, code: ProtocolFault['code'], label: string): void {
  const fault = result as ProtocolFault;
  assert.is(fault.type, 'fault', `${label}: expected a fault, got ${JSON.stringify(result)}`);
  assert.is(fault.code, code, `${label}: fault code (${fault.message})`);
  assert.ok(fault.message.length > 0, `${label}: fault message`);
}

// ---- the worked examples in docs/PROTOCOL.md ----

/** Every fenced block with info string `hex name=…`, by name. */
function readDocExamples(): Map<string, Uint8Array> {
  const markdown = readFileSync(new URL('../../docs/PROTOCOL.md', import.meta.url), 'utf8');
  const examples = new Map<string, Uint8Array>();
  for (const [, name, body] of markdown.matchAll(/^```hex name=([\w-]+)\n([\s\S]*?)^```/gm)) {
    assert.ok(/^[0-9a-f\s]*$/i.test(body!), `example ${name}: only hex pairs and spaces`);
    assert.not.ok(examples.has(name!), `example ${name} appears twice`);
    examples.set(name!, fromHex(body!));
  }
  return examples;
}

const sessionId = fromHex('de ad be ef 00 00 00 00 00 00 00 00 00 00 00 00');

const CLIENT_EXAMPLES: Record<string, ClientMessage> = {
  'subscribe': { type: 'subscribe', board: 0, chunks: Uint16Array.of(4, 0, 5, 0) },
  'unsubscribe': { type: 'unsubscribe', board: 1, chunks: Uint16Array.of(4, 0) },
  'place': { type: 'place', requestId: 7, board: 0, x: 500, y: 20, color: 5 },
  'place-batch': {
    type: 'place-batch',
    requestId: 8,
    board: 0,
    pixels: fromHex('00 0a 00 0a 03  00 0b 00 0a 03'),
    count: 2,
  },
  'tile-write': { type: 'tile-write', requestId: 9, board: 2, tx: 3, ty: 1, colors: Uint8Array.of(5, 5, 0, 7) },
  'ping': { type: 'ping', clientTime: 1234.5 },
};

const SERVER_EXAMPLES: Record<string, ServerMessage> = {
  'hello': {
    type: 'hello',
    protocolVersion: 1,
    sessionId,
    json: '{"sessionId":"3q2-7wAAAAAAAAAAAAAAAA","boards":[],"quotas":[]}',
  },
  'chunk-runs': {
    type: 'chunk',
    board: 0,
    cx: 1,
    cy: 2,
    version: 10,
    encoding: ChunkEncoding.Runs,
    pixels: fromHex('27 06 00  00 0a 05'),
  },
  'chunk-empty': {
    type: 'chunk',
    board: 0,
    cx: 3,
    cy: 0,
    version: 0,
    encoding: ChunkEncoding.Empty,
    pixels: new Uint8Array(0),
  },
  'diff': {
    type: 'diff',
    sections: [
      { board: 0, cx: 1, cy: 2, fromVersion: 3, toVersion: 5, offsets: Uint16Array.of(10, 258), colors: Uint8Array.of(5, 7) },
      { board: 0, cx: 2, cy: 2, fromVersion: 0, toVersion: 1, offsets: Uint16Array.of(0), colors: Uint8Array.of(27) },
    ],
  },
  'ack': { type: 'ack', requestId: 7, count: 1, color: 5 },
  'reject': { type: 'reject', requestId: 8, reason: RejectReason.RATE_LIMITED, retryAfterMs: 4500 },
  'quota': { type: 'quota', board: 0, available: 0, capacity: 1, nextInMs: 5000 },
  'online': { type: 'online', entries: [{ board: 0, count: 1234 }, { board: 1, count: 5 }] },
  'pong': { type: 'pong', clientTime: 1234.5, serverTime: 1_700_000_000_000 },
  'protocol-error': { type: 'protocol-error', code: ProtocolErrorCode.UnknownBoard, message: 'unknown board 7' },
  'locks': { type: 'locks', board: 0, locks: [{ x: 100, y: 200, width: 50, height: 10 }] },
  'board-state': { type: 'board-state', board: 1, open: true, opensAt: 1_700_000_000_000, closesAt: 0 },
  'banned': { type: 'banned', expiresAt: 0, reason: 'bot' },
  'policy': { type: 'policy', board: 0, json: '{"strokes":false,"maxBatch":1,"tileWrites":false,"buckets":[]}' },
};

const docExamples = readDocExamples();

test('docs: every hex example has expected values here, and every expected value an example', () => {
  const expected = [...Object.keys(CLIENT_EXAMPLES), ...Object.keys(SERVER_EXAMPLES)].sort();
  assert.equal([...docExamples.keys()].sort(), expected);
});

test('docs: every message type has at least one example', () => {
  const typesShown = new Set([...docExamples.values()].map((bytes) => bytes[0]));
  for (const [name, type] of Object.entries(MessageType)) assert.ok(typesShown.has(type), `no example of ${name}`);
});

for (const [name, expected] of Object.entries(CLIENT_EXAMPLES)) {
  test(`docs example ${name}: decodes to the expected values and re-encodes to the same bytes`, () => {
    const bytes = docExamples.get(name)!;
    assert.equal(decodeClientMessage(bytes), expected);
    assert.is(toHex(encodeClientMessage(expected)), toHex(bytes));
  });
}

for (const [name, expected] of Object.entries(SERVER_EXAMPLES)) {
  test(`docs example ${name}: decodes to the expected values and re-encodes to the same bytes`, () => {
    const bytes = docExamples.get(name)!;
    assert.equal(decodeServerMessage(bytes), expected);
    assert.is(toHex(encodeServerMessage(expected)), toHex(bytes));
  });
}

test('docs example place matches the one in the brief, via encodePlace', () => {
  assert.is(toHex(encodePlace(7, 0, 500, 20, 5)), '12 00 00 00 07 00 01 f4 00 14 05');
});

// ---- constants ----

test('constants', () => {
  assert.is(PROTOCOL_VERSION, 1);
  assert.is(DIFF_TYPE, 0x03);
  assert.is(toHex(DIFF_PREFIX), '03');
  assert.equal(Object.values(RejectReason), [1, 2, 3, 4, 5, 6, 7]);
  assert.is(RejectReason.NOT_ALLOWED, 6);
  assert.equal(Object.values(ProtocolErrorCode), [1, 2, 3, 4, 5]);
  assert.equal([ChunkEncoding.Raw, ChunkEncoding.Runs, ChunkEncoding.Empty], [0, 1, 2]);
});

// ---- random round trips ----

function randomClientMessage(random: Random, type: ClientMessage['type']): ClientMessage {
  switch (type) {
    case 'subscribe':
    case 'unsubscribe':
      return { type, board: random.u8(), chunks: Uint16Array.from({ length: random.int(20) * 2 }, random.u16) };
    case 'place':
      return { type, requestId: random.u32(), board: random.u8(), x: random.u16(), y: random.u16(), color: random.u8() };
    case 'place-batch': {
      const count = random.int(20);
      return { type, requestId: random.u32(), board: random.u8(), pixels: random.bytes(count * 5), count };
    }
    case 'tile-write':
      return {
        type,
        requestId: random.u32(),
        board: random.u8(),
        tx: random.u16(),
        ty: random.u16(),
        colors: random.bytes(random.pick([0, 1, 4, 64, 256])),
      };
    case 'ping':
      return { type, clientTime: random.f64() };
  }
}

function randomDiffSection(random: Random): DiffSection {
  const n = random.int(10);
  return {
    board: random.u8(),
    cx: random.u16(),
    cy: random.u16(),
    fromVersion: random.u32(),
    toVersion: random.u32(),
    offsets: Uint16Array.from({ length: n }, random.u16),
    colors: random.bytes(n),
  };
}

function randomServerMessage(random: Random, type: ServerMessage['type']): ServerMessage {
  switch (type) {
    case 'hello':
      return { type, protocolVersion: random.u8(), sessionId: random.bytes(16), json: random.text(40) };
    case 'chunk':
      return {
        type,
        board: random.u8(),
        cx: random.u16(),
        cy: random.u16(),
        version: random.u32(),
        encoding: random.int(2),
        pixels: random.bytes(random.int(30)),
      };
    case 'diff':
      return { type, sections: Array.from({ length: 1 + random.int(4) }, () => randomDiffSection(random)) };
    case 'ack':
      return { type, requestId: random.u32(), count: random.u16(), color: random.u8() };
    case 'reject':
      return { type, requestId: random.u32(), reason: random.u8(), retryAfterMs: random.u32() };
    case 'quota':
      return { type, board: random.u8(), available: random.u16(), capacity: random.u16(), nextInMs: random.u32() };
    case 'online':
      return { type, entries: Array.from({ length: random.int(8) }, () => ({ board: random.u8(), count: random.u32() })) };
    case 'pong':
      return { type, clientTime: random.f64(), serverTime: random.f64() };
    case 'protocol-error':
      return { type, code: random.u8(), message: random.text(30) };
    case 'locks':
      return { type, board: random.u8(), locks: Array.from({ length: random.int(6) }, () => ({ x: random.u16(), y: random.u16(), width: random.u16(), height: random.u16() })) };
    case 'board-state':
      return { type, board: random.u8(), open: random.int(2) === 1, opensAt: random.f64(), closesAt: random.f64() };
    case 'banned':
      return { type, expiresAt: random.f64(), reason: random.text(30) };
    case 'policy':
      return { type, board: random.u8(), json: random.text(40) };
  }
}

const CLIENT_TYPES: ClientMessage['type'][] = ['subscribe', 'unsubscribe', 'place', 'place-batch', 'tile-write', 'ping'];
const SERVER_TYPES: ServerMessage['type'][] = [
  'hello', 'chunk', 'diff', 'ack', 'reject', 'quota', 'online', 'pong', 'protocol-error', 'locks', 'board-state', 'banned', 'policy',
];
const ROUND_TRIPS = 500;

for (const type of CLIENT_TYPES) {
  test(`round trip: ${ROUND_TRIPS} random ${type} messages`, () => {
    const random = new Random(0xc0ffee + type.length);
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const message = randomClientMessage(random, type);
      const bytes = encodeClientMessage(message);
      assert.equal(decodeClientMessage(bytes), message, `${type} #${i}`);
    }
  });
}

for (const type of SERVER_TYPES) {
  test(`round trip: ${ROUND_TRIPS} random ${type} messages`, () => {
    const random = new Random(0xbeef + type.length);
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const message = randomServerMessage(random, type);
      const bytes = encodeServerMessage(message);
      assert.equal(decodeServerMessage(bytes), message, `${type} #${i}`);
    }
  });
}

// ---- the broadcaster's DIFF pieces ----

test('encodeDiffSection reads each offset\'s colour from the chunk data', () => {
  const chunkData = new Uint8Array(100 * 100);
  chunkData[10] = 5;
  chunkData[258] = 7;
  chunkData[9999] = 31;
  const section = encodeDiffSection(0, 1, 2, 3, 5, Uint16Array.of(10, 258, 9999), chunkData, 0);
  const decoded = decodeServerMessage(concat(DIFF_PREFIX, section));
  assert.equal(decoded, {
    type: 'diff',
    sections: [
      {
        board: 0,
        cx: 1,
        cy: 2,
        fromVersion: 3,
        toVersion: 5,
        offsets: Uint16Array.of(10, 258, 9999),
        colors: Uint8Array.of(5, 7, 31),
      },
    ],
  });
});

test('encodeDiffSection without chunk data gives every pixel the background', () => {
  const section = encodeDiffSection(4, 0, 0, 0, 2, Uint16Array.of(1, 2), null, 9);
  const decoded = decodeServerMessage(concat(DIFF_PREFIX, section));
  assert.equal(decoded, {
    type: 'diff',
    sections: [
      { board: 4, cx: 0, cy: 0, fromVersion: 0, toVersion: 2, offsets: Uint16Array.of(1, 2), colors: Uint8Array.of(9, 9) },
    ],
  });
});

test('encodeDiff is DIFF_PREFIX followed by the sections, as the broadcaster writes them', () => {
  const a = encodeDiffSection(0, 1, 1, 1, 2, Uint16Array.of(0), null, 0);
  const b = encodeDiffSection(1, 2, 2, 7, 9, Uint16Array.of(3, 4), Uint8Array.of(1, 2, 3, 4, 5), 0);
  assert.is(toHex(encodeDiff([a, b])), toHex(concat(DIFF_PREFIX, a, b)));
});

test('encodeDiffSection of the doc example\'s sections gives the doc bytes', () => {
  const chunkA = new Uint8Array(100 * 100);
  chunkA[10] = 5;
  chunkA[258] = 7;
  const chunkB = new Uint8Array(100 * 100);
  chunkB[0] = 27;
  const bytes = encodeDiff([
    encodeDiffSection(0, 1, 2, 3, 5, Uint16Array.of(10, 258), chunkA, 0),
    encodeDiffSection(0, 2, 2, 0, 1, Uint16Array.of(0), chunkB, 0),
  ]);
  assert.is(toHex(bytes), toHex(docExamples.get('diff')!));
});

// ---- malformed input ----

test('empty message: fault 2 from both decoders', () => {
  assertFault(decodeClientMessage(new Uint8Array(0)), 2, 'client');
  assertFault(decodeServerMessage(new Uint8Array(0)), 2, 'server');
});

test('unknown type byte: fault 1 from both decoders', () => {
  // Client types are 0x10–0x15, server types 0x01–0x09.
  const clientTypes = new Set<number>(Object.values(MessageType).filter((type) => type >= 0x10));
  const serverTypes = new Set<number>(Object.values(MessageType).filter((type) => type < 0x10));
  for (let type = 0; type <= 0xff; type++) {
    for (const length of [1, 11, 17]) {
      const bytes = new Uint8Array(length);
      bytes[0] = type;
      if (!clientTypes.has(type)) assertFault(decodeClientMessage(bytes), 1, `client type ${type}`);
      if (!serverTypes.has(type)) assertFault(decodeServerMessage(bytes), 1, `server type ${type}`);
    }
  }
});

/** Messages whose last field runs to the end, so any longer message is still well-formed. */
const OPEN_ENDED = new Set(['tile-write', 'chunk-runs', 'chunk-empty', 'protocol-error', 'banned', 'policy']);
/** Their fixed header lengths: cut shorter than this, they are malformed. */
const HEADER_LENGTH: Record<string, number> = { 'tile-write': 10, 'chunk-runs': 11, 'chunk-empty': 11, 'protocol-error': 2, 'banned': 9, 'policy': 2 };
/** Cuts that leave a shorter well-formed message: the doc's DIFF cut after its first section. */
const WELL_FORMED_CUTS: Record<string, number[]> = { diff: [1 + 15 + 2 * 3] };

for (const [name, decode] of [
  ...CLIENT_TYPES.map((n) => [n, decodeClientMessage] as const),
  ...SERVER_TYPES.filter((n) => n !== 'chunk').map((n) => [n, decodeServerMessage] as const),
  ['chunk-runs', decodeServerMessage] as const,
]) {
  test(`malformed ${name}: cut short or extended → fault 2`, () => {
    const bytes = docExamples.get(name)!;
    for (let length = 1; length < bytes.length; length++) {
      const cut = bytes.subarray(0, length);
      const result = decode(cut);
      const wellFormed =
        (OPEN_ENDED.has(name) && length >= HEADER_LENGTH[name]!) || (WELL_FORMED_CUTS[name] ?? []).includes(length);
      if (wellFormed) assert.is.not(result.type, 'fault', `${name} cut to ${length}`);
      else assertFault(result, 2, `${name} cut to ${length}`);
    }
    for (let extra = 1; extra <= 6; extra++) {
      const longer = concat(bytes, new Uint8Array(extra).fill(0x61));
      const result = decode(longer);
      if (OPEN_ENDED.has(name)) assert.is.not(result.type, 'fault', `${name} + ${extra} bytes`);
      else assertFault(result, 2, `${name} + ${extra} bytes`);
    }
  });
}

test('malformed: a count that disagrees with the length → fault 2', () => {
  const subscribe = encodeSubscribe(0, [1, 2, 3, 4]);
  subscribe[3] = 3; // n = 3, but 2 entries follow
  assertFault(decodeClientMessage(subscribe), 2, 'SUBSCRIBE n too big');
  subscribe[3] = 1; // n = 1, but 2 entries follow
  assertFault(decodeClientMessage(subscribe), 2, 'SUBSCRIBE n too small');
  const batch = encodePlaceBatch(1, 0, [1, 2, 3]);
  batch[7] = 0; // n = 0, but 1 pixel follows
  assertFault(decodeClientMessage(batch), 2, 'PLACE_BATCH n too small');
  const online = encodeOnline([{ board: 0, count: 1 }]);
  online[1] = 2;
  assertFault(decodeServerMessage(online), 2, 'ONLINE n too big');
  const hello = encodeHello(sessionId, '{}');
  hello[21] = 3; // jsonLength 3, 2 bytes follow
  assertFault(decodeServerMessage(hello), 2, 'HELLO jsonLength too big');
  assertFault(decodeServerMessage(Uint8Array.of(DIFF_TYPE)), 2, 'DIFF without sections');
});

test('malformed: invalid UTF-8 in HELLO and PROTOCOL_ERROR → fault 2', () => {
  const hello = encodeHello(sessionId, '{}');
  hello[22] = 0xff;
  assertFault(decodeServerMessage(hello), 2, 'HELLO');
  assertFault(decodeServerMessage(Uint8Array.of(MessageType.ProtocolError, 1, 0xc3)), 2, 'PROTOCOL_ERROR cut in a character');
  assertFault(decodeServerMessage(Uint8Array.of(MessageType.Banned, 0, 0, 0, 0, 0, 0, 0, 0, 0xc3)), 2, 'BANNED cut in a character');
  const flags = docExamples.get('board-state')!.slice();
  flags[2] = 0x03;
  assertFault(decodeServerMessage(flags), 2, 'BOARD_STATE with an unknown flag');
});

test('encoders refuse values that do not fit their fields', () => {
  assert.throws(() => encodePlace(1, 0, 70_000, 0, 0), RangeError);
  assert.throws(() => encodePlace(-1, 0, 0, 0, 0), RangeError);
  assert.throws(() => encodePlace(1, 256, 0, 0, 0), RangeError);
  assert.throws(() => encodePlace(1, 0, 1.5, 0, 0), RangeError);
  assert.throws(() => encodeSubscribe(0, [1, 2, 3]), RangeError);
  assert.throws(() => encodePlaceBatch(0, 0, [1, 2]), RangeError);
  assert.throws(() => encodeHello(new Uint8Array(15), '{}'), RangeError);
  assert.throws(() => encodeOnline(Array.from({ length: 256 }, () => ({ board: 0, count: 0 }))), RangeError);
  assert.throws(() => encodeDiffSection(0, 0, 0, 0, 2 ** 32, Uint16Array.of(0), null, 0), RangeError);
});

// ---- garbage never throws ----

const FUZZ_MESSAGES = 100_000;

/** Random bytes, half of them a mutated doc example so the decoders get past the type byte. */
function garbage(random: Random, examples: Uint8Array[]): Uint8Array {
  if (random.int(1) === 0) return random.bytes(random.int(48));
  const bytes = random.pick(examples).slice();
  const mutated =
    random.int(2) === 0 ? concat(bytes, random.bytes(random.int(20))) : bytes.subarray(0, random.int(bytes.length));
  for (let flips = random.int(3); flips > 0 && mutated.length > 0; flips--) {
    mutated[random.int(mutated.length - 1)] = random.u8();
  }
  return mutated;
}

function checkDecodesOrFaults<M extends { type: string }>(
  decode: (bytes: Uint8Array) => M | ProtocolFault,
  encode: (message: M) => Uint8Array,
  examples: Uint8Array[],
  seed: number,
): number {
  const random = new Random(seed);
  let decoded = 0;
  for (let i = 0; i < FUZZ_MESSAGES; i++) {
    const bytes = garbage(random, examples);
    const result = decode(bytes);
    if (result.type === 'fault') {
      const fault = result as ProtocolFault;
      assert.ok(fault.code === 1 || fault.code === 2, `fault code ${fault.code} for ${toHex(bytes)}`);
      continue;
    }
    decoded++;
    // A message that decodes must be the one its encoder would write (floats
    // aside: a NaN's payload bits need not survive).
    const again = encode(result as M);
    assert.equal(decode(again), result, `re-encoding ${toHex(bytes)}`);
    if (result.type !== 'ping' && result.type !== 'pong') assert.is(toHex(again), toHex(bytes));
  }
  return decoded;
}

test(`fuzz: ${FUZZ_MESSAGES} garbage client messages never throw`, () => {
  const examples = CLIENT_TYPES.map((name) => docExamples.get(name)!);
  const decoded = checkDecodesOrFaults(decodeClientMessage, encodeClientMessage, examples, 0x5eed1);
  assert.ok(decoded > 1000, `only ${decoded} decoded: the fuzzer should reach the message bodies`);
});

test(`fuzz: ${FUZZ_MESSAGES} garbage server messages never throw`, () => {
  const examples = [...docExamples.entries()].filter(([name]) => name in SERVER_EXAMPLES).map(([, bytes]) => bytes);
  const decoded = checkDecodesOrFaults(decodeServerMessage, encodeServerMessage, examples, 0x5eed2);
  assert.ok(decoded > 1000, `only ${decoded} decoded: the fuzzer should reach the message bodies`);
});

test.run();
