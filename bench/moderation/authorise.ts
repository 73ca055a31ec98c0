// The cost of moderation on the placement path: ModerationAuthoriser.check (bans, board state,
// region locks) in ns per placement, against the pipeline's old allow-everyone stage.
//
//   node scripts/build.mjs && node build/bench/moderation/authorise.js [--iterations N]
//
// Scenarios: nothing banned or locked (the fast exit); an event under attack: 10,000 bans
// (session, user, IPv4 and IPv6 /64 exact) + 20 CIDR ranges + 50 region locks on the board,
// with writers who are not banned (every lookup and every range runs: the worst case) and
// writers who are (banned by IP). Writers are 10,000 distinct prebuilt identities, as the
// WebSocket endpoint holds them (guest actor computed once per connection).
import { parseArgs } from 'node:util';
import { Board } from '../../src/canvas/board.js';
import { ModerationAuthoriser } from '../../src/moderation/authoriser.js';
import { BanIndex } from '../../src/moderation/ban-index.js';
import { BoardStates, LockIndex } from '../../src/moderation/lock-index.js';
import { ipKey } from '../../src/net/client-ip.js';
import { allowEveryone, type Authoriser } from '../../src/placement/authorise.js';
import { guestActor } from '../../src/placement/actor.js';
import type { Write, Writer } from '../../src/placement/write.js';
import type { BanRecord } from '../../src/storage/moderation.js';
import { mulberry32 } from '../../test/support/random.js';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '5000000' } } });
const ITERATIONS = Number(values.iterations);
const T0 = 1_700_000_000_000;
const random = mulberry32(42);
const int = (below: number) => Math.floor(random() * below);

const board = new Board({ id: 'place', title: 'Place', width: 1000, height: 1000, chunkSize: 100, palette: ['#FFFFFF', '#000000'], background: 0, tileSize: null }, 0);

function writers(count: number, ip: (i: number) => string): Writer[] {
  return Array.from({ length: count }, (_, i) => {
    const session = Buffer.from(`session-${i}-${int(1e9)}`).toString('base64url').padEnd(22, 'x').slice(0, 22);
    return { session, ip: ip(i), guest: guestActor(session), ...(i % 4 === 0 ? { actor: `user:${i}` } : {}) };
  });
}

const clean = writers(10_000, (i) => (i % 2 === 0 ? `198.51.${(i >> 8) & 255}.${i & 255}` : ipKey(`2001:db8:${i.toString(16)}::1`, 64)));
const bannedWriters = writers(10_000, (i) => `203.0.${(i >> 8) & 255}.${i & 255}`);
const writes: Write[] = Array.from({ length: 4096 }, () => ({ kind: 'pixel', x: int(1000), y: int(1000), color: 1 }));

function attackState(withBans = true, withLocks = true): Authoriser {
  const bans = new BanIndex(64);
  const list: BanRecord[] = [];
  const ban = (kind: BanRecord['kind'], target: string): void => {
    list.push({ id: list.length + 1, kind, target, reason: 'bench', createdMs: T0, expiresMs: T0 + 86_400_000, createdBy: 'user:1', liftedMs: null });
  };
  for (let i = 0; i < 2500; i++) ban('session', guestActor(`banned-session-${i}`.padEnd(22, 'x')));
  for (let i = 0; i < 2500; i++) ban('user', String(100_000 + i));
  for (let i = 0; i < 2500; i++) ban('ip', `192.0.${(i >> 8) & 255}.${i & 255}`);
  for (let i = 0; i < 2500; i++) ban('ip', `2001:db8:ffff:${i.toString(16)}::1`);
  for (let i = 0; i < 19; i++) ban('ip', `10.${i}.0.0/16`);
  ban('ip', '203.0.0.0/16');
  if (withBans) bans.replace(list);
  const locks = new LockIndex(1);
  for (let i = 0; i < (withLocks ? 50 : 0); i++) {
    locks.add(0, { id: i + 1, boardId: 'place', x: int(950), y: int(950), width: 1 + int(40), height: 1 + int(40), reason: '', createdMs: T0, createdBy: 'user:1' });
  }
  return new ModerationAuthoriser(bans, locks, new BoardStates(['place']));
}

function measure(name: string, authoriser: Authoriser, who: Writer[]): void {
  const run = () => {
    let refused = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) {
      if (authoriser.check(board, who[i % who.length]!, writes[i & 4095]!, T0) !== null) refused++;
    }
    return { ns: Number(process.hrtime.bigint() - started) / ITERATIONS, refused };
  };
  run(); // warm-up: let the JIT settle
  const runs = Array.from({ length: 5 }, run);
  const sorted = runs.map((r) => r.ns).sort((a, b) => a - b);
  console.log(`${name.padEnd(58)} ${sorted[2]!.toFixed(1).padStart(7)} ns/placement (median of 5; min ${sorted[0]!.toFixed(1)}), refused ${(100 * runs[0]!.refused / ITERATIONS).toFixed(1)}%`);
}

console.log(`ModerationAuthoriser.check, ${ITERATIONS} placements per run, Node ${process.version}`);
measure('allow everyone (before moderation)', allowEveryone, clean);
measure('moderation, nothing banned or locked', new ModerationAuthoriser(new BanIndex(64), new LockIndex(1), new BoardStates(['place'])), clean);
const attack = attackState();
measure('10,000 bans + 20 ranges + 50 locks, writer not banned', attack, clean);
measure('10,000 bans + 20 ranges + 50 locks, writer banned (by range)', attack, bannedWriters);
measure('10,000 bans + 20 ranges only, writer not banned', attackState(true, false), clean);
measure('50 locks only', attackState(false, true), clean);
