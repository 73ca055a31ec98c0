// Comma-separated header lists (RFC 9110 §5.6.1): `Connection: keep-alive,
// Upgrade`, `Transfer-Encoding`, `Sec-WebSocket-Protocol`, `If-None-Match`,
// `Accept-Encoding`, and repeated fields joined with ", ". The one splitter
// every header with a list uses: linear, no regular expressions, and only
// OWS (space, tab) around an element is trimmed.
import { isOws } from './header-fields.js';

/** Every element, trimmed, empty ones included ("a, ,b" → ["a", "", "b"]). */
export function splitList(value: string): string[] {
  const elements: string[] = [];
  let start = 0;
  for (;;) {
    const comma = value.indexOf(',', start);
    const end = comma === -1 ? value.length : comma;
    elements.push(trimOws(value, start, end));
    if (comma === -1) return elements;
    start = comma + 1;
  }
}

/** The non-empty elements: a recipient ignores empty ones (§5.6.1.2). Case is kept. */
export function listItems(value: string): string[] {
  const items = splitList(value);
  return items.includes('') ? items.filter((item) => item !== '') : items;
}

/** Whether the list holds `token` (lower-case), compared case-insensitively: `Connection: Upgrade`. */
export function listHasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const item of splitList(value)) {
    if (item.length === token.length && item.toLowerCase() === token) return true;
  }
  return false;
}

/** text[start, end) without the OWS around it. */
export function trimOws(text: string, start = 0, end = text.length): string {
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}
