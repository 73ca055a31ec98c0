// FrameDissector byte by byte, on the examples of RFC 6455 §5.7 and
// RFC 7692 §7.2.3, split at every byte; and describeMessage on Tessera messages.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deflateRawSync } from 'node:zlib';
import { describeMessage } from '../src/protocol/describe.js';
import { encodeAck, encodeDiff, encodeDiffSectionValues, encodePlace } from '../src/protocol/messages.js';
import type { DeflateAgreement } from '../src/websocket/deflate-negotiation.js';
import { bitString, FrameDissector, type DissectedFrame, type DissectorOptions } from '../src/websocket/frame-dissector.js';
import { encodeFrame } from '../src/websocket/frame-encoder.js';

const bytes = (hex: string) => Uint8Array.from(hex.split(' ').map((b) => parseInt(b, 16)));
const text = (data: Uint8Array | null) => Buffer.from(data!).toString();
const TAKEOVER: DeflateAgreement = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };

function options(overrides: Partial<DissectorOptions> = {}): DissectorOptions {
  return { fromClient: false, deflate: null, shownBytes: 256, maxMessageBytes: 65536, ...overrides };
}

/** The frames of `stream`, pushed whole and then split at every byte: both must agree. */
function dissect(stream: Uint8Array, settings: DissectorOptions): DissectedFrame[] {
  const whole = new FrameDissector(settings).push(stream);
  for (let cut = 1; cut < stream.length; cut++) {
    const dissector = new FrameDissector(settings);
    const split = [...dissector.push(stream.slice(0, cut)), ...dissector.push(stream.slice(cut))];
    assert.equal(split, whole, `split at byte ${cut}`);
  }
  return whole;
}

const fieldOf = (frame: DissectedFrame, name: string) => frame.fields.find((f) => f.name === name)!;

test('RFC 6455 §5.7: an unmasked text frame "Hello", field by field', () => {
  const [frame, ...rest] = dissect(bytes('81 05 48 65 6c 6c 6f'), options());
  assert.is(rest.length, 0);
  assert.is(frame!.opcodeName, 'text');
  assert.ok(frame!.fin);
  assert.not.ok(frame!.masked);
  assert.is(frame!.lengthBits, 7);
  assert.is(frame!.payloadLength, 5);
  assert.equal(fieldOf(frame!, 'FIN'), { name: 'FIN', start: 0, end: 1, bits: '1... ....', value: '1', meaning: 'final frame of its message' });
  assert.equal(fieldOf(frame!, 'opcode').bits, '.... 0001');
  assert.equal(fieldOf(frame!, 'payload length').bits, '.000 0101');
  assert.equal({ start: fieldOf(frame!, 'payload').start, end: fieldOf(frame!, 'payload').end }, { start: 2, end: 7 });
  assert.is(text(frame!.message!.data), 'Hello');
});

test('RFC 6455 §5.7: a masked text frame "Hello": the key, the masked and the unmasked bytes', () => {
  const [frame] = dissect(bytes('81 85 37 fa 21 3d 7f 9f 4d 51 58'), options({ fromClient: true }));
  assert.ok(frame!.masked);
  assert.equal(frame!.maskKey, bytes('37 fa 21 3d'));
  assert.equal(frame!.payload, bytes('7f 9f 4d 51 58'));
  assert.equal(frame!.unmasked, bytes('48 65 6c 6c 6f'));
  assert.equal({ start: fieldOf(frame!, 'masking key').start, end: fieldOf(frame!, 'masking key').end }, { start: 2, end: 6 });
  assert.is(text(frame!.message!.data), 'Hello');
  assert.is(frame!.problem, undefined);
});

