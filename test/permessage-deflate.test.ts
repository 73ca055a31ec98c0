// permessage-deflate (RFC 7692) without a socket: the negotiation, parameter
// by parameter; the codec on the RFC's own examples (§7.2.3), byte for byte;
// and the frame rules (RSV1, §6) and errors through the protocol object.
import { randomBytes } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { negotiateDeflate, type DeflateAgreement, type DeflatePolicy } from '../src/websocket/deflate-negotiation.js';
import { parseExtensions } from '../src/websocket/extensions.js';
import { encodeFrame } from '../src/websocket/frame-encoder.js';
import { CloseCode, Opcode } from '../src/websocket/opcodes.js';
import {
  InflateError, MIN_COMPRESSED_SIZE, PerMessageDeflate, deflateMessage, inflateMessage,
} from '../src/websocket/permessage-deflate.js';
import { MIN_SHARED_COMPRESSED_SIZE, PreparedMessage } from '../src/websocket/prepared-message.js';
import { RecordingOutput } from './support/recording-output.js';
import { WebSocketProtocol, type ProtocolSettings } from '../src/websocket/protocol.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MASK = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]);

// ---- the Sec-WebSocket-Extensions header (RFC 6455 §9.1) -----------------

test('extension header: offers in order, parameters with and without values, quoted values unquoted', () => {
  assert.equal(parseExtensions('permessage-deflate; client_max_window_bits, permessage-deflate ;server_max_window_bits="10" , x-other'), [
    { name: 'permessage-deflate', params: [['client_max_window_bits', null]] },
    { name: 'permessage-deflate', params: [['server_max_window_bits', '10']] },
    { name: 'x-other', params: [] },
  ]);
  assert.equal(parseExtensions(', a,,b ,'), [{ name: 'a', params: [] }, { name: 'b', params: [] }], 'empty elements are ignored');
  assert.equal(parseExtensions('a; p="x\\y"'), [{ name: 'a', params: [['p', 'xy']] }], 'a quoted-pair stands for its character');
});

test('extension header: anything off the grammar is unreadable as a whole', () => {
  for (const bad of ['a;', 'a; =1', 'a; p=', 'a; p="unterminated', 'a; p="two words"', 'a b', 'a; p=1 2', '"a"', 'a; p=1;; q']) {
    assert.is(parseExtensions(bad), null, bad);
  }
});

// ---- negotiation (RFC 7692 §5, §7.1), parameter by parameter -------------

const ECHO: DeflatePolicy = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
const SHARED: DeflatePolicy = { ...ECHO, serverNoContextTakeover: true, clientNoContextTakeover: true };
const FULL: DeflateAgreement = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

/** The response header value, or null when the extension is declined. */
const respond = (header: string | undefined, policy: DeflatePolicy | null = ECHO): string | null =>
  negotiateDeflate(header, policy)?.response ?? null;
const agree = (header: string, policy: DeflatePolicy = ECHO): DeflateAgreement | null =>
  negotiateDeflate(header, policy)?.agreement ?? null;

test('no offer, or an endpoint without compression: no extension', () => {
  assert.is(respond(undefined), null);
  assert.is(respond('permessage-deflate', null), null);
  assert.is(respond('x-webkit-deflate-frame'), null, 'other extensions are not ours to accept');
});

test('a bare offer is accepted as it is', () => {
  assert.is(respond('permessage-deflate'), 'permessage-deflate');
  assert.equal(agree('permessage-deflate'), FULL);
  assert.is(respond('x-webkit-deflate-frame, permessage-deflate'), 'permessage-deflate', 'found among other extensions');
});

test('server_no_context_takeover: agreed when offered; the endpoint may also ask it of itself', () => {
  assert.is(respond('permessage-deflate; server_no_context_takeover'), 'permessage-deflate; server_no_context_takeover');
  assert.ok(agree('permessage-deflate; server_no_context_takeover')!.serverNoContextTakeover);
  assert.is(respond('permessage-deflate', SHARED), 'permessage-deflate; server_no_context_takeover; client_no_context_takeover');
});

