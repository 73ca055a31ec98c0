// Which bans cover a client IP, in the shape the rest of the server names clients by: ipKey
// (src/net/client-ip.ts), an IPv4 address or an IPv6 /64 ("2001:db8:1:2::/64"). A host holds a
// whole /64 and can rotate inside it, so an IPv6 ban always covers at least the client's /64:
// a ban of one IPv6 address, or of a range narrower than ipv6PrefixLength, bans that network.
import { BlockList, isIP } from 'node:net';
import { ipKey } from '../net/client-ip.js';

export interface IpTarget {
  /** The ipKey a single address or /64 bans (exact match), or null for a wider range. */
  key: string | null;
  /** A wider range, as a BlockList of one subnet. */
  range: BlockList | null;
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
  const range = new BlockList();
  const type = family === 4 ? 'ipv4' : 'ipv6';
  range.addSubnet(address, prefix, type);
  const network = family === 4 ? maskV4(address, prefix) : ipKey(address, prefix).split('/')[0]!;
  return { key: null, range, text: `${network}/${prefix}` };
}

/** True when the client named by `key` (an ipKey) is inside `range`. */
export function rangeCovers(range: BlockList, key: string): boolean {
  const slash = key.indexOf('/');
  const address = slash === -1 ? key : key.slice(0, slash);
  const family = isIP(address);
  if (family === 0) return false;
  return range.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function maskV4(address: string, prefix: number): string {
  const n = address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  const masked = prefix === 0 ? 0 : (n - (n % 2 ** (32 - prefix)));
  return [24, 16, 8, 0].map((shift) => Math.floor(masked / 2 ** shift) % 256).join('.');
}
