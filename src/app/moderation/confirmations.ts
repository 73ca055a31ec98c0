// One-use confirmation tokens for actions that ask "are you sure?" (POST …/reset answers 409 with
// a token; the same request with that token within CONFIRM_MS does it). One process keeps them
// here; a cluster keeps them in Redis (src/cluster/shared-confirmations.ts), so the confirming
// request may reach any member.
import { randomBytes } from 'node:crypto';

export interface Confirmations {
  /** A fresh token for `what`, good for `ttlMs`. */
  issue(what: string, ttlMs: number, nowMs: number): Promise<string>;
  /** True, and the token is spent, when `token` was issued for `what` and has not expired. */
  redeem(token: string, what: string, nowMs: number): Promise<boolean>;
}

export class LocalConfirmations implements Confirmations {
  private readonly held = new Map<string, { what: string; untilMs: number }>();

  issue(what: string, ttlMs: number, nowMs: number): Promise<string> {
    this.forgetExpired(nowMs);
    const token = randomBytes(16).toString('base64url');
    this.held.set(token, { what, untilMs: nowMs + ttlMs });
    return Promise.resolve(token);
  }

  redeem(token: string, what: string, nowMs: number): Promise<boolean> {
    this.forgetExpired(nowMs);
    if (this.held.get(token)?.what !== what) return Promise.resolve(false);
    this.held.delete(token);
    return Promise.resolve(true);
  }

  private forgetExpired(nowMs: number): void {
    for (const [token, held] of this.held) if (held.untilMs <= nowMs) this.held.delete(token);
  }
}