test('client_no_context_takeover: confirmed when offered; the endpoint may ask it unoffered', () => {
  assert.is(respond('permessage-deflate; client_no_context_takeover'), 'permessage-deflate; client_no_context_takeover');
  assert.ok(agree('permessage-deflate; client_no_context_takeover')!.clientNoContextTakeover);
  assert.ok(agree('permessage-deflate', SHARED)!.clientNoContextTakeover);
});

test('server_max_window_bits: a value is required; the answer is that value or less; 8 is declined (zlib)', () => {
  assert.is(respond('permessage-deflate; server_max_window_bits=10'), 'permessage-deflate; server_max_window_bits=10');
  assert.is(agree('permessage-deflate; server_max_window_bits=10')!.serverMaxWindowBits, 10);
  const small: DeflatePolicy = { ...ECHO, serverMaxWindowBits: 12 };
  assert.is(respond('permessage-deflate; server_max_window_bits=14', small), 'permessage-deflate; server_max_window_bits=12', 'ours is smaller');
  assert.is(respond('permessage-deflate', small), 'permessage-deflate; server_max_window_bits=12', 'announced unasked');
  assert.is(respond('permessage-deflate; server_max_window_bits=9'), 'permessage-deflate; server_max_window_bits=9');
  assert.is(respond('permessage-deflate; server_max_window_bits=8'), null, 'zlib cannot deflate with a 256-byte window');
  assert.is(respond('permessage-deflate; server_max_window_bits'), null, 'no value');
});

test('client_max_window_bits: with or without a value; limited only when offered', () => {
  assert.is(respond('permessage-deflate; client_max_window_bits'), 'permessage-deflate');
  assert.is(agree('permessage-deflate; client_max_window_bits')!.clientMaxWindowBits, 15);
  assert.is(respond('permessage-deflate; client_max_window_bits=10'), 'permessage-deflate', 'the client already keeps to 2^10');
  assert.is(agree('permessage-deflate; client_max_window_bits=10')!.clientMaxWindowBits, 10);
  const small: DeflatePolicy = { ...ECHO, clientMaxWindowBits: 9 };
  assert.is(respond('permessage-deflate; client_max_window_bits', small), 'permessage-deflate; client_max_window_bits=9');
  assert.is(respond('permessage-deflate; client_max_window_bits=12', small), 'permessage-deflate; client_max_window_bits=9');
  assert.is(respond('permessage-deflate; client_max_window_bits=8', small), 'permessage-deflate', 'already below ours');
  assert.is(agree('permessage-deflate; client_max_window_bits=8', small)!.clientMaxWindowBits, 8);
  assert.is(respond('permessage-deflate', small), 'permessage-deflate', 'not offered: we may not send it');
  assert.is(agree('permessage-deflate', small)!.clientMaxWindowBits, 15);
});

test('all four parameters at once', () => {
  const offer = 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=12';
  assert.is(respond(offer), 'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11');
  assert.equal(agree(offer), { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 11, clientMaxWindowBits: 12 });
  assert.is(respond('permessage-deflate;server_max_window_bits="11"'), 'permessage-deflate; server_max_window_bits=11', 'a quoted value');
});

test('an offer with a bad parameter is declined, and the next offer considered (§5.1)', () => {
  const declined = [
    'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10', // the same parameter twice
    'permessage-deflate; client_no_context_takeover; client_no_context_takeover',
    'permessage-deflate; mystery',                          // not a parameter of this extension
    'permessage-deflate; server_no_context_takeover=1',     // a value where none belongs
    'permessage-deflate; client_no_context_takeover=true',
    'permessage-deflate; server_max_window_bits=16',
    'permessage-deflate; server_max_window_bits=7',
    'permessage-deflate; server_max_window_bits=010',       // leading zero
    'permessage-deflate; client_max_window_bits=0x0f',
  ];
  for (const offer of declined) {
    assert.is(respond(offer), null, offer);
    assert.is(respond(`${offer}, permessage-deflate; client_max_window_bits`), 'permessage-deflate', `${offer}, then a good one`);
  }
  assert.is(respond('permessage-deflate; server_max_window_bits=8, permessage-deflate; server_max_window_bits=9'), 'permessage-deflate; server_max_window_bits=9', 'the first we can honour');
  assert.is(respond('permessage-deflate; client_max_window_bits=, permessage-deflate'), null, 'an unreadable header offers nothing');
});

