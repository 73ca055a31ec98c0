// The Cookie request header (RFC 6265 §4.2) and Set-Cookie values (§4.1).
// Parsing is a hand-written split, so a hostile header costs linear time.

// A browser sends at most a few dozen cookies for one host; past this we stop reading.
const MAX_COOKIES = 50;

/**
 * "name=value; name2=value2" → Map. Tolerates spaces around names, values and
 * separators; ignores pairs without "=", with an empty or non-token name, or
 * with control characters in the value; the first occurrence of a name wins
 * (the browser sends the most specific path first). Surrounding double quotes
 * are removed from values; nothing is decoded.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined) return cookies;
  let start = 0;
  // The next "=" at or after `start`, reused across segments without one so
  // that "a;a;a;…" does not rescan the header for each segment.
  let equals = -1;
  while (start < header.length && cookies.size < MAX_COOKIES) {
    if (equals < start) {
      equals = header.indexOf('=', start);
      if (equals === -1) break; // no pair anywhere after this
    }
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    if (equals < end) {
      const name = trimSpaces(header.slice(start, equals));
      const value = unquote(trimSpaces(header.slice(equals + 1, end)));
      if (isToken(name) && !hasControlCharacter(value) && !cookies.has(name)) cookies.set(name, value);
    }
    start = end + 1;
  }
  return cookies;
}

export interface CookieOptions {
  httpOnly?: boolean;
  sameSite?: 'Lax' | 'Strict' | 'None';
  path?: string;
  maxAgeSeconds?: number;
  secure?: boolean;
}

/** A Set-Cookie header value. Throws on a name, value or path that would break the header. */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!isToken(name)) throw new TypeError(`invalid cookie name ${JSON.stringify(name)}`);
  if (!isCookieValue(value)) throw new TypeError(`invalid cookie value ${JSON.stringify(value)}`);
  let cookie = `${name}=${value}`;
  if (options.path !== undefined) {
    // §4.1.1 path-value: any CHAR except CTLs or ";".
    if (options.path.includes(';') || hasControlCharacter(options.path)) throw new TypeError(`invalid cookie path ${JSON.stringify(options.path)}`);
    cookie += `; Path=${options.path}`;
  }
  if (options.maxAgeSeconds !== undefined) {
    if (!Number.isInteger(options.maxAgeSeconds)) throw new TypeError(`cookie Max-Age must be a whole number, got ${options.maxAgeSeconds}`);
    cookie += `; Max-Age=${options.maxAgeSeconds}`;
  }
  if (options.httpOnly) cookie += '; HttpOnly';
  if (options.secure) cookie += '; Secure';
  if (options.sameSite !== undefined) {
    // Browsers reject SameSite=None without Secure; failing here is clearer than a cookie that silently never arrives.
    if (options.sameSite === 'None' && !options.secure) throw new TypeError('SameSite=None requires secure: true');
    cookie += `; SameSite=${options.sameSite}`;
  }
  return cookie;
}

function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

function unquote(value: string): string {
  return value.length >= 2 && value.charCodeAt(0) === 0x22 && value.charCodeAt(value.length - 1) === 0x22 ? value.slice(1, -1) : value;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

// RFC 9110 §5.6.2 tchar: the characters a cookie name may use.
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;

function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || TCHAR[code] === 0) return false;
  }
  return true;
}

// RFC 6265 §4.1.1 cookie-octet: visible ASCII except DQUOTE, comma, semicolon and backslash.
function isCookieValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x21 || code > 0x7e || code === 0x22 || code === 0x2c || code === 0x3b || code === 0x5c) return false;
  }
  return true;
}
