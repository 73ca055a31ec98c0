// The active bans, in memory, shaped for the placement path: one Map lookup per name a writer
// goes by (its account, its guest session, its IP or /64) plus one check per banned range.
// Rebuilt from the list of active bans on every change (bans change rarely; checks are constant).
import { guestActor } from '../placement/actor.js';
import type { Writer } from '../placement/write.js';
import type { BanRecord } from '../storage/moderation.js';
import { parseIpTarget, parseIpWords, rangeCovers, type IpRange, type IpWords } from './ip-bans.js';

// Which range ban (or none) covers an ipKey, remembered until the bans change: a connection's
// writes check the ranges once, not on every placement.
const RANGE_CACHE_SIZE = 65_536;

/** The actor a user ban names: the account's name in the history. */
export const userActor = (userId: number): string => `user:${userId}`;

export class BanIndex {
  private bans: BanRecord[] = [];
  private readonly byActor = new Map<string, BanRecord>();
  private readonly byIp = new Map<string, BanRecord>();
  private ranges: { range: IpRange; ban: BanRecord }[] = [];
  private readonly rangeHits = new Map<string, BanRecord | null>();

  constructor(private readonly ipv6PrefixLength: number) {}

  /** True when no ban is in force (the placement path's fast exit). */
  get empty(): boolean {
    return this.bans.length === 0;
  }

  /** The bans in force, oldest first (some may have expired since the last change). */
  list(): readonly BanRecord[] {
    return this.bans;
  }

  replace(bans: readonly BanRecord[]): void {
    this.bans = [...bans];
    this.byActor.clear();
    this.byIp.clear();
    this.ranges = [];
    this.rangeHits.clear();
    for (const ban of this.bans) {
      if (ban.kind === 'user') keep(this.byActor, userActor(Number(ban.target)), ban);
      else if (ban.kind === 'session') keep(this.byActor, ban.target, ban);
      else {
        const target = parseIpTarget(ban.target, this.ipv6PrefixLength);
        if (target?.key) keep(this.byIp, target.key, ban);
        else if (target?.range) this.ranges.push({ range: target.range, ban });
      }
    }
  }

  add(ban: BanRecord): void {
    this.replace([...this.bans, ban]);
  }

  remove(id: number): void {
    this.replace(this.bans.filter((ban) => ban.id !== id));
  }

  /** Drops bans expired at `now`; returns whether any was. */
  expire(now: number): boolean {
    const live = this.bans.filter((ban) => !expired(ban, now));
    if (live.length === this.bans.length) return false;
    this.replace(live);
    return true;
  }

  /** The ban in force at `now` on this writer (its account, guest session or IP), or null. */
  find(writer: Writer, now: number): BanRecord | null {
    if (this.bans.length === 0) return null;
    const guest = writer.guest ?? guestActor(writer.session);
    let ban = this.byActor.get(guest);
    if (ban !== undefined && !expired(ban, now)) return ban;
    if (writer.actor !== undefined) {
      ban = this.byActor.get(writer.actor);
      if (ban !== undefined && !expired(ban, now)) return ban;
    }
    ban = this.byIp.get(writer.ip);
    if (ban !== undefined && !expired(ban, now)) return ban;
    if (this.ranges.length === 0) return null;
    let hit = this.rangeHits.get(writer.ip);
    if (hit === undefined) {
      hit = this.rangeCovering(writer.ip);
      if (this.rangeHits.size >= RANGE_CACHE_SIZE) this.rangeHits.clear();
      this.rangeHits.set(writer.ip, hit);
    }
    // The longest-lasting covering range was remembered: if it has expired, every other has.
    return hit !== null && !expired(hit, now) ? hit : null;
  }

  /** Of the ranges covering the ipKey, the one that lasts longest; null if none does. */
  private rangeCovering(key: string): BanRecord | null {
    const ip: IpWords | null = parseIpWords(key);
    if (ip === null) return null;
    let found: BanRecord | null = null;
    for (const { range, ban } of this.ranges) {
      if (rangeCovers(range, ip) && (found === null || outlasts(ban, found))) found = ban;
    }
    return found;
  }
}

function expired(ban: BanRecord, now: number): boolean {
  return ban.expiresMs !== null && ban.expiresMs <= now;
}

function outlasts(ban: BanRecord, other: BanRecord): boolean {
  return other.expiresMs !== null && (ban.expiresMs === null || ban.expiresMs > other.expiresMs);
}

/** Keeps, per name, the ban that lasts longest: if it has expired, every other one has too. */
function keep(index: Map<string, BanRecord>, key: string, ban: BanRecord): void {
  const held = index.get(key);
  if (held === undefined || outlasts(ban, held)) index.set(key, ban);
}