// ---- the codec on RFC 7692's examples (§7.2.3) ---------------------------

test('§7.2.3.1 "Hello" compresses to f2 48 cd c9 c9 07 00 (the 00 00 ff ff tail left off)', () => {
  assert.is(deflateMessage(Buffer.from('Hello'), 15).toString('hex'), 'f248cdc9c90700');
  assert.is(inflateMessage(hex('f2 48 cd c9 c9 07 00'), 100).toString(), 'Hello');
});

test('§7.2.3.2 with "Hello" in the window, "Hello" again is f2 00 11 00 00', () => {
  assert.is(deflateMessage(Buffer.from('Hello'), 15, Buffer.from('Hello')).toString('hex'), 'f200110000');
  // The receiving side: the first message's bytes are the second's history.
  const takeover = new PerMessageDeflate(FULL);
  assert.is(takeover.decompress(hex('f2 48 cd c9 c9 07 00'), 100).toString(), 'Hello');
  assert.is(takeover.decompress(hex('f2 00 11 00 00'), 100).toString(), 'Hello');
  // Without context takeover there is no history to refer back into.
  const fresh = new PerMessageDeflate({ ...FULL, clientNoContextTakeover: true });
  assert.is(fresh.decompress(hex('f2 48 cd c9 c9 07 00'), 100).toString(), 'Hello');
  assert.throws(() => fresh.decompress(hex('f2 00 11 00 00'), 100), (e: unknown) => e instanceof InflateError && e.code === 1007);
});

test('§7.2.3.3 a stored (uncompressed) block, §7.2.3.4 a block with BFINAL set, §7.2.3.5 two blocks', () => {
  assert.is(inflateMessage(hex('00 05 00 fa ff 48 65 6c 6c 6f 00'), 100).toString(), 'Hello');
  assert.is(inflateMessage(hex('f3 48 cd c9 c9 07 00 00'), 100).toString(), 'Hello');
  assert.is(inflateMessage(hex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00'), 100).toString(), 'Hello');
});

test('messages that compression would not shrink go uncompressed', () => {
  const random = randomBytes(4096);
  assert.ok(deflateMessage(random, 15).length > random.length);
  assert.is(new PerMessageDeflate(FULL).compress(random), null);
  assert.is(new PreparedMessage(Opcode.Binary, random).compressedFrame(), null);
  assert.is(new PreparedMessage(Opcode.Text, Buffer.from('Hello')).compressedFrame(), null, 'Hello takes 7 bytes');
  // A shared message shorter than MIN_SHARED_COMPRESSED_SIZE is not even tried, however repetitive.
  const repeated = (n: number) => new PreparedMessage(Opcode.Binary, Buffer.alloc(n, 7)).compressedFrame();
  assert.is(repeated(MIN_SHARED_COMPRESSED_SIZE - 1), null);
  assert.ok(repeated(MIN_SHARED_COMPRESSED_SIZE)!.length < MIN_SHARED_COMPRESSED_SIZE);
});

test('inflateMessage: not DEFLATE → 1007; past the limit → 1009, without inflating the rest', () => {
  assert.throws(() => inflateMessage(hex('ff ff ff'), 100), (e: unknown) => e instanceof InflateError && e.code === CloseCode.InvalidPayload);
  const megabyte = deflateMessage(Buffer.alloc(1 << 20), 15);
  assert.is(inflateMessage(megabyte, 1 << 20).length, 1 << 20, 'exactly at the limit');
  assert.throws(() => inflateMessage(megabyte, (1 << 20) - 1), (e: unknown) => e instanceof InflateError && e.code === CloseCode.MessageTooBig);
});

test('context takeover on our side: the second copy of a message refers back to the first', () => {
  const message = Buffer.from(JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, name: `pixel ${i * 7919}` }))));
  const takeover = new PerMessageDeflate(FULL);
  const first = takeover.compress(message)!;
  const second = takeover.compress(message)!;
  assert.ok(second.length < first.length / 5, `${second.length} bytes, the first ${first.length}`);
  // A peer that inflates in order with the same history gets both back.
  const peer = new PerMessageDeflate(FULL); // its "client" side is our server side here
  assert.ok(peer.decompress(first, 1 << 20).equals(message));
  assert.ok(peer.decompress(second, 1 << 20).equals(message));
  const independent = new PerMessageDeflate({ ...FULL, serverNoContextTakeover: true });
  assert.is(independent.compress(message)!.length, first.length);
  assert.is(independent.compress(message)!.length, first.length, 'each message on its own');
  assert.is(takeover.compress(Buffer.alloc(MIN_COMPRESSED_SIZE - 1)), null, 'small messages go uncompressed');
});

