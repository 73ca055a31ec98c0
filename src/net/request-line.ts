// The request line (RFC 9112 §3):
//
//   request-line = method SP request-target SP HTTP-version CRLF
//
// with single spaces only, and a target in one of the forms a server must
// accept. A pure function over the head's latin1 text.
import { isDigit, isToken } from './header-fields.js';

export interface RequestLine {
  method: string; // token as sent, e.g. "GET"
  target: string; // request-target as sent, e.g. "/a/b?x=1"
  versionMinor: 0 | 1; // HTTP/1.0 or HTTP/1.1
}

/** Parses text[0, lineEnd); a problem comes back as the status and message to answer with. */
export function parseRequestLine(text: string, lineEnd: number): RequestLine | { status: number; message: string } {
  const space1 = text.indexOf(' ');
  const space2 = space1 < 0 ? -1 : text.indexOf(' ', space1 + 1);
  if (space1 < 0 || space2 < 0 || space2 > lineEnd) return { status: 400, message: 'malformed request line' };

  if (!isToken(text, 0, space1)) return { status: 400, message: 'invalid method' };
  const method = text.slice(0, space1);

  const target = text.slice(space1 + 1, space2);
  const targetProblem = checkTarget(method, target);
  if (targetProblem !== null) return { status: 400, message: targetProblem };

  const versionMinor = parseVersion(text, space2 + 1, lineEnd);
  if (versionMinor === 'malformed') return { status: 400, message: 'malformed HTTP version' };
  if (versionMinor === 'unsupported') return { status: 505, message: 'HTTP version not supported' };
  return { method, target, versionMinor };
}

/** Returns why the request-target is invalid, or null (RFC 9112 §3.2). */
function checkTarget(method: string, target: string): string | null {
  if (target.length === 0) return 'empty request target';
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return 'invalid character in request target';
  }
  if (target.charCodeAt(0) === 0x2f /* / */) return null; // origin-form: /path?query
  if (target === '*') return method === 'OPTIONS' ? null : '"*" target is only valid with OPTIONS';
  // absolute-form, as sent to proxies (and which servers must accept): http://host/path
  const lower = target.slice(0, 8).toLowerCase();
  if ((lower.startsWith('http://') && target.length > 7) || (lower === 'https://' && target.length > 8)) return null;
  return 'unsupported request target form';
}

/** HTTP-version = "HTTP/" DIGIT "." DIGIT; returns the minor version of 1.x we speak. */
function parseVersion(text: string, start: number, end: number): 0 | 1 | 'unsupported' | 'malformed' {
  if (
    end - start !== 8 ||
    !text.startsWith('HTTP/', start) ||
    !isDigit(text.charCodeAt(start + 5)) ||
    text.charCodeAt(start + 6) !== 0x2e /* . */ ||
    !isDigit(text.charCodeAt(start + 7))
  ) {
    return 'malformed';
  }
  if (text.charCodeAt(start + 5) !== 0x31 /* 1 */) return 'unsupported';
  const minor = text.charCodeAt(start + 7) - 0x30;
  return minor === 0 || minor === 1 ? minor : 'unsupported';
}
