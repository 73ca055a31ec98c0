import { isUtf8 } from 'node:buffer';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Utf8Validator, isValidUtf8, isValidUtf8Dfa } from '../src/websocket/utf8.js';
import { mulberry32 } from './support/random.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Runs the streaming validator over `buf`, cut at the given positions. */
function validateInPieces(buf: Uint8Array, cuts: number[]): boolean {
  const validator = new Utf8Validator();
  let start = 0;
  for (const cut of [...cuts, buf.length]) {
    if (!validator.write(buf, start, cut)) return false;
    start = cut;
  }
  return validator.end();
}

/** Checks every way of validating `buf` agrees on `expected`. */
function check(buf: Buffer, expected: boolean, label: string): void {
  assert.is(isValidUtf8(buf), expected, `isValidUtf8 ${label}`);
  assert.is(isValidUtf8Dfa(buf), expected, `DFA ${label}`);
  assert.is(isUtf8(buf), expected, `node isUtf8 ${label}`);
  assert.is(validateInPieces(buf, []), expected, `streaming ${label}`);
  for (let cut = 0; cut <= buf.length; cut++) {
    assert.is(validateInPieces(buf, [cut]), expected, `streaming cut at ${cut} ${label}`);
  }
  assert.is(validateInPieces(buf, [...Array(buf.length).keys()]), expected, `byte by byte ${label}`);
}

const VALID: Record<string, string> = {
  'empty': '',
  'ASCII incl. NUL and DEL': '00 41 7f',
  'Greek κόσμε': 'ce ba e1 bd b9 cf 83 ce bc ce b5',
  'U+0080 (first 2-byte)': 'c2 80',
  'U+07FF (last 2-byte)': 'df bf',
  'U+0800 (first 3-byte)': 'e0 a0 80',
  'U+D7FF (just below surrogates)': 'ed 9f bf',
  'U+E000 (just above surrogates)': 'ee 80 80',
  'U+FFFD replacement character': 'ef bf bd',
  'U+FFFE noncharacter (valid UTF-8)': 'ef bf be',
  'U+FFFF (last 3-byte)': 'ef bf bf',
  'U+10000 (first 4-byte)': 'f0 90 80 80',
  'U+10FFFF (last code point)': 'f4 8f bf bf',
  'emoji 😀 between ASCII': '61 f0 9f 98 80 62',
};

const INVALID: Record<string, string> = {
  'overlong "/" in 2 bytes': 'c0 af',
  'overlong "/" in 3 bytes': 'e0 80 af',
  'overlong "/" in 4 bytes': 'f0 80 80 af',
  'overlong NUL in 2 bytes': 'c0 80',
  'overlong NUL in 3 bytes': 'e0 80 80',
  'overlong NUL in 4 bytes': 'f0 80 80 80',
  'largest overlong 2-byte (U+007F)': 'c1 bf',
  'largest overlong 3-byte (U+07FF)': 'e0 9f bf',
  'largest overlong 4-byte (U+FFFF)': 'f0 8f bf bf',
  'high surrogate U+D800': 'ed a0 80',
  'low surrogate U+DFFF': 'ed bf bf',
  'surrogate U+DB7F': 'ed ad bf',
  'surrogate pair U+D800 U+DC00 (CESU-8)': 'ed a0 80 ed b0 80',
  'U+110000 (above U+10FFFF)': 'f4 90 80 80',
  '5-byte sequence': 'f8 88 80 80 80',
  '6-byte sequence': 'fc 84 80 80 80 80',
  'lone continuation 80': '80',
  'lone continuation BF': 'bf',
  'continuations after ASCII': '61 80 bf 80',
  'lead byte followed by ASCII': 'c2 41',
  '3-byte lead interrupted': 'e2 82 41',
  'truncated 2-byte at end': 'c2',
  'truncated 3-byte at end': '61 e2 82',
  'truncated 4-byte at end': 'f0 9f 98',
};
for (let byte = 0xf5; byte <= 0xff; byte++) {
  INVALID[`byte ${byte.toString(16)} never appears`] = `${byte.toString(16)} 80 80 80`;
}

test('valid sequences are accepted whole, streamed and cut anywhere', () => {
  for (const [label, bytes] of Object.entries(VALID)) check(hex(bytes), true, label);
});

test('invalid sequences are rejected whole, streamed and cut anywhere', () => {
  for (const [label, bytes] of Object.entries(INVALID)) check(hex(bytes), false, label);
});