test('RFC 6455 §5.7: a fragmented message, a ping between its fragments, the pong', () => {
  const stream = bytes('01 03 48 65 6c 89 05 48 65 6c 6c 6f 80 02 6c 6f');
  const frames = dissect(stream, options());
  assert.equal(frames.map((f) => [f.opcodeName, f.fin, f.streamOffset]), [['text', false, 0], ['ping', true, 5], ['continuation', true, 12]]);
  assert.is(frames[0]!.message, undefined, 'the message ends with its last fragment');
  assert.is(text(frames[2]!.message!.data), 'Hello');
  assert.is(frames[2]!.message!.wireLength, 5);
  const [pong] = dissect(bytes('8a 85 37 fa 21 3d 7f 9f 4d 51 58'), options({ fromClient: true }));
  assert.is(pong!.opcodeName, 'pong');
  assert.equal(pong!.unmasked, bytes('48 65 6c 6c 6f'));
});

test('RFC 6455 §5.7: the 16-bit and 64-bit length forms; a long payload is shown cut, with its length', () => {
  const [short] = dissect(Buffer.concat([bytes('82 7e 01 00'), Buffer.alloc(256, 7)]), options());
  assert.is(short!.lengthBits, 16);
  assert.is(short!.payloadLength, 256);
  assert.equal({ start: fieldOf(short!, 'extended payload length (16-bit)').start, end: fieldOf(short!, 'extended payload length (16-bit)').end }, { start: 2, end: 4 });
  const big = new FrameDissector(options({ shownBytes: 16, maxMessageBytes: 1024 }));
  const frames = big.push(Buffer.concat([bytes('82 7f 00 00 00 00 00 01 00 00'), Buffer.alloc(65536, 1)]));
  assert.is(frames[0]!.lengthBits, 64);
  assert.is(frames[0]!.payloadLength, 65536);
  assert.is(frames[0]!.payload.length, 16);
  assert.is(frames[0]!.message!.data, null);
  assert.match(frames[0]!.message!.problem!, /longer than the 1024 bytes/);
});

test('a Close frame: its code and reason', () => {
  const [close] = dissect(encodeFrame(0x8, Buffer.concat([bytes('03 e9'), Buffer.from('going away')])), options());
  assert.equal(close!.close, { code: 1001, reason: 'going away' });
  const [empty] = dissect(bytes('88 00'), options());
  assert.equal(empty!.close, { code: null, reason: '' });
});

test('RFC 7692 §7.2.3: "Hello" compressed, with and without context takeover, and as a stored block', () => {
  const deflate = (agreement: DeflateAgreement) => options({ deflate: agreement });
  const noTakeover = { ...TAKEOVER, serverNoContextTakeover: true };
  const [one] = dissect(bytes('c1 07 f2 48 cd c9 c9 07 00'), deflate(noTakeover));
  assert.ok(one!.rsv1);
  assert.equal(fieldOf(one!, 'RSV1').meaning, 'compressed message (permessage-deflate, RFC 7692 §6)');
  assert.equal([one!.message!.compressed, one!.message!.wireLength, one!.message!.length, text(one!.message!.data)], [true, 7, 5, 'Hello']);
  // §7.2.3.2: the second "Hello" refers back to the first.
  const twice = dissect(bytes('c1 07 f2 48 cd c9 c9 07 00 c1 05 f2 00 11 00 00'), deflate(TAKEOVER));
  assert.equal(twice.map((f) => text(f.message!.data)), ['Hello', 'Hello']);
  // §7.2.3.3: a stored (uncompressed) DEFLATE block.
  const [stored] = dissect(bytes('c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00'), deflate(noTakeover));
  assert.is(text(stored!.message!.data), 'Hello');
  // §7.2.3.1's fragmented form: RSV1 on the first frame only.
  const fragments = dissect(bytes('41 03 f2 48 cd 80 04 c9 c9 07 00'), deflate(noTakeover));
  assert.equal(fragments.map((f) => f.rsv1), [true, false]);
  assert.is(text(fragments[1]!.message!.data), 'Hello');
});

