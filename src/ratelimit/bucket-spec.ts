// One token bucket of a rate policy, as the configuration describes it.

/** What a bucket is keyed by: the writer's session, its IP, or the tile written. */
export type BucketKey = 'session' | 'ip' | 'tile';

export interface BucketSpec {
  key: BucketKey;
  capacity: number;         // whole tokens, 1..65535 (QUOTA sends it as u16)
  refillPerSecond: number;
  // 'pixel': a request costs one token per pixel; 'write': one per request; 'chunk': one per
  // chunk of the board it writes that holds no pixels yet (what it makes the board allocate).
  unit: 'pixel' | 'write' | 'chunk';
  /** Only writers of these roles ('guest', 'user', 'moderator', 'admin') are counted by it; absent: everyone. */
  roles?: readonly string[];
}