test('write fails at the invalid byte; truncation only shows at end()', () => {
  const validator = new Utf8Validator();
  assert.ok(validator.write(hex('e2 82'), 0, 2), 'an incomplete character is fine mid-stream');
  assert.not.ok(validator.end(), 'but not at the end of the text');
  validator.reset();
  assert.ok(validator.write(hex('e2 82'), 0, 2));
  assert.ok(validator.write(hex('ac'), 0, 1), 'the € completes across writes');
  assert.ok(validator.end());
  validator.reset();
  assert.not.ok(validator.write(hex('61 62 ed a0 80 63'), 0, 6), 'surrogate rejected during write');
  assert.not.ok(validator.write(hex('61'), 0, 1), 'and the validator stays invalid');
  assert.not.ok(validator.end());
  validator.reset();
  assert.ok(validator.write(hex('61'), 0, 1), 'reset makes it usable again');
  assert.ok(validator.end());
});

test('write respects start and end within a larger buffer', () => {
  const buf = hex('ff 61 c3 a9 ff');
  const validator = new Utf8Validator();
  assert.ok(validator.write(buf, 1, 4));
  assert.ok(validator.end());
});

test('the DFA agrees with node:buffer isUtf8 on every 1- and 2-byte input', () => {
  const one = Buffer.alloc(1);
  const two = Buffer.alloc(2);
  for (let a = 0; a < 256; a++) {
    one[0] = a;
    assert.is(isValidUtf8Dfa(one), isUtf8(one), `byte ${a}`);
    two[0] = a;
    for (let b = 0; b < 256; b++) {
      two[1] = b;
      if (isValidUtf8Dfa(two) !== isUtf8(two)) assert.unreachable(`bytes ${a} ${b}`);
    }
  }
});

test('the DFA agrees with isUtf8 on every 3-byte input that starts with a lead byte', () => {
  const three = Buffer.alloc(3);
  for (let a = 0xc0; a < 256; a++) {
    three[0] = a;
    for (let b = 0; b < 256; b++) {
      three[1] = b;
      for (let c = 0; c < 256; c++) {
        three[2] = c;
        if (isValidUtf8Dfa(three) !== isUtf8(three)) assert.unreachable(three.toString('hex'));
      }
    }
  }
});


// Bytes near every boundary of the table, so random strings hit the edge cases.
const INTERESTING = [
  0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1,
  0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff,
];

test('random byte strings: DFA, isValidUtf8, streaming and isUtf8 agree', () => {
  const random = mulberry32(0x5eed);
  for (let n = 0; n < 30000; n++) {
    const length = 1 + Math.floor(random() * 12);
    const buf = Buffer.alloc(length);
    for (let i = 0; i < length; i++) {
      buf[i] = random() < 0.8 ? INTERESTING[Math.floor(random() * INTERESTING.length)] : Math.floor(random() * 256);
    }
    const expected = isUtf8(buf);
    if (isValidUtf8Dfa(buf) !== expected) assert.unreachable(`DFA on ${buf.toString('hex')}`);
    const cut = Math.floor(random() * (length + 1));
    if (validateInPieces(buf, [cut]) !== expected) assert.unreachable(`stream on ${buf.toString('hex')}`);
  }
});

test('long inputs (native path): errors anywhere and characters split at piece ends', () => {
  const random = mulberry32(42);
  const text = Buffer.from('abc é € 😀 '.repeat(100)); // 1500 bytes, multi-byte everywhere
  for (let n = 0; n < 500; n++) {
    const buf = Buffer.from(text);
    const corrupt = random() < 0.5;
    if (corrupt) buf[Math.floor(random() * buf.length)] = INTERESTING[Math.floor(random() * INTERESTING.length)];
    const expected = isUtf8(buf);
    const cuts = [Math.floor(random() * buf.length), Math.floor(random() * buf.length)].sort((a, b) => a - b);
    assert.is(isValidUtf8(buf), expected);
    assert.is(isValidUtf8Dfa(buf), expected);
    assert.is(validateInPieces(buf, cuts), expected, `cuts ${cuts} in ${buf.toString('hex')}`);
  }
  // A long valid piece ending in the middle of a character, completed by the next piece.
  const euro = Buffer.from('x'.repeat(300) + '€');
  const validator = new Utf8Validator();
  assert.ok(validator.write(euro, 0, euro.length - 1));
  assert.not.ok(validator.end());
  assert.ok(validator.write(euro, euro.length - 1, euro.length));
  assert.ok(validator.end());
  // Four continuation bytes in a row at the end of a long piece can never be valid.
  const tail = Buffer.concat([Buffer.from('y'.repeat(300)), hex('80 80 80 80')]);
  assert.not.ok(new Utf8Validator().write(tail, 0, tail.length));
});

test.run();