test('a window of 2^10 bytes: references reach back at most 1024 bytes', () => {
  const line = Buffer.from('0123456789abcdef'.repeat(8)); // 128 bytes
  const message = Buffer.concat([Buffer.alloc(2000, 'x'), line, Buffer.alloc(2000, 'y'), line]);
  const small = new PerMessageDeflate({ ...FULL, serverMaxWindowBits: 10 });
  const compressed = small.compress(message)!;
  assert.ok(inflateMessage(compressed, 1 << 20).equals(message));
  assert.ok(compressed.length > deflateMessage(message, 15).length, 'the line 2128 bytes back is out of reach');
});

// ---- frames and errors through the protocol object -----------------------

const SETTINGS: ProtocolSettings = {
  frames: { maxFrameSize: 1 << 20, maxMessageSize: 1 << 20, maxFragments: 8, expectMasked: true },
  pingIntervalMs: 30_000,
  idleTimeoutMs: 75_000,
  messageTimeoutMs: 20_000,
  closeTimeoutMs: 5_000,
};
const UNLIMITED = { take: () => true };


function compressedConnection(agreement: DeflateAgreement | null = FULL) {
  const output = new RecordingOutput();
  const protocol = new WebSocketProtocol(SETTINGS, { messages: UNLIMITED, controlFrames: UNLIMITED }, output, 0,
    agreement === null ? null : new PerMessageDeflate(agreement));
  const receive = (...frames: Buffer[]): unknown[] => {
    protocol.receive(Buffer.concat(frames), 0);
    const events: unknown[] = [];
    for (let event = protocol.nextEvent(); event !== null; event = protocol.nextEvent()) {
      events.push(event.kind === 'message' ? { message: event.data.toString(), binary: event.binary } : event.kind === 'error' ? { error: event.code } : event.kind);
    }
    return events;
  };
  return { output, protocol, receive };
}
/** A client frame from its first byte (FIN, RSV1, opcode) and payload, masked. */
const frame = (firstByte: number, payload: Buffer): Buffer => {
  const encoded = encodeFrame(firstByte & 0x0f, payload, { fin: (firstByte & 0x80) !== 0, mask: MASK });
  encoded[0] = firstByte;
  return encoded;
};

test('§7.2.3.1 framing: c1 07 f2 48 cd c9 c9 07 00, and the same split over two frames', () => {
  const { receive } = compressedConnection();
  assert.equal(receive(frame(0xc1, hex('f2 48 cd c9 c9 07 00'))), [{ message: 'Hello', binary: false }]);
  assert.equal(receive(frame(0x41, hex('f2 48 cd')), frame(0x80, hex('c9 c9 07 00'))), [{ message: 'Hello', binary: false }]);
  assert.equal(receive(frame(0x81, Buffer.from('plain'))), [{ message: 'plain', binary: false }], 'RSV1 clear: not compressed');
});

test('§7.2.3.2 framing: two messages sharing the window', () => {
  const { receive } = compressedConnection();
  assert.equal(receive(frame(0xc1, hex('f2 48 cd c9 c9 07 00')), frame(0xc1, hex('f2 00 11 00 00'))), [
    { message: 'Hello', binary: false },
    { message: 'Hello', binary: false },
  ]);
});

