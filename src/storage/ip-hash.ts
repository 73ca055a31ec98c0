// Client addresses are personal data: history keeps only a keyed hash of them. The key is a
// random secret of the data directory, so the same address hashes the same within one
// deployment (abuse can still be traced) but cannot be recovered by hashing all 2³² IPv4s.
import { createHmac, randomBytes } from 'node:crypto';

export const IP_HASH_SECRET_BYTES = 32;

export function newIpHashSecret(): Buffer {
  return randomBytes(IP_HASH_SECRET_BYTES);
}

/** HMAC-SHA256(secret, address): 32 bytes. */
export function hashIp(secret: Uint8Array, ip: string): Buffer {
  return createHmac('sha256', secret).update(ip, 'utf8').digest();
}
