// Which address a request comes from, for per-IP rate limits. Behind a
// reverse proxy the socket address is the proxy's, and the client's is in
// X-Forwarded-For; but any client can send that header, so it is believed
// only as far as it was written by proxies we trust.
import { BlockList, isIP } from 'node:net';

// trustedProxies usually comes from the config, one array for the process:
// compile it once. Entries are addresses ("10.0.0.1", "::1") or CIDR ranges
// ("10.0.0.0/8"), as the config allows; an invalid entry matches nothing.
const compiled = new WeakMap<readonly string[], BlockList>();

/**
 * The client's IP: the socket address, unless that address is a trusted proxy;
 * then X-Forwarded-For is walked from the right (the entry our proxy appended)
 * skipping trusted proxies, and the first untrusted address is the client
 * (RFC 7239 §8.1 logic). Entries left of it are the client's own claims and
 * are ignored. A malformed entry stops the walk at the last trusted hop.
 * IPv4-mapped IPv6 (::ffff:1.2.3.4) is normalised to 1.2.3.4 on both sides.
 * The array is compiled once per identity; do not mutate it after first use.
 */
export function clientIp(socketAddress: string, forwardedFor: string | undefined, trustedProxies: readonly string[]): string {
  const socketIp = normalizeIp(socketAddress);
  if (forwardedFor === undefined || trustedProxies.length === 0) return socketIp;
  const trusted = trustList(trustedProxies);
  if (!isTrusted(trusted, socketIp)) return socketIp;
  let hop = socketIp;
  // Walk right to left without splitting: the work stops at the first untrusted entry.
  let end = forwardedFor.length;
  for (;;) {
    const comma = end === 0 ? -1 : forwardedFor.lastIndexOf(',', end - 1);
    const entry = forwardedAddress(forwardedFor.slice(comma + 1, end));
    if (entry === null) return hop;
    if (!isTrusted(trusted, entry)) return entry;
    hop = entry;
    if (comma === -1) return hop; // every hop is a trusted proxy: the leftmost one is the best we know
    end = comma;
  }
}

/** True when `socketAddress` is one of the trusted proxies (so headers it writes are believed). */
export function isTrustedProxy(socketAddress: string, trustedProxies: readonly string[]): boolean {
  return trustedProxies.length > 0 && isTrusted(trustList(trustedProxies), normalizeIp(socketAddress));
}

function trustList(trustedProxies: readonly string[]): BlockList {
  let list = compiled.get(trustedProxies);
  if (list === undefined) {
    list = new BlockList();
    for (const entry of trustedProxies) addTrusted(list, entry.trim());
    compiled.set(trustedProxies, list);
  }
  return list;
}

function addTrusted(list: BlockList, entry: string): void {
  const slash = entry.indexOf('/');
  const address = normalizeIp(slash === -1 ? entry : entry.slice(0, slash));
  const family = isIP(address);
  if (family === 0) return;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (slash === -1) {
    list.addAddress(address, type);
    return;
  }
  const digits = entry.slice(slash + 1);
  let prefix = /^\d{1,3}$/.test(digits) ? Number(digits) : -1;
  // "::ffff:10.0.0.0/104" was normalised to 10.0.0.0, whose prefix counts 96 bits fewer.
  if (family === 4 && address !== entry.slice(0, slash)) prefix -= 96;
  if (prefix >= 0 && prefix <= (family === 4 ? 32 : 128)) list.addSubnet(address, prefix, type);
}

function isTrusted(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * One X-Forwarded-For entry as an address, or null if it is not one. Besides
 * bare addresses, some proxies write "1.2.3.4:5678", "[::1]" or "[::1]:5678".
 */
function forwardedAddress(raw: string): string | null {
  let text = raw.trim();
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1 || !(close === text.length - 1 || isPort(text, close + 1))) return null;
    text = text.slice(1, close);
    if (isIP(text) !== 6) return null;
  } else {
    const colon = text.indexOf(':');
    // A single colon after a dotted quad is a port; several colons are IPv6.
    if (colon !== -1 && text.indexOf(':', colon + 1) === -1) {
      if (!isPort(text, colon)) return null;
      text = text.slice(0, colon);
      if (isIP(text) !== 4) return null;
    } else if (isIP(text) === 0) {
      return null;
    }
  }
  return normalizeIp(text);
}

/** ":1234" (0–65535) at `colon`, up to the end of text. */
function isPort(text: string, colon: number): boolean {
  if (text.charCodeAt(colon) !== 0x3a || colon + 1 === text.length || text.length - colon > 6) return false;
  let port = 0;
  for (let i = colon + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    port = port * 10 + (c - 0x30);
  }
  return port <= 65535;
}

/** "::ffff:1.2.3.4" → "1.2.3.4"; IPv6 lower-cased; anything else as it is. */
function normalizeIp(address: string): string {
  if (address.length > 7 && address.slice(0, 7).toLowerCase() === '::ffff:') {
    const v4 = address.slice(7);
    if (isIP(v4) === 4) return v4;
  }
  return address.includes(':') ? address.toLowerCase() : address;
}

/**
 * The key per-IP limits count a client by: an IPv4 address as it is (IPv4-mapped IPv6
 * included), an IPv6 address by its network prefix, "2001:db8:1:2::/64" for
 * ipv6PrefixLength 64, since a host is usually given a whole /64 and can rotate
 * through it. IPv6 keys are written as RFC 5952 says, so equal prefixes are equal strings.
 */
export function ipKey(address: string, ipv6PrefixLength: number): string {
  const ip = normalizeIp(address);
  const zone = ip.indexOf('%');
  const words = ipv6Words(zone === -1 ? ip : ip.slice(0, zone));
  if (words === null) return ip; // IPv4, or not an address at all
  for (let i = 0; i < 8; i++) {
    const keep = Math.min(16, Math.max(0, ipv6PrefixLength - 16 * i)); // bits of word i inside the prefix
    words[i] = keep === 0 ? 0 : words[i]! & (0xffff << (16 - keep));
  }
  return `${formatIpv6(words)}/${ipv6PrefixLength}`;
}

/** The eight 16-bit words of an IPv6 address ("::" expanded, a dotted IPv4 tail included), or null. */
function ipv6Words(ip: string): number[] | null {
  if (isIP(ip) !== 6) return null;
  const double = ip.indexOf('::');
  const head = double === -1 ? ip : ip.slice(0, double);
  const tail = double === -1 ? '' : ip.slice(double + 2);
  const parse = (part: string): number[] => {
    const words: number[] = [];
    for (const group of part === '' ? [] : part.split(':')) {
      if (group.includes('.')) {
        const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
        words.push((a << 8) | b, (c << 8) | d);
      } else {
        words.push(parseInt(group, 16));
      }
    }
    return words;
  };
  const first = parse(head);
  const last = parse(tail);
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}

/** RFC 5952 §4: lower-case hex, no leading zeros, the longest run of two or more zero words as "::". */
function formatIpv6(words: number[]): string {
  let runStart = -1;
  let runLength = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > runLength && j - i >= 2) {
      runStart = i;
      runLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) => words.slice(from, to).map((w) => w.toString(16)).join(':');
  if (runStart === -1) return hex(0, 8);
  return `${hex(0, runStart)}::${hex(runStart + runLength, 8)}`;
}
