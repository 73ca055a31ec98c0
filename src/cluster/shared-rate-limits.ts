// Rate limits shared by every cluster member: the board's buckets (config `policy.buckets`) kept
// in Redis and checked and taken in ONE Lua script, so a session or an IP gets no more by
// spreading its writes over members. All of a write's buckets pass or none is taken, as in one
// process (src/ratelimit/policy.ts); time is Redis's own clock, the same for every member. The
// members' in-memory buckets still run first and refuse early what could never pass here.
// takeAll() serves other shared buckets the same way (login attempts: src/app/moderation/auth-routes.ts).
import type { Redis } from 'ioredis';
import type { BucketSpec } from '../ratelimit/bucket-spec.js';

/**
 * KEYS: one hash per bucket ({t: tokens, at: ms}); ARGV: capacity, refill per second, cost, per key.
 * Returns 0 (taken), the ms to wait, or -1 (never: more than a bucket holds, or it never refills).
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local have = {}
local wait = 0
for i = 1, #KEYS do
  local cap, rate, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  if cost > cap then return -1 end
  local state = redis.call('HMGET', KEYS[i], 't', 'at')
  local tokens = cap
  if state[1] then tokens = math.min(cap, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * rate / 1000) end
  have[i] = tokens
  if tokens + 1e-9 < cost then
    if rate <= 0 then return -1 end
    local w = math.ceil((cost - tokens) * 1000 / rate)
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  local cap, rate, cost = tonumber(ARGV[3*i-2]), tonumber(ARGV[3*i-1]), tonumber(ARGV[3*i])
  local left = have[i] - cost
  redis.call('HSET', KEYS[i], 't', tostring(left), 'at', now)
  local full = 86400000
  if rate > 0 then full = math.ceil((cap - left) * 1000 / rate) end
  redis.call('PEXPIRE', KEYS[i], math.max(full, 1))
end
return 0
`;

/** One bucket of a take: its key (under the client's prefix), its rate, and what this take costs. */
export interface SharedBucket {
  key: string;
  capacity: number;
  refillPerSecond: number;
  cost: number;
}

export interface SharedSubject {
  session: string;
  ip: string;
  tile?: string;
}

export class SharedRateLimits {
  private readonly policies: Map<string, readonly BucketSpec[]>;

  constructor(private readonly redis: Redis, policies: ReadonlyMap<string, readonly BucketSpec[]>) {
    this.policies = new Map(policies);
    redis.defineCommand('tesseraTake', { lua: TAKE });
  }

  /** A board's buckets changed (its settings, on this member or another): checked from the next write. */
  setBuckets(boardId: string, buckets: readonly BucketSpec[]): void {
    this.policies.set(boardId, buckets);
  }

  /** 0 when the write's tokens were taken; else the ms to wait (Infinity: never). Rejects when Redis does not answer. */
  take(boardId: string, subject: SharedSubject, pixels: number): Promise<number> {
    const buckets: SharedBucket[] = [];
    (this.policies.get(boardId) ?? []).forEach((spec, i) => {
      const key = spec.key === 'session' ? subject.session : spec.key === 'ip' ? subject.ip : subject.tile;
      if (key === undefined) return;
      buckets.push({ key: `rate:${boardId}:${i}:${key}`, capacity: spec.capacity, refillPerSecond: spec.refillPerSecond, cost: spec.unit === 'pixel' ? pixels : 1 });
    });
    return this.takeAll(buckets);
  }

  /** Takes `cost` from every bucket, or from none: 0, else the ms to wait (Infinity: never). Rejects when Redis does not answer. */
  async takeAll(buckets: readonly SharedBucket[]): Promise<number> {
    if (buckets.length === 0) return 0;
    const args = buckets.flatMap((bucket) => [bucket.capacity, bucket.refillPerSecond, bucket.cost]);
    const answer = Number(await (this.redis as unknown as { tesseraTake(n: number, ...rest: (string | number)[]): Promise<number> })
      .tesseraTake(buckets.length, ...buckets.map((bucket) => bucket.key), ...args));
    return answer < 0 ? Infinity : answer;
  }
}
