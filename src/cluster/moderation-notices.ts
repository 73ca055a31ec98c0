// Moderation changes across the cluster: after a member commits a change (ban, lock, board
// settings, an account's role or session) to PostgreSQL, it publishes a small notice on Redis — what changed, never the change
// itself — and every other member reloads that piece from the database and applies it. Reloading
// instead of trusting the message keeps the database the one truth; pub/sub delivers at most
// once, so whenever the subscription comes back after a loss, everything is reloaded.
import type { Redis } from 'ioredis';
import { connectRedis, type RedisTarget } from './redis-log.js';

/** bans: the active bans; accounts: users and sessions; locks/board: one board's locks or settings; all: everything (after a loss). */
export type ModerationNotice = { kind: 'bans' | 'accounts' | 'all' } | { kind: 'locks' | 'board'; boardId: string };

export class ModerationNotices {
  private readonly subscriber: Redis;
  private readonly channel: string;
  private handler: (notice: ModerationNotice) => void = () => {};

  constructor(target: RedisTarget, private readonly publisher: Redis, private readonly memberId: string) {
    // Channels are not keys (ioredis does not prefix them): the deployment's prefix is added here.
    this.channel = `${target.prefix}moderation`;
    this.subscriber = connectRedis(target);
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    let lost = false;
    this.subscriber.on('close', () => (lost = true));
    this.subscriber.on('ready', () => {
      if (!lost) return;
      lost = false;
      this.handler({ kind: 'all' }); // notices may have been missed meanwhile
    });
  }

  /** Subscribed once this resolves: every notice published afterwards is received. */
  async connect(): Promise<void> {
    await this.subscriber.connect();
    await this.subscriber.subscribe(this.channel);
  }

  /** Where received notices (from other members) go. */
  follow(handler: (notice: ModerationNotice) => void): void {
    this.handler = handler;
  }

  /** Tells the other members; rejects when Redis does not answer (they then reload on its return). */
  async publish(notice: ModerationNotice): Promise<void> {
    const text = 'boardId' in notice ? `${notice.kind} ${notice.boardId}` : notice.kind;
    await this.publisher.publish(this.channel, `${this.memberId} ${text}`);
  }

  close(): void {
    this.subscriber.disconnect();
  }

  /** "member kind [boardId]"; anything else is ignored (it names nothing to reload). */
  private receive(text: string): void {
    const [, member, kind, boardId] = /^(\S+) (\S+)(?: (.+))?$/.exec(text) ?? [];
    if (member === undefined || member === this.memberId) return; // this member applied it already
    if (kind === 'bans' || kind === 'accounts' || kind === 'all') this.handler({ kind });
    else if ((kind === 'locks' || kind === 'board') && boardId !== undefined) this.handler({ kind, boardId });
  }
}