test('RSV1 rules (§6.1): only on the first frame of a data message, only when negotiated → else 1002', () => {
  assert.equal(compressedConnection(null).receive(frame(0xc1, hex('f2 48 cd c9 c9 07 00'))), [{ error: 1002 }], 'not negotiated');
  assert.equal(compressedConnection().receive(frame(0x41, hex('f2 48 cd')), frame(0xc0, hex('c9 c9 07 00'))), [{ error: 1002 }], 'on a continuation');
  assert.equal(compressedConnection().receive(frame(0xc9, Buffer.from('x'))), [{ error: 1002 }], 'on a ping');
  assert.equal(compressedConnection().receive(frame(0xa1, Buffer.from('x'))), [{ error: 1002 }], 'RSV2 means nothing');
});

test('a bad compressed stream → 1007; compressed text that is not UTF-8 → 1007; inflating past the limit → 1009', () => {
  const bad = compressedConnection();
  assert.equal(bad.receive(frame(0xc2, hex('ff ff ff'))), [{ error: 1007 }]);
  assert.match(bad.output.log[0]!, /^88..03ef/, 'Close 1007');
  assert.equal(compressedConnection().receive(frame(0xc1, deflateMessage(Buffer.alloc(100, 0xff), 15))), [{ error: 1007 }]);
  const big = compressedConnection();
  assert.equal(big.receive(frame(0xc2, deflateMessage(Buffer.alloc((1 << 20) + 1), 15))), [{ error: 1009 }]);
  assert.equal(big.output.log.slice(-1), ['end']);
});

test('sending: from 1 KiB up with RSV1, smaller ones plain; control frames never', () => {
  const { output, protocol } = compressedConnection();
  const text = 'tessera '.repeat(200);
  protocol.send(text, false);
  protocol.send('small', false);
  protocol.ping(Buffer.from('p'));
  const [compressed, small, ping] = output.log.map((h) => Buffer.from(h, 'hex'));
  assert.is(compressed![0], 0xc1, 'FIN + RSV1 + text');
  assert.is(inflateMessage(compressed!.subarray(2), 1 << 20).toString(), text);
  assert.is(small!.toString('hex'), '8105' + Buffer.from('small').toString('hex'));
  assert.is(ping!.toString('hex'), '890170');
});

test('PreparedMessage: compressed once, shared by every connection that can take it; the others get it plain', () => {
  const payload = Buffer.from(JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ x: i, colour: (i * 7919) % 256 }))));
  const message = new PreparedMessage(Opcode.Binary, payload);
  const first = message.compressedFrame()!;
  assert.is(message.compressedFrame(), first, 'made once');
  assert.is(first[0], 0xc2);
  const a = compressedConnection({ ...FULL, serverNoContextTakeover: true });
  const b = compressedConnection({ ...FULL, serverNoContextTakeover: true });
  const narrow = compressedConnection({ ...FULL, serverMaxWindowBits: 10 });
  const plain = compressedConnection(null);
  for (const c of [a, b, narrow, plain]) c.protocol.sendPrepared(message);
  assert.equal([a, b].map((c) => c.output.log[0]), [first.toString('hex'), first.toString('hex')]);
  assert.equal([narrow, plain].map((c) => c.output.log[0]), [message.frame.toString('hex'), message.frame.toString('hex')]);
  // With context takeover, a shared message becomes history on both sides: what follows still inflates.
  const takeover = compressedConnection(FULL);
  const peer = new PerMessageDeflate(FULL);
  takeover.protocol.sendPrepared(message);
  takeover.protocol.send(payload, true);
  const [shared, own] = takeover.output.log.map((h) => Buffer.from(h, 'hex'));
  const body = (f: Buffer) => f.subarray(f[1]! === 126 ? 4 : 2);
  assert.ok(peer.decompress(body(shared!), 1 << 20).equals(payload));
  assert.ok(peer.decompress(body(own!), 1 << 20).equals(payload));
  assert.ok(body(own!).length < body(shared!).length / 5, 'the second refers back to the shared one');
});

test.run();
