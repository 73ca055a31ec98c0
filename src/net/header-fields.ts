// The syntax of header field lines (RFC 9110 §5, RFC 9112 §5): tokens,
// optional whitespace, and one field line taken apart. Pure functions over
// the head's latin1 text (or raw bytes), with no regular expressions, so
// hostile input costs linear time.

export const SP = 0x20;
export const HTAB = 0x09;

// tchar (RFC 9110 §5.6.2): the characters allowed in a token (methods, field names).
const IS_TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") IS_TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) IS_TCHAR[c] = 1; // 0-9
for (let c = 0x41; c <= 0x5a; c++) IS_TCHAR[c] = 1; // A-Z
for (let c = 0x61; c <= 0x7a; c++) IS_TCHAR[c] = 1; // a-z

export interface FieldLine {
  name: string; // lower-cased
  value: string; // without the optional whitespace around it
}

/** Parses one field line text[start, end) (no CRLF); returns the problem as a string. */
export function parseFieldLine(text: string, start: number, end: number): FieldLine | string {
  // obs-fold (RFC 9112 §5.2): a line starting with whitespace used to continue the previous
  // value. It is obsolete and a server may reject it; accepting it invites parser confusion.
  if (isOws(text.charCodeAt(start))) return 'obsolete line folding is not allowed';
  const colon = text.indexOf(':', start);
  if (colon < 0 || colon >= end) return 'header line without a colon';
  if (colon === start) return 'empty header name';
  // RFC 9112 §5.1: no whitespace between name and colon (it was another smuggling vector).
  if (isOws(text.charCodeAt(colon - 1))) return 'whitespace before colon';
  if (!isToken(text, start, colon)) return 'invalid header name';

  // The optional whitespace around the value is not part of it.
  let valueStart = colon + 1;
  let valueEnd = end;
  while (valueStart < valueEnd && isOws(text.charCodeAt(valueStart))) valueStart++;
  while (valueEnd > valueStart && isOws(text.charCodeAt(valueEnd - 1))) valueEnd--;
  for (let i = valueStart; i < valueEnd; i++) {
    const c = text.charCodeAt(i);
    // Visible ASCII, SP, HTAB and obs-text (0x80-0xFF) are allowed; other controls are not.
    if ((c < 0x20 && c !== HTAB) || c === 0x7f) return 'control character in header value';
  }
  return { name: text.slice(start, colon).toLowerCase(), value: text.slice(valueStart, valueEnd) };
}

/** True if text[start, end) is a non-empty token. */
export function isToken(text: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || IS_TCHAR[c] === 0) return false;
  }
  return true;
}

/** OWS (RFC 9110 §5.6.3): space or horizontal tab. */
export function isOws(c: number): boolean {
  return c === SP || c === HTAB;
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