test('hostile: a compressed message that would inflate past the limit stops at the limit; broken DEFLATE is said so', () => {
  const bomb = deflateRawSync(Buffer.alloc(10 * 1024 * 1024), { finishFlush: 2 }); // Z_SYNC_FLUSH
  const payload = bomb.subarray(0, bomb.length - 4);
  const settings = options({ deflate: TAKEOVER, maxMessageBytes: 65536 });
  const [frame] = new FrameDissector(settings).push(encodeFrame(0x2, payload, { compressed: true }));
  assert.ok(payload.length < 65536, `the bomb is ${payload.length} bytes on the wire`);
  assert.is(frame!.message!.data, null);
  assert.match(frame!.message!.problem!, /could not inflate.*more than 65536 bytes/);
  const [broken] = new FrameDissector(options({ deflate: { ...TAKEOVER, serverNoContextTakeover: true } })).push(bytes('c2 03 ff ff ff'));
  assert.match(broken!.message!.problem!, /could not inflate: compressed message is not valid DEFLATE data/);
});

test('hostile: what the server would refuse is named, and the dissector stops there', () => {
  const stop = (hex: string, settings = options(), problem: RegExp) => {
    const dissector = new FrameDissector(settings);
    const frames = dissector.push(bytes(hex));
    assert.ok(frames.slice(0, -1).every((f) => f.problem === undefined), hex);
    assert.match(frames.at(-1)!.problem!, problem);
    assert.equal(dissector.push(bytes('81 05 48 65 6c 6c 6f')), [], 'nothing after it');
  };
  stop('83 00', options(), /reserved opcode 0x3/);
  stop('c1 00', options(), /RSV1 set without permessage-deflate/);
  stop('a1 00', options(), /RSV2\/RSV3/);
  stop('81 05 48 65 6c 6c 6f', options({ fromClient: true }), /client frames must be masked/);
  stop('89 7e 00 80', options(), /control frames carry at most 125 bytes/);
  stop('09 00', options(), /control frames/);
  stop('82 7f 80 00 00 00 00 00 00 00', options(), /above 2\^53/);
  stop('81 00 80 00', options(), /continuation frame without a message/);
});

test('attached in the middle of a fragmented message: its end is shown, not decoded', () => {
  const frames = dissect(bytes('80 02 6c 6f 81 02 68 69'), options());
  assert.match(frames[0]!.message!.problem!, /began before the inspector attached/);
  assert.is(text(frames[1]!.message!.data), 'hi');
});

test('bitString shows the bits under the mask', () => {
  assert.is(bitString(0x80, 0x81), '1... ....');
  assert.is(bitString(0x0f, 0x82), '.... 0010');
  assert.is(bitString(0x7f, 0xfe), '.111 1110');
});

test('describeMessage: PLACE and ACK field by field, with their byte ranges', () => {
  const place = describeMessage(encodePlace(77, 1, 5, 7, 3), true);
  assert.is(place.name, 'PLACE');
  assert.equal(place.fields.map((f) => [f.name, f.start, f.end, f.value]), [
    ['type', 0, 1, '0x12 PLACE'], ['requestId', 1, 5, '77'], ['board', 5, 6, '1'], ['x', 6, 8, '5'], ['y', 8, 10, '7'], ['color', 10, 11, '3'],
  ]);
  const ack = describeMessage(encodeAck(77, 1, 3), false);
  assert.equal(ack.fields.map((f) => [f.name, f.value]), [['type', '0x04 ACK'], ['requestId', '77'], ['count', '1'], ['color', '3']]);
});

test('describeMessage: a DIFF section by section, long lists summed up; faults are reported', () => {
  const offsets = Uint16Array.from({ length: 20 }, (_, i) => i);
  const section = encodeDiffSectionValues({ board: 0, cx: 1, cy: 2, fromVersion: 3, toVersion: 4, offsets, colors: new Uint8Array(20).fill(9) });
  const diff = describeMessage(encodeDiff([section]), false);
  assert.is(diff.name, 'DIFF');
  assert.equal(diff.fields[1], { name: 'section 0: board, cx, cy', start: 1, end: 6, value: '0, 1, 2' });
  assert.equal(diff.fields.at(-1), { name: '4 more', start: 16 + 16 * 3, end: 16 + 20 * 3, value: '12 bytes' });
  assert.match(describeMessage(bytes('12 00'), true).fault!, /PLACE/);
  assert.is(describeMessage(bytes('7f'), false).name, '?');
});

test.run();
