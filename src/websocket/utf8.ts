// Streaming UTF-8 validation for WebSocket text messages (RFC 6455 §8.1).
//
// A text message may arrive in many fragments, and a multi-byte character
// may be split between two of them, so the validator keeps its state between
// `write` calls. It follows the idea of Björn Höhrmann's decoder: a small
// deterministic finite automaton (DFA) that consumes one byte per step with a
// single table lookup. Our table is built below from the rules themselves
// (Unicode Standard Table 3-7, "Well-Formed UTF-8 Byte Sequences"), so you
// can read the rules instead of a wall of magic numbers:
//
//   Code points          1st byte  2nd byte  3rd byte  4th byte
//   U+0000..U+007F       00..7F
//   U+0080..U+07FF       C2..DF    80..BF
//   U+0800..U+0FFF       E0        A0..BF    80..BF            (E0 80..9F would be overlong)
//   U+1000..U+CFFF       E1..EC    80..BF    80..BF
//   U+D000..U+D7FF       ED        80..9F    80..BF            (ED A0..BF would be a surrogate)
//   U+E000..U+FFFF       EE..EF    80..BF    80..BF
//   U+10000..U+3FFFF     F0        90..BF    80..BF    80..BF  (F0 80..8F would be overlong)
//   U+40000..U+FFFFF     F1..F3    80..BF    80..BF    80..BF
//   U+100000..U+10FFFF   F4        80..8F    80..BF    80..BF  (F4 90.. would be > U+10FFFF)
//
// Everything else is rejected: C0 and C1 (always overlong), F5..FF (too
// large), a continuation byte 80..BF where a character should start, or a
// character interrupted by a byte that is not a continuation.

import { isUtf8 } from 'node:buffer';

// DFA states. Each is pre-multiplied by 256 so that the next state is
// simply TRANSITIONS[state + byte].
const ACCEPT = 0 * 256; // between characters: the only state a complete text may end in
const REJECT = 1 * 256; // saw an invalid byte; sticky
const NEED_1 = 2 * 256; // expect 1 more continuation byte 80..BF
const NEED_2 = 3 * 256; // expect 2 more continuation bytes
const NEED_3 = 4 * 256; // expect 3 more continuation bytes
const AFTER_E0 = 5 * 256; // next byte must be A0..BF (else overlong), then 1 more
const AFTER_ED = 6 * 256; // next byte must be 80..9F (else surrogate), then 1 more
const AFTER_F0 = 7 * 256; // next byte must be 90..BF (else overlong), then 2 more
const AFTER_F4 = 8 * 256; // next byte must be 80..8F (else > U+10FFFF), then 2 more
const STATE_COUNT = 9;

const TRANSITIONS = buildTransitions();

function buildTransitions(): Uint16Array {
  const table = new Uint16Array(STATE_COUNT * 256).fill(REJECT);
  const on = (state: number, first: number, last: number, next: number): void => {
    table.fill(next, state + first, state + last + 1);
  };
  // Start of a character.
  on(ACCEPT, 0x00, 0x7f, ACCEPT);
  on(ACCEPT, 0xc2, 0xdf, NEED_1);
  on(ACCEPT, 0xe0, 0xe0, AFTER_E0);
  on(ACCEPT, 0xe1, 0xec, NEED_2);
  on(ACCEPT, 0xed, 0xed, AFTER_ED);
  on(ACCEPT, 0xee, 0xef, NEED_2);
  on(ACCEPT, 0xf0, 0xf0, AFTER_F0);
  on(ACCEPT, 0xf1, 0xf3, NEED_3);
  on(ACCEPT, 0xf4, 0xf4, AFTER_F4);
  // Continuation bytes.
  on(NEED_1, 0x80, 0xbf, ACCEPT);
  on(NEED_2, 0x80, 0xbf, NEED_1);
  on(NEED_3, 0x80, 0xbf, NEED_2);
  on(AFTER_E0, 0xa0, 0xbf, NEED_1);
  on(AFTER_ED, 0x80, 0x9f, NEED_1);
  on(AFTER_F0, 0x90, 0xbf, NEED_2);
  on(AFTER_F4, 0x80, 0x8f, NEED_2);
  // REJECT has no way out: every entry of its row stays REJECT.
  return table;
}

// Node's native `isUtf8` (SIMD) costs ~30 ns per call and then ~0.01 ns per
// byte; the DFA below costs ~1 ns per byte. So short inputs go through the DFA,
// longer ones through `isUtf8` (measured on Node 20, x64). A streamed piece
// needs a `subarray` view first (~50 ns more), hence its higher threshold.
const NATIVE_THRESHOLD_WHOLE = 32;
const NATIVE_THRESHOLD_PIECE = 128;

/** Runs the DFA over buf[start, end) from `state`; returns the final state. */
function run(state: number, buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    if (state === ACCEPT) {
      // Fast path: ASCII bytes leave ACCEPT unchanged, skip them without the table.
      while (i < end && buf[i] < 0x80) i++;
      if (i === end) break;
    }
    state = TRANSITIONS[state + buf[i++]];
    if (state === REJECT) break;
  }
  return state;
}

/**
 * Index where the last character of buf[start, end) begins (it may be
 * incomplete). Continuation bytes look like 10xxxxxx; a character is at most
 * 4 bytes, so we look back at most 4 bytes. If all of them are continuation
 * bytes, the text is invalid anyway and `end` is returned.
 */
function lastCharacterStart(buf: Uint8Array, start: number, end: number): number {
  const stop = Math.max(start, end - 4);
  for (let i = end - 1; i >= stop; i--) {
    if ((buf[i] & 0xc0) !== 0x80) return i;
  }
  return end;
}

/**
 * Validates UTF-8 that arrives in pieces. `write` returns false as soon as
 * an invalid byte is seen (the validator then stays invalid until `reset`);
 * `end` returns false when the text stops in the middle of a character.
 */
export class Utf8Validator {
  private state = ACCEPT;

  reset(): void {
    this.state = ACCEPT;
  }

  write(buf: Uint8Array, start: number, end: number): boolean {
    let state = this.state;
    if (state === REJECT) return false;
    if (state === ACCEPT && end - start >= NATIVE_THRESHOLD_PIECE) {
      // Large piece at a character boundary: let Node's native validator
      // check everything up to the start of the last character, which
      // might continue in the next piece; the DFA handles that tail.
      const cut = lastCharacterStart(buf, start, end);
      if (!isUtf8(buf.subarray(start, cut))) {
        this.state = REJECT;
        return false;
      }
      start = cut;
    }
    state = run(state, buf, start, end);
    this.state = state;
    return state !== REJECT;
  }

  end(): boolean {
    return this.state === ACCEPT;
  }
}

/** Is the whole buffer valid UTF-8? */
export function isValidUtf8(buf: Uint8Array): boolean {
  if (buf.length >= NATIVE_THRESHOLD_WHOLE) return isUtf8(buf);
  return run(ACCEPT, buf, 0, buf.length) === ACCEPT;
}

/** The pure-JavaScript DFA on a whole buffer; exported so tests can compare it with `isUtf8`. */
export function isValidUtf8Dfa(buf: Uint8Array): boolean {
  return run(ACCEPT, buf, 0, buf.length) === ACCEPT;
}
