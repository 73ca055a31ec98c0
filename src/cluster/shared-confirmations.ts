// Confirmation tokens every cluster member knows (src/app/moderation/confirmations.ts): a token
// issued by one member is redeemed on any other, once. Each is a key holding what it confirms,
// expiring with the token (Redis's clock); redeeming compares and deletes in one script, so two
// members cannot both spend it.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** KEYS: the token's key; ARGV: what it must confirm. 1 (spent now) or 0. */
const REDEEM = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;

export class SharedConfirmations {
  constructor(private readonly redis: Redis) {
    redis.defineCommand('tesseraRedeem', { numberOfKeys: 1, lua: REDEEM });
  }

  /** Rejects when Redis does not answer. */
  async issue(what: string, ttlMs: number): Promise<string> {
    const token = randomBytes(16).toString('base64url');
    await this.redis.set(`confirm:${token}`, what, 'PX', Math.max(1, Math.ceil(ttlMs)));
    return token;
  }

  /** Rejects when Redis does not answer. */
  async redeem(token: string, what: string): Promise<boolean> {
    const spent = await (this.redis as unknown as { tesseraRedeem(key: string, what: string): Promise<number> }).tesseraRedeem(`confirm:${token}`, what);
    return Number(spent) === 1;
  }
}
