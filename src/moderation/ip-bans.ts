// Which bans cover a client IP, in the shape the rest of the server names clients by: ipKey
// (src/net/client-ip.ts), an IPv4 address or an IPv6 /64 ("2001:db8:1:2::/64"). A host holds a
// whole /64 and can rotate inside it, so an IPv6 ban always covers at least the client's /64:
// a ban of one IPv6 address, or of a range narrower than ipv6PrefixLength, bans that network.
//
// Ranges are matched as numbers (four 32-bit words, IPv4 in the last one), not through
// node:net's BlockList, which costs about a microsecond per check: the placement path checks
// every banned range on every write of a writer who is not banned.
import { isIP } from 'node:net';
import { ipKey } from '../net/client-ip.js';

/** An address or network as four 32-bit words and its family; IPv4 uses word 3 only. */
export interface IpWords {
  v6: boolean;
  words: Uint32Array;
}

export interface IpRange {
  v6: boolean;
  network: Uint32Array;
  mask: Uint32Array;
}

export interface IpTarget {
  /** The ipKey a single address or /64 bans (exact match), or null for a wider range. */
  key: string | null;
  range: IpRange | null;
  /** The target as it will be stored and shown, normalised ("10.0.0.0/8", "2001:db8::/48"). */
  text: string;
}

/** Parses "1.2.3.4", "1.2.3.0/24", "2001:db8::1" or "2001:db8::/48"; null when it is none of these. */
export function parseIpTarget(target: string, ipv6PrefixLength: number): IpTarget | null {
  const slash = target.indexOf('/');
  const address = (slash === -1 ? target : target.slice(0, slash)).trim();
  const family = isIP(address);
  if (family === 0) return null;
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (slash !== -1) {
    const digits = target.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(digits)) return null;
    prefix = Number(digits);
    if (prefix > bits) return null;
  }
  if (family === 6) prefix = Math.min(prefix, ipv6PrefixLength);
  if (prefix === bits || (family === 6 && prefix === ipv6PrefixLength)) {
    const key = family === 4 ? address : ipKey(address, ipv6PrefixLength);
    return { key, range: null, text: key };
  }
  const parsed = parseIpWords(family === 4 ? address : ipKey(address, 128).split('/')[0]!)!;
  const mask = new Uint32Array(4);
  const offset = family === 4 ? 96 : 0; // IPv4 lives in word 3
  for (let bit = 0; bit < prefix; bit++) mask[(offset + bit) >>> 5]! |= 0x80000000 >>> ((offset + bit) & 31);
  const network = parsed.words.map((word, i) => (word & mask[i]!) >>> 0);
  const range: IpRange = { v6: parsed.v6, network, mask };
  const text = family === 4 ? `${[24, 16, 8, 0].map((s) => (network[3]! >>> s) & 255).join('.')}/${prefix}` : `${ipKey(address, prefix).split('/')[0]}/${prefix}`;
  return { key: null, range, text };
}

/** True when the address or network `ip` (parsed from an ipKey) is inside `range`. */
export function rangeCovers(range: IpRange, ip: IpWords): boolean {
  if (range.v6 !== ip.v6) return false;
  const { network, mask } = range;
  const words = ip.words;
  return ((words[0]! & mask[0]!) >>> 0) === network[0] && ((words[1]! & mask[1]!) >>> 0) === network[1] &&
    ((words[2]! & mask[2]!) >>> 0) === network[2] && ((words[3]! & mask[3]!) >>> 0) === network[3];
}

/** An ipKey ("1.2.3.4", "2001:db8::/64") or address as words; null when it is neither. */
export function parseIpWords(key: string): IpWords | null {
  const slash = key.indexOf('/');
  const address = slash === -1 ? key : key.slice(0, slash);
  const family = isIP(address);
  if (family === 4) {
    const octets = address.split('.');
    const words = new Uint32Array(4);
    words[3] = ((Number(octets[0]) << 24) | (Number(octets[1]) << 16) | (Number(octets[2]) << 8) | Number(octets[3])) >>> 0;
    return { v6: false, words };
  }
  if (family !== 6) return null;
  // ipKey(…, 128) writes the address in full RFC 5952 form; expand "::" and read the groups.
  const [head, tail] = address.includes('::') ? address.split('::') as [string, string] : [address, null];
  const left = head === '' ? [] : head.split(':');
  const right = tail === null || tail === '' ? [] : tail.split(':');
  if (right.some((g) => g.includes('.')) || left.some((g) => g.includes('.'))) {
    return parseIpWords(ipKey(address, 128).split('/')[0]!); // a dotted tail: let ipKey spell it in hex
  }
  const groups = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right].map((g) => parseInt(g, 16));
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  return { v6: true, words };
}
